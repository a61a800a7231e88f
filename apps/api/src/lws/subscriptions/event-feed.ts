import type { Checkpoint, EventStore, StoredEvent } from '../../../../../libs/events/src';

type Listener = (event: StoredEvent) => void;

/**
 * Live events for GraphQL subscriptions: follows the global log from "now" (in memory: a subscriber
 * wants what happens from here on, not a durable checkpoint) while anyone listens, and hands each
 * event to the listeners of its stream. Reading through the store's global log means no event is
 * skipped, even one committed late by a slow transaction.
 */
export class EventFeed {
  private readonly listeners = new Map<string, Set<Listener>>();
  private checkpoint: Checkpoint | undefined;
  private timer: NodeJS.Timeout | undefined;
  private polling = false;

  constructor(
    private readonly store: EventStore,
    private readonly pollMs = 200,
  ) {}

  async subscribe(streamId: string, onEvent: Listener): Promise<() => void> {
    if (this.count() === 0) this.checkpoint = await this.store.headCheckpoint();
    // The log's head lags behind while any transaction runs (it never skips one), so the feed may
    // replay a little of the past: the stream's version now is where this subscriber starts.
    const from = await this.store.streamVersion(streamId);
    const listener: Listener = (event) => {
      if (event.streamPosition > from) onEvent(event);
    };
    let set = this.listeners.get(streamId);
    if (!set) this.listeners.set(streamId, (set = new Set()));
    set.add(listener);
    this.timer ??= setInterval(() => void this.poll(), this.pollMs);
    return () => {
      set!.delete(listener);
      if (set!.size === 0) this.listeners.delete(streamId);
      if (this.count() === 0 && this.timer) {
        clearInterval(this.timer);
        this.timer = undefined;
      }
    };
  }

  /** Nest calls this on shutdown. */
  onModuleDestroy(): void {
    this.stop();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.listeners.clear();
  }

  private count(): number {
    let n = 0;
    for (const set of this.listeners.values()) n += set.size;
    return n;
  }

  private async poll(): Promise<void> {
    if (this.polling || !this.checkpoint) return;
    this.polling = true;
    try {
      for (;;) {
        const events = await this.store.readAll({ after: this.checkpoint, limit: 500 });
        for (const event of events) {
          this.checkpoint = {
            transactionId: event.transactionId,
            globalPosition: event.globalPosition,
          };
          for (const listener of this.listeners.get(event.streamId) ?? []) listener(event);
        }
        if (events.length < 500) break;
      }
    } catch {
      // The next tick tries again from the same checkpoint.
    } finally {
      this.polling = false;
    }
  }
}

/** An async iterator over a feed's events of one stream, as GraphQL subscriptions want; ends on return(). */
export function iterateStream<T>(
  feed: EventFeed,
  streamId: string,
  map: (event: StoredEvent) => T,
): AsyncIterableIterator<T> {
  const queue: T[] = [];
  let wake: ((result: IteratorResult<T>) => void) | undefined;
  let done = false;
  const unsubscribe = feed.subscribe(streamId, (event) => {
    const value = map(event);
    if (wake) {
      const resolve = wake;
      wake = undefined;
      resolve({ value, done: false });
    } else queue.push(value);
  });
  const finish = async (): Promise<IteratorResult<T>> => {
    done = true;
    (await unsubscribe)();
    wake?.({ value: undefined, done: true });
    return { value: undefined, done: true };
  };
  return {
    async next() {
      await unsubscribe;
      if (queue.length) return { value: queue.shift()!, done: false };
      if (done) return { value: undefined, done: true };
      return new Promise((resolve) => (wake = resolve));
    },
    return: finish,
    throw: async (error) => {
      await finish();
      throw error;
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}
