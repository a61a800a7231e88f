import type { SimProfile } from './types';

/**
 * Timings per use: `fast` for benchmarks and end-to-end tests (pods run and are Ready within
 * tens of ms), `demo` for people watching kubectl (1–3 s per stage, minutes-scale node loss
 * compressed to tens of seconds), `test` for controller tests on a manual clock (small, round,
 * no jitter).
 */
export const PROFILES: Record<'fast' | 'demo' | 'test', SimProfile> = {
  fast: {
    podStartDelayMs: 20,
    schedulerBackoffMs: 100,
    podReadyDelayMs: 20,
    podStartJitterMs: 0,
    podStopDelayMs: 10,
    nodeMonitorGracePeriodMs: 2_000,
    podEvictionTimeoutMs: 5_000,
    crashLoopBaseBackoffMs: 100,
    crashLoopMaxBackoffMs: 3_000,
    nodeHeartbeatIntervalMs: 0,
  },
  demo: {
    podStartDelayMs: 1_000,
    podReadyDelayMs: 1_000,
    podStartJitterMs: 1_000,
    schedulerBackoffMs: 1_000,
    podStopDelayMs: 1_000,
    nodeMonitorGracePeriodMs: 20_000,
    podEvictionTimeoutMs: 30_000,
    crashLoopBaseBackoffMs: 10_000,
    crashLoopMaxBackoffMs: 300_000,
    nodeHeartbeatIntervalMs: 10_000,
  },
  test: {
    podStartDelayMs: 1_000,
    podReadyDelayMs: 1_000,
    podStartJitterMs: 0,
    podStopDelayMs: 500,
    schedulerBackoffMs: 1_000,
    nodeMonitorGracePeriodMs: 40_000,
    podEvictionTimeoutMs: 300_000,
    crashLoopBaseBackoffMs: 10_000,
    crashLoopMaxBackoffMs: 300_000,
    nodeHeartbeatIntervalMs: 0,
  },
};
