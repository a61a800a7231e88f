/**
 * The admin API under `/__sim/` on each cluster's port: the same knobs as the SimCluster methods,
 * as JSON over HTTP, for people (curl) and out-of-process tests. `/__sim/clusters/<name>/…` reaches
 * another cluster of the fleet (e.g. to heal one whose connections are refused).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

import type { ControllerName, NodeFaultMode } from '../controllers/types';
import type { ApiVerb, ErrorFault, LatencyFault } from '../faults/api-faults';
import type { SimCluster } from '../sim';
import type { KubeObject } from '../store/types';
import { HttpError, sendJson } from './status';

type Body = Record<string, unknown>;

const CONTROLLERS: ControllerName[] = [
  'scheduler',
  'kubelet',
  'nodeLifecycle',
  'gc',
  'pvcBinder',
  'namespace',
];

export const ADMIN_ROUTES = [
  'GET    /__sim/',
  'GET    /__sim/faults',
  'POST   /__sim/faults                     {kind:"error",status,verbs?,resources?,namespace?,name?,rate?,count?,durationMs?,retryAfterSeconds?,message?} | {kind:"latency",latencyMs,jitterMs?,…}',
  'DELETE /__sim/faults[/<id>]',
  'POST   /__sim/watches/close|expire       {resource?,namespace?}',
  'POST   /__sim/watches/stall              {stalled?: true}',
  'POST   /__sim/watches/fail-next          {status, count?}',
  'POST   /__sim/watches/delay              {ms}',
  'POST   /__sim/watches/bookmark',
  'POST   /__sim/compact                    {toRv?}',
  'POST   /__sim/rv-jump                    {by}',
  'POST   /__sim/connections                {mode:"normal"|"refuse"|"blackhole", durationMs?}',
  'POST   /__sim/connections/reset',
  'POST   /__sim/partition                  {mode?:"blackhole"|"refuse", durationMs?}',
  'POST   /__sim/heal',
  'POST   /__sim/restart                    {loseHistory?}',
  'GET    /__sim/requests?limit=&verb=&resource=   DELETE /__sim/requests',
  'GET    /__sim/dns                        FQDN -> IPs (Services; pods by hostname.subdomain)',
  'GET    /__sim/writes                     DELETE /__sim/writes',
  'GET    /__sim/clock                      POST /__sim/clock/advance {ms}',
  'GET    /__sim/controllers                POST /__sim/controllers/<name>/pause|resume',
  'POST   /__sim/pods/<ns>/<name>/crash     {container?,exitCode?,reason?,times?}',
  'POST   /__sim/pods/<ns>/<name>/stuck-pending {reason?} | clear-stuck | ready {ready} | slow-start {ms} | fail {reason?,message?} | stuck-terminating',
  'POST   /__sim/nodes/<name>/fail          {mode:"NotReady"|"Unreachable"} | recover | lose | cordon | uncordon | delete | taint {key,value?,effect} | untaint {key,effect?} | allocatable {resources}',
  'POST   /__sim/nodes                      {node object}',
  '*      /__sim/clusters/<name>/…          the same routes on another cluster of the fleet',
];

function parse(body: Buffer): Body {
  const text = body.toString('utf8').trim();
  if (!text) return {};
  try {
    const v = JSON.parse(text) as unknown;
    if (!v || typeof v !== 'object' || Array.isArray(v)) throw new Error('not an object');
    return v as Body;
  } catch (err) {
    throw new HttpError(400, `admin request body must be a JSON object: ${(err as Error).message}`);
  }
}

function num(v: unknown, name: string): number {
  const n = Number(v);
  if (v === undefined || v === null || Number.isNaN(n))
    throw new HttpError(400, `${name} must be a number`);
  return n;
}

function ok(res: ServerResponse, body: unknown = { ok: true }): void {
  sendJson(res, 200, JSON.stringify(body));
}

export function createAdminHandler(
  cluster: SimCluster,
  fleet: (name: string) => SimCluster | undefined,
): (req: IncomingMessage, res: ServerResponse, url: URL, raw: Buffer) => Promise<void> {
  return async (req, res, url, raw) => {
    const segs = url.pathname
      .split('/')
      .filter((s) => s)
      .slice(1); // drop "__sim"
    let target = cluster;
    if (segs[0] === 'clusters' && segs[1]) {
      const other = fleet(segs[1]);
      if (!other) throw new HttpError(404, `no cluster named "${segs[1]}"`, undefined, 'NotFound');
      target = other;
      segs.splice(0, 2);
    }
    await dispatch(target, req.method ?? 'GET', segs, url, parse(raw), res);
  };
}

async function dispatch(
  c: SimCluster,
  method: string,
  segs: string[],
  url: URL,
  body: Body,
  res: ServerResponse,
): Promise<void> {
  const [a, b, cc, d] = segs;
  const route = `${method} ${a ?? ''}`;
  switch (route) {
    case 'GET ':
      return ok(res, {
        cluster: c.name,
        url: c.url,
        resourceVersion: c.store.resourceVersion,
        connectionMode: c.connectionMode,
        watchesStalled: c.server.watchesStalled,
        activeWatches: c.activeWatches,
        pausedControllers: c.pausedControllers(),
        clock: new Date(c.clock.now()).toISOString(),
        routes: ADMIN_ROUTES,
      });
    case 'GET faults':
      return ok(res, { faults: c.listFaults() });
    case 'POST faults': {
      const spec = { ...body } as Body;
      const kind = spec.kind ?? (spec.latencyMs !== undefined ? 'latency' : 'error');
      delete spec.kind;
      if (spec.verbs !== undefined && !Array.isArray(spec.verbs))
        spec.verbs = [spec.verbs as ApiVerb];
      if (spec.resources !== undefined && !Array.isArray(spec.resources))
        spec.resources = [spec.resources as string];
      try {
        const id =
          kind === 'latency'
            ? c.injectLatency(spec as unknown as LatencyFault)
            : c.injectError({
                ...(spec as unknown as ErrorFault),
                status: num(spec.status, 'status'),
              });
        return ok(res, { id });
      } catch (err) {
        if (err instanceof HttpError) throw err;
        throw new HttpError(400, (err as Error).message);
      }
    }
    case 'DELETE faults':
      if (b) return ok(res, { removed: c.removeFault(b) });
      c.clearFaults();
      return ok(res);
    case 'POST watches': {
      const filter = {
        resource: body.resource as string | undefined,
        namespace: body.namespace as string | undefined,
      };
      switch (b) {
        case 'close':
          return ok(res, { closed: c.closeWatches(filter) });
        case 'expire':
          return ok(res, { expired: c.expireWatches(filter) });
        case 'stall':
          c.stallWatches(body.stalled !== false);
          return ok(res, { stalled: body.stalled !== false });
        case 'fail-next':
          c.failNextWatch(
            num(body.status, 'status'),
            body.count === undefined ? 1 : num(body.count, 'count'),
          );
          return ok(res);
        case 'delay':
          c.setWatchDelay(num(body.ms, 'ms'));
          return ok(res);
        case 'bookmark':
          return ok(res, { sent: c.sendBookmarks() });
      }
      break;
    }
    case 'POST compact':
      c.compact(body.toRv === undefined ? undefined : num(body.toRv, 'toRv'));
      return ok(res, { resourceVersion: c.store.resourceVersion });
    case 'POST rv-jump':
      return ok(res, { resourceVersion: c.jumpResourceVersion(num(body.by, 'by')) });
    case 'POST connections': {
      if (b === 'reset') return ok(res, { reset: c.resetConnections() });
      const mode = body.mode as string;
      if (!['normal', 'refuse', 'blackhole'].includes(mode)) {
        throw new HttpError(400, 'mode must be normal, refuse or blackhole');
      }
      const duration =
        body.durationMs === undefined ? undefined : num(body.durationMs, 'durationMs');
      // Answer first: refusing closes this very connection.
      ok(res, { mode });
      await new Promise((r) => setImmediate(r));
      if (mode === 'normal') await c.heal();
      else if (mode === 'refuse') await c.refuseConnections(duration);
      else await c.blackhole(duration);
      return;
    }
    case 'POST partition': {
      const mode = (body.mode as 'blackhole' | 'refuse' | undefined) ?? 'blackhole';
      if (mode !== 'blackhole' && mode !== 'refuse')
        throw new HttpError(400, 'mode must be blackhole or refuse');
      ok(res, { partitioned: true, mode });
      await new Promise((r) => setImmediate(r));
      await c.partition({
        mode,
        durationMs: body.durationMs === undefined ? undefined : num(body.durationMs, 'durationMs'),
      });
      return;
    }
    case 'POST heal':
      await c.heal();
      return ok(res);
    case 'POST restart':
      ok(res);
      await new Promise((r) => setImmediate(r));
      c.restartApiServer({ loseHistory: body.loseHistory === true });
      return;
    case 'GET dns':
      return ok(res, { records: c.dns() });
    case 'GET requests': {
      const limit = Number(url.searchParams.get('limit') ?? 1000);
      const verb = url.searchParams.get('verb');
      const resource = url.searchParams.get('resource');
      const entries = c.requestLog.filter(
        (e) => (!verb || e.verb === verb) && (!resource || e.resource === resource),
      );
      return ok(res, { requests: entries.slice(-Math.max(1, limit)) });
    }
    case 'DELETE requests':
      c.resetRequestLog();
      return ok(res);
    case 'GET writes':
      return ok(res, { writes: c.writeCounts, total: c.writes() });
    case 'DELETE writes':
      c.resetWriteCounts();
      return ok(res);
    case 'GET clock':
      return ok(res, { now: new Date(c.clock.now()).toISOString(), mode: c.clock.mode });
    case 'POST clock':
      if (b === 'advance') {
        try {
          c.advanceClock(num(body.ms, 'ms'));
        } catch (err) {
          if (err instanceof HttpError) throw err;
          throw new HttpError(409, (err as Error).message, undefined, 'Conflict');
        }
        return ok(res, { now: new Date(c.clock.now()).toISOString() });
      }
      break;
    case 'GET controllers':
      return ok(res, { controllers: CONTROLLERS, paused: c.pausedControllers() });
    case 'POST controllers':
      if (b && CONTROLLERS.includes(b as ControllerName) && (cc === 'pause' || cc === 'resume')) {
        if (cc === 'pause') c.pauseController(b as ControllerName);
        else c.resumeController(b as ControllerName);
        return ok(res, { paused: c.pausedControllers() });
      }
      throw new HttpError(
        404,
        `unknown controller "${b}" (known: ${CONTROLLERS.join(', ')})`,
        undefined,
        'NotFound',
      );
    case 'POST pods':
      if (b && cc && d) return podFault(c, b, cc, d, body, res);
      break;
    case 'POST nodes':
      if (!b) {
        c.faults.addNode(body as unknown as KubeObject);
        return ok(res);
      }
      if (cc) return nodeFault(c, b, cc, body, res);
      break;
  }
  throw new HttpError(
    404,
    `no admin route ${method} /__sim/${segs.join('/')}`,
    undefined,
    'NotFound',
  );
}

function podFault(
  c: SimCluster,
  ns: string,
  name: string,
  action: string,
  body: Body,
  res: ServerResponse,
): void {
  const pod = c.store.peek('pods', ns, name);
  if (!pod)
    throw new HttpError(404, `pods "${name}" not found`, { name, kind: 'pods' }, 'NotFound');
  const f = c.faults;
  switch (action) {
    case 'crash': {
      const containers = (
        (pod.spec as { containers?: Array<{ name: string }> })?.containers ?? []
      ).map((x) => x.name);
      const container = (body.container as string | undefined) ?? containers[0];
      f.crashContainer(ns, name, container, {
        exitCode: body.exitCode === undefined ? undefined : num(body.exitCode, 'exitCode'),
        reason: body.reason as string | undefined,
        times: body.times === undefined ? undefined : num(body.times, 'times'),
      });
      return ok(res, { pod: name, container });
    }
    case 'stuck-pending':
      f.stuckPending(ns, name, (body.reason as string | undefined) ?? 'ErrImagePull');
      return ok(res);
    case 'clear-stuck':
      f.clearStuck(ns, name);
      return ok(res);
    case 'ready':
      f.setReady(ns, name, body.ready !== false);
      return ok(res);
    case 'slow-start':
      f.slowStart(ns, name, num(body.ms, 'ms'));
      return ok(res);
    case 'fail':
      f.failPod(ns, name, body.reason as string | undefined, body.message as string | undefined);
      return ok(res);
    case 'stuck-terminating':
      f.stuckTerminating(ns, name);
      return ok(res);
  }
  throw new HttpError(404, `unknown pod fault "${action}"`, undefined, 'NotFound');
}

function nodeFault(
  c: SimCluster,
  name: string,
  action: string,
  body: Body,
  res: ServerResponse,
): void {
  if (!c.store.peek('nodes', undefined, name)) {
    throw new HttpError(404, `nodes "${name}" not found`, { name, kind: 'nodes' }, 'NotFound');
  }
  const f = c.faults;
  switch (action) {
    case 'fail': {
      const mode = (body.mode as NodeFaultMode | undefined) ?? 'NotReady';
      if (mode !== 'NotReady' && mode !== 'Unreachable')
        throw new HttpError(400, 'mode must be NotReady or Unreachable');
      f.failNode(name, mode);
      return ok(res);
    }
    case 'recover':
      f.recoverNode(name);
      return ok(res);
    case 'lose':
      f.loseNode(name);
      return ok(res);
    case 'cordon':
      f.cordon(name);
      return ok(res);
    case 'uncordon':
      f.uncordon(name);
      return ok(res);
    case 'delete':
      f.deleteNode(name);
      return ok(res);
    case 'taint':
      f.taint(name, body as unknown as Parameters<typeof f.taint>[1]);
      return ok(res);
    case 'untaint':
      f.untaint(name, body.key as string, body.effect as string | undefined);
      return ok(res);
    case 'allocatable':
      f.setAllocatable(name, (body.resources as Record<string, string>) ?? {});
      return ok(res);
  }
  throw new HttpError(404, `unknown node fault "${action}"`, undefined, 'NotFound');
}
