import type Redis from 'ioredis';

// Take the lease if free, or extend it if it is ours: one atomic step.
const ACQUIRE = `
local holder = redis.call('get', KEYS[1])
if holder == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) end
if not holder then return redis.call('set', KEYS[1], ARGV[1], 'PX', ARGV[2]) and 1 or 0 end
return 0`;
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0`;

/**
 * Each cluster is owned by one worker process at a time: a lease in Redis that the owner renews.
 * A dead process's clusters are taken over when its leases lapse.
 */
export class ClusterLeases {
  constructor(
    private readonly redis: Redis,
    readonly holder: string,
    readonly ttlMs = 15_000,
    private readonly prefix = 'lws-fleet',
  ) {}

  private key(cluster: string): string {
    return `${this.prefix}:lease:cluster:${cluster}`;
  }

  /** True when this holder owns the lease after the call (taken or renewed). */
  async acquire(cluster: string): Promise<boolean> {
    const result = await this.redis.eval(
      ACQUIRE,
      1,
      this.key(cluster),
      this.holder,
      String(this.ttlMs),
    );
    return result === 1 || result === 'OK';
  }

  async release(cluster: string): Promise<void> {
    await this.redis.eval(RELEASE, 1, this.key(cluster), this.holder);
  }

  async holderOf(cluster: string): Promise<string | null> {
    return this.redis.get(this.key(cluster));
  }
}
