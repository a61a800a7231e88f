/** Shared helpers for the kube-sim conformance tests: temp dirs, a fleet, the real kubectl. */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { KubeSim, type KubeSimOptions } from '../src/sim';

/** The kubectl binary under test: $KUBECTL (e.g. Debian's kubernetes-client) or the one on PATH. */
export const KUBECTL = process.env.KUBECTL ?? 'kubectl';

export interface TestFleet {
  sim: KubeSim;
  dir: string;
  stop(): Promise<void>;
}

export async function startFleet(options: Partial<KubeSimOptions> = {}): Promise<TestFleet> {
  const dir = mkdtempSync(join(tmpdir(), 'kube-sim-test-'));
  const sim = await KubeSim.start({
    clusters: ['east'],
    profile: 'fast',
    ...options,
    kubeconfigDir: join(dir, 'kubeconfig'),
  });
  return {
    sim,
    dir,
    async stop() {
      await sim.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs kubectl with a private discovery cache and HOME, so runs never share state. */
export function kubectl(
  fleet: TestFleet,
  kubeconfig: string,
  args: string[],
  options: { timeoutMs?: number; input?: string } = {},
): Promise<KubectlResult> {
  return new Promise((resolve) => {
    const child = execFile(
      KUBECTL,
      ['--kubeconfig', kubeconfig, ...args],
      {
        timeout: options.timeoutMs ?? 20_000,
        env: kubectlEnv(fleet),
        maxBuffer: 16 * 1024 * 1024,
      },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stdout: String(stdout), stderr: String(stderr) });
      },
    );
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
}

export function kubectlEnv(fleet: TestFleet): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: fleet.dir,
    KUBECACHEDIR: join(fleet.dir, 'kube-cache'),
  };
}

/** Starts a long-running kubectl (e.g. `get -w`) and collects its output. */
export function kubectlStream(
  fleet: TestFleet,
  kubeconfig: string,
  args: string[],
): {
  child: ChildProcess;
  output: () => string;
  waitFor: (re: RegExp, timeoutMs?: number) => Promise<string>;
  stop: () => Promise<void>;
} {
  const child = spawn(KUBECTL, ['--kubeconfig', kubeconfig, ...args], {
    env: kubectlEnv(fleet),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const waiters: Array<() => void> = [];
  child.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
    for (const w of waiters.splice(0)) w();
  });
  child.stderr!.on('data', (d: Buffer) => {
    out += d.toString();
    for (const w of waiters.splice(0)) w();
  });
  const exited = new Promise<void>((r) => child.on('exit', () => r()));
  return {
    child,
    output: () => out,
    waitFor(re, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`timed out waiting for ${re} in:\n${out}`)),
          timeoutMs,
        );
        const check = (): void => {
          if (re.test(out)) {
            clearTimeout(timer);
            resolve(out);
          } else waiters.push(check);
        };
        check();
      });
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Polls until fn returns a truthy value or throws after timeoutMs. */
export async function eventually<T>(
  fn: () => T | Promise<T>,
  timeoutMs = 5_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`,
      );
    }
    await sleep(25);
  }
}
