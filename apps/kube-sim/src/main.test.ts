import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';

import { parseArgs } from './main';

describe('kube-sim CLI', () => {
  test('parses its arguments and refuses bad ones', () => {
    assert.deepEqual(parseArgs([]).clusters, ['east', 'west']);
    const o = parseArgs([
      '--clusters',
      'a, b,c',
      '--profile=fast',
      '--kubeconfig-dir',
      '/tmp/x',
      '--port',
      '7000',
    ]);
    assert.deepEqual(o.clusters, ['a', 'b', 'c']);
    assert.equal(o.profile, 'fast');
    assert.equal(o.kubeconfigDir, '/tmp/x');
    assert.equal(o.port, 7000);
    assert.throws(() => parseArgs(['--profile', 'slow']), /unknown profile/);
    assert.throws(() => parseArgs(['--clusters']), /needs a value/);
    assert.throws(() => parseArgs(['--port', 'x']), /port/);
    assert.throws(() => parseArgs(['--bogus']), /unknown argument/);
  });

  test(
    'starts a fleet, prints where it is, and stops cleanly on SIGINT',
    { timeout: 30_000 },
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'kube-sim-cli-'));
      try {
        const child = spawn(
          process.execPath,
          [
            join(__dirname, 'main.js'),
            '--clusters',
            'north,south',
            '--profile',
            'fast',
            '--kubeconfig-dir',
            dir,
          ],
          { stdio: ['ignore', 'pipe', 'pipe'] },
        );
        let out = '';
        child.stdout.on('data', (d: Buffer) => (out += d.toString()));
        child.stderr.on('data', (d: Buffer) => (out += d.toString()));
        const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
        const deadline = Date.now() + 20_000;
        while (!/Ctrl-C/.test(out) && Date.now() < deadline)
          await new Promise((r) => setTimeout(r, 50));
        assert.match(out, /north\s+http:\/\/127\.0\.0\.1:\d+\s+40 nodes/);
        assert.match(out, /south\s+http:\/\/127\.0\.0\.1:\d+/);
        assert.match(out, /kubectl --kubeconfig \S+north\.yaml get nodes -L rack/);
        assert.ok(existsSync(join(dir, 'north.yaml')));
        assert.ok(existsSync(join(dir, 'fleet.yaml')));
        const url = out.match(/north\s+(http:\/\/127\.0\.0\.1:\d+)/)![1];
        const res = await fetch(`${url}/api/v1/nodes?limit=1`);
        assert.equal(res.status, 200);
        child.kill('SIGINT');
        assert.equal(await exited, 0);
        assert.match(out, /SIGINT, stopping/);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});
