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

  test('a pod deleted on a quiet cluster goes after its stop delay, not at the next unrelated wake-up', async () => {
    const clock = createClock('real');
    const store = new MemoryStore({ clock });
    for (const n of buildNodes(SMALL_TOPOLOGY, 'rt')) store.create('nodes', n);
    const ctl = startControllers({ store, clock, profile: PROFILES.fast });
    store.create('pods', pod('q').obj());
    await until(
      () => condition(store.get('pods', 'default', 'q'), 'Ready')?.status === 'True',
      2000,
    );
    // Wait on the store's events alone: no polling timer may wake the event loop meanwhile.
    const gone = new Promise<'gone'>((resolve) => {
      const unsubscribe = store.subscribe((e) => {
        if (e.resource === 'pods' && e.type === 'DELETED' && e.object.metadata.name === 'q') {
          unsubscribe();
          resolve('gone');
        }
      });
    });
    store.delete('pods', 'default', 'q');
    let timer: NodeJS.Timeout | undefined;
    const outcome = await Promise.race([
      gone,
      new Promise<'still there'>(
        (resolve) => (timer = setTimeout(() => resolve('still there'), 1000)),
      ),
    ]);
    clearTimeout(timer);
    assert.equal(
      outcome,
      'gone',
      'the kubelet stops the pod 10 ms after its deletion (fast profile)',
    );
    ctl.stop();
  });
});
