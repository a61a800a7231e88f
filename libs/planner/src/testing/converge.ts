// Test helper: plan → apply → pods become Running and Ready → plan again, until a plan is empty.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { plan } from '../plan';
import type { DesiredLws, PlanResult } from '../types';
import type { FakeCluster } from './fake-cluster';

export interface ConvergeResult {
  rounds: number;
  last: PlanResult;
  writes: number;
}

/** Carries the status between rounds as the worker would (it records the status it computed). */
export function converge(
  desired: DesiredLws,
  cluster: FakeCluster,
  maxRounds = 20,
): ConvergeResult {
  let writes = 0;
  let current = desired;
  for (let round = 1; round <= maxRounds; round++) {
    const result = plan(current, cluster.build());
    current = { ...current, status: result.status };
    if (result.actions.length === 0) return { rounds: round, last: result, writes };
    writes += result.actions.length;
    cluster.from(result.actions).finishDeletes().allRunningReady();
  }
  throw new Error(`no convergence after ${maxRounds} rounds`);
}

function findRepoRoot(start: string): string | undefined {
  let dir = path.resolve(start);
  for (;;) {
    const pkg = path.join(dir, 'package.json');
    if (fs.existsSync(pkg)) {
      try {
        if ((JSON.parse(fs.readFileSync(pkg, 'utf8')) as { name?: string }).name === 'lws-fleet')
          return dir;
      } catch {
        // not ours: keep walking up
      }
    }
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** `<repo>/../shared/examples`; `LWS_SHARED_DIR` (or libs/lws's `LWS_FLEET_SHARED_DIR`) overrides. */
export function sharedExamplesDir(): string {
  const override = process.env.LWS_SHARED_DIR ?? process.env.LWS_FLEET_SHARED_DIR;
  if (override) return path.join(path.resolve(override), 'examples');
  const root = findRepoRoot(__dirname) ?? findRepoRoot(process.cwd());
  if (!root) throw new Error(`cannot find the lws-fleet repository above ${__dirname}`);
  return path.resolve(root, '..', 'shared', 'examples');
}

export function exampleText(file: string): string {
  return fs.readFileSync(path.join(sharedExamplesDir(), file), 'utf8');
}
