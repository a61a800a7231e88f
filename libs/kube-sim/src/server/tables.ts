/**
 * Server-side printing (`as=Table`), with the columns and cell formats of upstream's printers
 * (`pkg/printers/internalversion/printers.go`), so `kubectl get` shows what it shows on a real cluster.
 */
import type { KubeObject } from '../store/types';

export interface ColumnDefinition {
  name: string;
  type: string;
  format: string;
  description: string;
  priority: number;
}

type Obj = Record<string, unknown>;
type Cell = string | number | boolean;
type Printer = { columns: ColumnDefinition[]; row(o: KubeObject, now: number): Cell[] };

function col(name: string, type = 'string', priority = 0, format = ''): ColumnDefinition {
  return { name, type, format, description: name, priority };
}

const NAME = {
  ...col('Name', 'string', 0, 'name'),
  description: 'Name must be unique within a namespace.',
};
const AGE = {
  ...col('Age'),
  description:
    'CreationTimestamp is a timestamp representing the server time when this object was created.',
};

/** kubectl's duration.HumanDuration. */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) {
    const s = seconds % 60;
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`;
  }
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 8) {
    const m = minutes % 60;
    return m === 0 ? `${hours}h` : `${hours}h${m}m`;
  }
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) {
    const h = hours % 24;
    return h === 0 ? `${Math.floor(hours / 24)}d` : `${Math.floor(hours / 24)}d${h}h`;
  }
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24)}d`;
  if (hours < 24 * 365 * 8) {
    const dy = Math.floor(hours / 24) % 365;
    const y = Math.floor(hours / 24 / 365);
    return dy === 0 ? `${y}y` : `${y}y${dy}d`;
  }
  return `${Math.floor(hours / 24 / 365)}y`;
}

function since(ts: unknown, now: number): string {
  if (typeof ts !== 'string' || !ts) return '<unknown>';
  const t = Date.parse(ts);
  return Number.isNaN(t) ? '<unknown>' : humanDuration(now - t);
}

function age(o: KubeObject, now: number): string {
  return since(o.metadata.creationTimestamp, now);
}

const pods: Printer = {
  columns: [
    NAME,
    col('Ready'),
    col('Status'),
    col('Restarts'),
    AGE,
    col('IP', 'string', 1),
    col('Node', 'string', 1),
    col('Nominated Node', 'string', 1),
    col('Readiness Gates', 'string', 1),
  ],
  row(o, now) {
    const spec = (o.spec ?? {}) as Obj;
    const status = (o.status ?? {}) as Obj;
    const containers = (spec.containers as Obj[] | undefined) ?? [];
    let reason = (status.reason as string) || (status.phase as string) || 'Pending';
    let restarts = 0;
    let lastRestart = 0;
    let ready = 0;
    let initializing = false;
    const inits = (status.initContainerStatuses as Obj[] | undefined) ?? [];
    for (let i = 0; i < inits.length; i++) {
      const cs = inits[i];
      restarts += Number(cs.restartCount ?? 0);
      const state = (cs.state ?? {}) as Obj;
      const term = state.terminated as Obj | undefined;
      const waiting = state.waiting as Obj | undefined;
      if (term && Number(term.exitCode ?? 0) === 0) continue;
      if (term) {
        reason = term.reason
          ? `Init:${term.reason}`
          : term.signal
            ? `Init:Signal:${term.signal}`
            : `Init:ExitCode:${term.exitCode}`;
      } else if (waiting?.reason && waiting.reason !== 'PodInitializing') {
        reason = `Init:${waiting.reason}`;
      } else {
        reason = `Init:${i}/${((spec.initContainers as unknown[]) ?? []).length}`;
      }
      initializing = true;
      break;
    }
    if (!initializing) {
      restarts = 0;
      let hasRunning = false;
      const statuses = ((status.containerStatuses as Obj[] | undefined) ?? []).slice().reverse();
      for (const cs of statuses) {
        restarts += Number(cs.restartCount ?? 0);
        const last = ((cs.lastState as Obj | undefined)?.terminated as Obj | undefined)?.finishedAt;
        if (typeof last === 'string') lastRestart = Math.max(lastRestart, Date.parse(last) || 0);
        const state = (cs.state ?? {}) as Obj;
        const waiting = state.waiting as Obj | undefined;
        const term = state.terminated as Obj | undefined;
        if (waiting?.reason) reason = waiting.reason as string;
        else if (term?.reason) reason = term.reason as string;
        else if (term) reason = term.signal ? `Signal:${term.signal}` : `ExitCode:${term.exitCode}`;
        else if (cs.ready && state.running) {
          hasRunning = true;
          ready++;
        }
      }
      if (reason === 'Completed' && hasRunning) {
        const conds = (status.conditions as Obj[] | undefined) ?? [];
        reason = conds.some((c) => c.type === 'Ready' && c.status === 'True')
          ? 'Running'
          : 'NotReady';
      }
    }
    if (o.metadata.deletionTimestamp) {
      reason = status.reason === 'NodeLost' ? 'Unknown' : 'Terminating';
    }
    const restartCell =
      lastRestart > 0 ? `${restarts} (${humanDuration(now - lastRestart)} ago)` : `${restarts}`;
    const gates = (spec.readinessGates as Obj[] | undefined) ?? [];
    const conds = (status.conditions as Obj[] | undefined) ?? [];
    const gatesCell = gates.length
      ? `${gates.filter((g) => conds.some((c) => c.type === g.conditionType && c.status === 'True')).length}/${gates.length}`
      : '<none>';
    return [
      o.metadata.name!,
      `${ready}/${containers.length}`,
      reason,
      restartCell,
      age(o, now),
      (status.podIP as string) || '<none>',
      (spec.nodeName as string) || '<none>',
      (status.nominatedNodeName as string) || '<none>',
      gatesCell,
    ];
  },
};

const nodes: Printer = {
  columns: [
    NAME,
    col('Status'),
    col('Roles'),
    AGE,
    col('Version'),
    col('Internal-IP', 'string', 1),
    col('External-IP', 'string', 1),
    col('OS-Image', 'string', 1),
    col('Kernel-Version', 'string', 1),
    col('Container-Runtime', 'string', 1),
  ],
  row(o, now) {
    const spec = (o.spec ?? {}) as Obj;
    const status = (o.status ?? {}) as Obj;
    const conds = (status.conditions as Obj[] | undefined) ?? [];
    const ready = conds.find((c) => c.type === 'Ready');
    const states: string[] = [];
    if (!ready) states.push('Unknown');
    else if (ready.status === 'True') states.push('Ready');
    else if (ready.status === 'False') states.push('NotReady');
    else states.push('Unknown');
    if (spec.unschedulable) states.push('SchedulingDisabled');
    const roles = Object.keys(o.metadata.labels ?? {})
      .filter((k) => k.startsWith('node-role.kubernetes.io/'))
      .map((k) => k.slice('node-role.kubernetes.io/'.length))
      .filter((r) => r);
    const addresses = (status.addresses as Obj[] | undefined) ?? [];
    const info = (status.nodeInfo ?? {}) as Obj;
    return [
      o.metadata.name!,
      states.join(','),
      roles.length ? roles.sort().join(',') : '<none>',
      age(o, now),
      (info.kubeletVersion as string) || '',
      (addresses.find((a) => a.type === 'InternalIP')?.address as string) || '<none>',
      (addresses.find((a) => a.type === 'ExternalIP')?.address as string) || '<none>',
      (info.osImage as string) || '<unknown>',
      (info.kernelVersion as string) || '<unknown>',
      (info.containerRuntimeVersion as string) || '<unknown>',
    ];
  },
};

function selectorString(sel: unknown): string {
  const entries = Object.entries((sel as Record<string, string> | undefined) ?? {});
  return entries.length ? entries.map(([k, v]) => `${k}=${v}`).join(',') : '<none>';
}

const services: Printer = {
  columns: [
    NAME,
    col('Type'),
    col('Cluster-IP'),
    col('External-IP'),
    col('Port(s)'),
    AGE,
    col('Selector', 'string', 1),
  ],
  row(o, now) {
    const spec = (o.spec ?? {}) as Obj;
    const type = (spec.type as string) || 'ClusterIP';
    const ports = ((spec.ports as Obj[] | undefined) ?? []).map((p) =>
      p.nodePort && (type === 'NodePort' || type === 'LoadBalancer')
        ? `${p.port}:${p.nodePort}/${p.protocol ?? 'TCP'}`
        : `${p.port}/${p.protocol ?? 'TCP'}`,
    );
    const external =
      type === 'ExternalName'
        ? (spec.externalName as string)
        : ((spec.externalIPs as string[] | undefined) ?? []).join(',') ||
          (type === 'LoadBalancer' ? '<pending>' : '<none>');
    return [
      o.metadata.name!,
      type,
      (spec.clusterIP as string) || '<none>',
      external,
      ports.length ? ports.join(',') : '<none>',
      age(o, now),
      selectorString(spec.selector),
    ];
  },
};

const ACCESS: Record<string, string> = {
  ReadWriteOnce: 'RWO',
  ReadOnlyMany: 'ROX',
  ReadWriteMany: 'RWX',
  ReadWriteOncePod: 'RWOP',
};

const pvcs: Printer = {
  columns: [
    NAME,
    col('Status'),
    col('Volume'),
    col('Capacity'),
    col('Access Modes'),
    col('StorageClass'),
    col('VolumeAttributesClass'),
    AGE,
    col('VolumeMode', 'string', 1),
  ],
  row(o, now) {
    const spec = (o.spec ?? {}) as Obj;
    const status = (o.status ?? {}) as Obj;
    const phase = o.metadata.deletionTimestamp
      ? 'Terminating'
      : (status.phase as string) || 'Pending';
    const modes = ((status.accessModes as string[] | undefined) ?? []).map((m) => ACCESS[m] ?? m);
    return [
      o.metadata.name!,
      phase,
      (spec.volumeName as string) || '',
      ((status.capacity as Obj | undefined)?.storage as string) || '',
      modes.join(','),
      (spec.storageClassName as string) || '<unset>',
      (spec.volumeAttributesClassName as string) || '<unset>',
      age(o, now),
      (spec.volumeMode as string) || '<unset>',
    ];
  },
};

const events: Printer = {
  columns: [
    col('Last Seen'),
    col('Type'),
    col('Reason'),
    col('Object'),
    col('Subobject', 'string', 1),
    col('Source', 'string', 1),
    col('Message'),
    col('First Seen', 'string', 1),
    col('Count', 'string', 1),
    { ...NAME, priority: 1 },
  ],
  row(o, now) {
    const inv = (o.involvedObject ?? {}) as Obj;
    const source = (o.source ?? {}) as Obj;
    const last = o.lastTimestamp ?? o.eventTime ?? o.metadata.creationTimestamp;
    const first = o.firstTimestamp ?? o.eventTime ?? o.metadata.creationTimestamp;
    return [
      since(last, now),
      (o.type as string) || '',
      (o.reason as string) || '',
      `${String(inv.kind ?? '').toLowerCase()}/${inv.name ?? ''}`,
      (inv.fieldPath as string) || '',
      [source.component, source.host].filter((s) => s).join(', ') ||
        (o.reportingComponent as string) ||
        '',
      ((o.message as string) || '').trim(),
      since(first, now),
      String(o.count ?? 1),
      o.metadata.name!,
    ];
  },
};

const namespaces: Printer = {
  columns: [NAME, col('Status'), AGE],
  row(o, now) {
    return [
      o.metadata.name!,
      ((o.status as Obj | undefined)?.phase as string) || 'Active',
      age(o, now),
    ];
  },
};

const configmaps: Printer = {
  columns: [NAME, col('Data', 'integer'), AGE],
  row(o, now) {
    const n =
      Object.keys((o.data as Obj | undefined) ?? {}).length +
      Object.keys((o.binaryData as Obj | undefined) ?? {}).length;
    return [o.metadata.name!, n, age(o, now)];
  },
};

const secrets: Printer = {
  columns: [NAME, col('Type'), col('Data', 'integer'), AGE],
  row(o, now) {
    const n = Object.keys((o.data as Obj | undefined) ?? {}).length;
    return [o.metadata.name!, (o.type as string) || 'Opaque', n, age(o, now)];
  },
};

const leases: Printer = {
  columns: [NAME, col('Holder'), AGE],
  row(o, now) {
    return [
      o.metadata.name!,
      ((o.spec as Obj | undefined)?.holderIdentity as string) || '',
      age(o, now),
    ];
  },
};

const fallback: Printer = {
  columns: [NAME, AGE],
  row(o, now) {
    return [o.metadata.name!, age(o, now)];
  },
};

const PRINTERS: Record<string, Printer> = {
  pods,
  nodes,
  services,
  persistentvolumeclaims: pvcs,
  events,
  namespaces,
  configmaps,
  secrets,
  leases,
};

export type IncludeObject = 'None' | 'Metadata' | 'Object';

export function printer(resource: string): Printer {
  return PRINTERS[resource] ?? fallback;
}

function rowObject(o: KubeObject, include: IncludeObject): unknown {
  if (include === 'None') return undefined;
  if (include === 'Object') return o;
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata };
}

export function tableRows(
  resource: string,
  items: KubeObject[],
  now: number,
  include: IncludeObject,
): Array<{ cells: Cell[]; object?: unknown }> {
  const p = printer(resource);
  return items.map((o) => {
    const row: { cells: Cell[]; object?: unknown } = { cells: p.row(o, now) };
    const ro = rowObject(o, include);
    if (ro !== undefined) row.object = ro;
    return row;
  });
}

export function table(
  resource: string,
  items: KubeObject[],
  now: number,
  include: IncludeObject,
  listMeta: Obj,
  withHeaders = true,
): Obj {
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: listMeta,
    columnDefinitions: withHeaders ? printer(resource).columns : [],
    rows: tableRows(resource, items, now, include),
  };
}
