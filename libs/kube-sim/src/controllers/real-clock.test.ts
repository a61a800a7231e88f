import { describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { MemoryStore } from '../store/memory-store';
import { createClock } from './clock';
import { startControllers } from './controller-set';
import { PROFILES } from './profiles';
import { pod } from './test-builders';
import { condition, nodeOf, SMALL_TOPOLOGY } from './test-cluster';
import { buildNodes } from './topology';

async function until(predicate: () => boolean, timeoutMs: number): Promise<number> {
  const start = Date.now();
  while (!predicate()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
  return Date.now() - start;
}

describe('real clock', () => {
  test('fast profile: a pod is scheduled, running and Ready within tens of ms, with no flush', async () => {
    const clock = createClock('real');
    const store = new MemoryStore({ clock });
    for (const n of buildNodes(SMALL_TOPOLOGY, 'rt')) store.create('nodes', n);
    const ctl = startControllers({ store, clock, profile: PROFILES.fast });
    store.create('pods', pod('p').obj());
    const elapsed = await until(
      () => condition(store.get('pods', 'default', 'p'), 'Ready')?.status === 'True',
      2000,
    );
    assert.ok(nodeOf(store.get('pods', 'default', 'p')));
    assert.ok(elapsed >= 30, `start + ready delays are 20 + 20 ms, took ${elapsed} ms`);
    store.delete('pods', 'default', 'p');
    await until(() => store.get('pods', 'default', 'p') === undefined, 2000);
    ctl.stop();
  });
});
