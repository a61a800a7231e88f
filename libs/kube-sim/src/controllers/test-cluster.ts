/** A simulated cluster for controller tests: the real MemoryStore, a manual clock, the controllers. */
import { MemoryStore } from '../store/memory-store';
import type { KubeObject, StoreEvent } from '../store/types';
import { createClock, type ControllableClock } from './clock';
import { startControllers, type ControllerSetInternals } from './controller-set';
import { PROFILES } from './profiles';
import { buildNodes } from './topology';
import type { SimProfile, TopologySpec } from './types';
import { CPU_NODE, GPU_NODE } from './topology';

/** 1 zone × 2 racks × 2 gpu-8x nodes: 4 nodes. */
export const SMALL_TOPOLOGY: TopologySpec = {
  zones: 1,
  racksPerZone: 2,
  rack: [{ shape: GPU_NODE, count: 2 }],
};

export const TWO_ZONES: TopologySpec = {
  zones: 2,
  racksPerZone: 2,
  rack: [
    { shape: GPU_NODE, count: 2 },
    { shape: CPU_NODE, count: 1 },
  ],
};

export interface TestCluster {
  clock: ControllableClock;
  store: MemoryStore;
  ctl: ControllerSetInternals;
  nodes: KubeObject[];
  /** Every store event since start. */
  log: StoreEvent[];
  pod(name: string, namespace?: string): KubeObject | undefined;
  create(object: KubeObject, resource?: string): KubeObject;
  /** flush, advance the clock, flush. */
  advance(ms: number): void;
  events(reason: string, involvedName?: string): KubeObject[];
  stop(): void;
}

export function testCluster(
  options: { topology?: TopologySpec; profile?: Partial<SimProfile>; name?: string } = {},
): TestCluster {
  const clock = createClock('manual');
  const store = new MemoryStore({ clock });
  const log: StoreEvent[] = [];
  store.subscribe((e) => log.push(e));
  const nodes = buildNodes(options.topology ?? SMALL_TOPOLOGY, options.name ?? 'test', {
    now: clock.now(),
  });
  for (const n of nodes) store.create('nodes', n);
  const ctl = startControllers({
    store,
    clock,
    profile: { ...PROFILES.test, ...(options.profile ?? {}) },
  });
  ctl.flush();
  return {
    clock,
    store,
    ctl,
    nodes,
    log,
    pod: (name, namespace = 'default') => store.get('pods', namespace, name),
    create(object, resource = 'pods') {
      const created = store.create(resource, object);
      ctl.flush();
      return created;
    },
    advance(ms) {
      ctl.flush();
      clock.advance(ms);
      ctl.flush();
    },
    events(reason, involvedName) {
      return store
        .list('events')
        .items.filter(
          (e) =>
            e.reason === reason &&
            (!involvedName || (e.involvedObject as { name?: string }).name === involvedName),
        );
    },
    stop: () => ctl.stop(),
  };
}

type Rec = Record<string, unknown>;

export function phase(pod: KubeObject | undefined): string | undefined {
  return (pod?.status as Rec | undefined)?.phase as string | undefined;
}

export function condition(obj: KubeObject | undefined, type: string): Rec | undefined {
  const list = ((obj?.status as Rec | undefined)?.conditions as Rec[] | undefined) ?? [];
  return list.find((c) => c.type === type);
}

export function containerStatus(pod: KubeObject | undefined, i = 0): Rec {
  return (
    (((pod?.status as Rec | undefined)?.containerStatuses as Rec[] | undefined) ?? [])[i] ?? {}
  );
}

export function nodeOf(pod: KubeObject | undefined): string | undefined {
  return (pod?.spec as Rec | undefined)?.nodeName as string | undefined;
}
