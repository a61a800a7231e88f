/**
 * Resources served as a second API over another resource's storage, as the apiserver serves
 * events.k8s.io/v1 Events over the core/v1 Event storage (field renames both ways).
 */
import { RESOURCES, type ResourceInfo } from '../store/resources';
import type { KubeObject } from '../store/types';

export interface ResourceView {
  info: ResourceInfo;
  /** The stored resource (plural) the view reads and writes. */
  storage: string;
  toView(stored: KubeObject): KubeObject;
  fromView(view: KubeObject): KubeObject;
}

type Obj = Record<string, unknown>;

function compact(o: Obj): KubeObject {
  for (const k of Object.keys(o)) if (o[k] === undefined) delete o[k];
  return o as KubeObject;
}

/** core/v1 Event field ↔ events.k8s.io/v1 Event field. */
const RENAMES: Array<[string, string]> = [
  ['involvedObject', 'regarding'],
  ['message', 'note'],
  ['reportingComponent', 'reportingController'],
  ['source', 'deprecatedSource'],
  ['firstTimestamp', 'deprecatedFirstTimestamp'],
  ['lastTimestamp', 'deprecatedLastTimestamp'],
  ['count', 'deprecatedCount'],
];
const SAME = ['reason', 'type', 'action', 'related', 'eventTime', 'series', 'reportingInstance'];

export const EVENTS_V1: ResourceView = {
  info: {
    ...RESOURCES.events,
    group: 'events.k8s.io',
    version: 'v1',
    apiVersion: 'events.k8s.io/v1',
    prepareCreate: undefined,
    prepareUpdate: undefined,
    validateUpdate: undefined,
  },
  storage: 'events',
  toView(stored) {
    const out: Obj = { apiVersion: 'events.k8s.io/v1', kind: 'Event', metadata: stored.metadata };
    for (const k of SAME) out[k] = stored[k];
    for (const [core, v1] of RENAMES) out[v1] = stored[core];
    out.eventTime ??= null;
    return compact(out);
  },
  fromView(view) {
    const out: Obj = { apiVersion: 'v1', kind: 'Event', metadata: view.metadata };
    for (const k of SAME) out[k] = view[k];
    for (const [core, v1] of RENAMES) out[core] = view[v1];
    if (out.eventTime === null) delete out.eventTime;
    return compact(out);
  },
};

export const VIEWS: ResourceView[] = [EVENTS_V1];
