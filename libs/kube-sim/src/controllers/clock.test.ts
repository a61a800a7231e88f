import { describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { createClock, DEFAULT_MANUAL_START, rfc3339 } from './clock';

describe('manual clock', () => {
  test('starts at the given time and formats RFC 3339 seconds', () => {
    const clock = createClock('manual', Date.parse('2026-11-29T08:00:00.750Z'));
    assert.equal(clock.iso(), '2026-11-29T08:00:00Z');
    assert.equal(createClock('manual').now(), DEFAULT_MANUAL_START);
    assert.equal(rfc3339(Date.parse('2026-01-01T00:00:01.999Z')), '2026-01-01T00:00:01Z');
  });

  test('fires due timers in time order, then insertion order, each at its own time', () => {
    const clock = createClock('manual', 0);
    const seen: Array<[string, number]> = [];
    clock.setTimeout(() => seen.push(['b', clock.now()]), 200);
    clock.setTimeout(() => seen.push(['a', clock.now()]), 100);
    clock.setTimeout(() => seen.push(['a2', clock.now()]), 100);
    clock.setTimeout(() => seen.push(['late', clock.now()]), 1000);
    clock.advance(500);
    assert.deepEqual(seen, [
      ['a', 100],
      ['a2', 100],
      ['b', 200],
    ]);
    assert.equal(clock.now(), 500);
    assert.equal(clock.pendingTimers(), 1);
  });

  test('timers set while advancing fire within the same window', () => {
    const clock = createClock('manual', 0);
    const seen: number[] = [];
    clock.setTimeout(() => {
      seen.push(clock.now());
      clock.setTimeout(() => seen.push(clock.now()), 50);
      clock.setTimeout(() => seen.push(clock.now()), 5000);
    }, 100);
    clock.advance(200);
    assert.deepEqual(seen, [100, 150]);
    clock.advance(5000);
    assert.deepEqual(seen, [100, 150, 5100]);
  });

  test('cleared timers never fire; settle hooks run after each timer', () => {
    const clock = createClock('manual', 0);
    let fired = 0;
    let settled = 0;
    const t = clock.setTimeout(() => fired++, 10);
    clock.setTimeout(() => fired++, 20);
    clock.clearTimeout(t);
    const off = clock.onSettle(() => settled++);
    clock.advance(100);
    assert.equal(fired, 1);
    assert.equal(settled, 2); // after the timer, and at the end of advance
    off();
    clock.advance(100);
    assert.equal(settled, 2);
    assert.throws(() => clock.advance(-1));
  });
});

describe('real clock', () => {
  test('follows the wall clock and refuses advance', async () => {
    const clock = createClock('real');
    assert.ok(Math.abs(clock.now() - Date.now()) < 50);
    assert.throws(() => clock.advance(10));
    const shifted = createClock('real', Date.parse('2030-01-01T00:00:00Z'));
    assert.ok(shifted.now() >= Date.parse('2030-01-01T00:00:00Z'));
    // Clock timers are unref'd (they never keep a process alive): hold the loop open meanwhile.
    const keepAlive = setInterval(() => undefined, 1000);
    const start = clock.now();
    const fired = await new Promise<number>((resolve) =>
      clock.setTimeout(() => resolve(clock.now()), 20),
    );
    clearInterval(keepAlive);
    assert.ok(fired - start >= 15, `fired after ${fired - start} ms`);
  });
});
