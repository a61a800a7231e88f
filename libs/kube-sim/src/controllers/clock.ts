import type { ClockTimer, SimClock } from '../store/types';

/** Where a manual clock starts when the caller gives no time: a fixed instant, for reproducible runs. */
export const DEFAULT_MANUAL_START = Date.parse('2026-01-01T00:00:00Z');

/**
 * A SimClock the controllers can hook into: after each timer a manual clock fires inside `advance`,
 * it runs the settle hooks, so that work a timer triggers (and timers that work sets) happens within
 * the same `advance` window.
 */
export interface ControllableClock extends SimClock {
  readonly mode: 'real' | 'manual';
  /** Manual mode: moves time to `t` (never backwards), firing due timers. */
  set(t: number): void;
  /** Registers a hook run after every timer callback; returns an unregister function. */
  onSettle(hook: () => void): () => void;
  /** Number of live timers (for tests and leak checks). */
  pendingTimers(): number;
}

/** RFC 3339 at second precision, the form Kubernetes writes for metav1.Time. */
export function rfc3339(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/** RFC 3339 with microseconds, the form of metav1.MicroTime (events' eventTime). */
export function rfc3339Micro(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

interface ManualTimer extends ClockTimer {
  readonly due: number;
  readonly seq: number;
  fn: (() => void) | undefined;
}

/** Binary min-heap of timers ordered by (due, seq): O(log n) insert and pop. */
class TimerHeap {
  private items: ManualTimer[] = [];

  get size(): number {
    return this.items.length;
  }

  peek(): ManualTimer | undefined {
    return this.items[0];
  }

  push(timer: ManualTimer): void {
    const items = this.items;
    items.push(timer);
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!less(items[i], items[parent])) break;
      [items[i], items[parent]] = [items[parent], items[i]];
      i = parent;
    }
  }

  pop(): ManualTimer | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (items.length > 0 && last) {
      items[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < items.length && less(items[l], items[m])) m = l;
        if (r < items.length && less(items[r], items[m])) m = r;
        if (m === i) break;
        [items[i], items[m]] = [items[m], items[i]];
        i = m;
      }
    }
    return top;
  }
}

function less(a: ManualTimer, b: ManualTimer): boolean {
  return a.due < b.due || (a.due === b.due && a.seq < b.seq);
}

class ManualClock implements ControllableClock {
  readonly mode = 'manual' as const;
  private current: number;
  private seq = 0;
  private live = 0;
  private readonly heap = new TimerHeap();
  private readonly hooks = new Set<() => void>();
  private advancing = false;

  constructor(start: number) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  iso(): string {
    return rfc3339(this.current);
  }

  setTimeout(fn: () => void, ms: number): ClockTimer {
    const delay = Number.isFinite(ms) && ms > 0 ? ms : 0;
    const timer: ManualTimer = { due: this.current + delay, seq: this.seq++, fn };
    this.heap.push(timer);
    this.live++;
    return timer;
  }

  clearTimeout(timer: ClockTimer): void {
    const t = timer as ManualTimer;
    if (t && t.fn) {
      t.fn = undefined;
      this.live--;
    }
  }

  advance(ms: number): void {
    if (!(ms >= 0)) throw new RangeError(`advance: ms must be >= 0, got ${ms}`);
    this.set(this.current + ms);
  }

  set(t: number): void {
    if (this.advancing) throw new Error('clock.advance called from inside a timer');
    const target = Math.max(t, this.current);
    this.advancing = true;
    try {
      for (;;) {
        const next = this.heap.peek();
        if (!next || next.due > target) break;
        this.heap.pop();
        const fn = next.fn;
        if (!fn) continue;
        next.fn = undefined;
        this.live--;
        this.current = Math.max(this.current, next.due);
        fn();
        this.settle();
      }
      this.current = target;
    } finally {
      this.advancing = false;
    }
    this.settle();
  }

  onSettle(hook: () => void): () => void {
    this.hooks.add(hook);
    return () => this.hooks.delete(hook);
  }

  pendingTimers(): number {
    return this.live;
  }

  private settle(): void {
    for (const hook of this.hooks) hook();
  }
}

interface RealTimer extends ClockTimer {
  handle?: NodeJS.Timeout;
}

class RealClock implements ControllableClock {
  readonly mode = 'real' as const;
  private readonly offset: number;
  private live = 0;
  private readonly hooks = new Set<() => void>();

  constructor(start?: number) {
    this.offset = start === undefined ? 0 : start - Date.now();
  }

  now(): number {
    return Date.now() + this.offset;
  }

  iso(): string {
    return rfc3339(this.now());
  }

  setTimeout(fn: () => void, ms: number): ClockTimer {
    const delay = Number.isFinite(ms) && ms > 0 ? ms : 0;
    const timer: RealTimer = { due: this.now() + delay };
    this.live++;
    timer.handle = setTimeout(() => {
      timer.handle = undefined;
      this.live--;
      fn();
      for (const hook of this.hooks) hook();
    }, delay);
    // Controller timers never keep a process alive on their own.
    timer.handle.unref();
    return timer;
  }

  clearTimeout(timer: ClockTimer): void {
    const t = timer as RealTimer;
    if (t && t.handle) {
      clearTimeout(t.handle);
      t.handle = undefined;
      this.live--;
    }
  }

  advance(): void {
    throw new Error('advance() is only available on a manual clock');
  }

  set(): void {
    throw new Error('set() is only available on a manual clock');
  }

  onSettle(hook: () => void): () => void {
    this.hooks.add(hook);
    return () => this.hooks.delete(hook);
  }

  pendingTimers(): number {
    return this.live;
  }
}

/**
 * `manual`: time moves only through `advance`/`set`, starting at `start` (default 2026-01-01T00:00:00Z).
 * `real`: wall-clock time (shifted so that now() starts at `start` when given), real timers.
 */
export function createClock(mode: 'real' | 'manual', start?: number): ControllableClock {
  if (mode === 'manual') return new ManualClock(start ?? DEFAULT_MANUAL_START);
  if (mode === 'real') return new RealClock(start);
  throw new Error(`unknown clock mode ${String(mode)}`);
}

/** The settle hook of a clock made by createClock; other SimClocks have none. */
export function settleHookOf(clock: SimClock): ((hook: () => void) => () => void) | undefined {
  const candidate = (clock as Partial<ControllableClock>).onSettle;
  return typeof candidate === 'function' ? candidate.bind(clock) : undefined;
}
