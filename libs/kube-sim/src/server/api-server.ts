/**
 * The HTTP face of one simulated cluster: a `node:http` server on 127.0.0.1 that speaks the
 * Kubernetes REST protocol over a MemoryStore (discovery, OpenAPI, CRUD, patch, list chunking,
 * watch with resume and 410, Table output, Status errors), plus the API-level fault machinery
 * (error and latency rules, watch close/expire/stall, refused or black-holed connections) and the
 * request log and write counters tests assert on.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

import { parse as parseYaml } from 'yaml';

import {
  ApiFaults,
  faultMessage,
  reasonFor,
  type ApiVerb,
  type RequestTarget,
} from '../faults/api-faults';
import { expired, notFound, qualifiedResource, type MemoryStore } from '../store/memory-store';
import type { ResourceInfo } from '../store/resources';
import {
  checkFieldSelector,
  matchesFields,
  matchesLabels,
  parseFieldSelector,
  parseLabelSelector,
  type FieldSelector,
  type LabelSelector,
} from '../store/selectors';
import { StoreError, type DeleteOptions, type KubeObject, type StoreEvent } from '../store/types';
import { clone } from '../store/util';
import {
  AGGREGATED_CONTENT_TYPE,
  aggregatedDiscovery,
  apiGroupDocument,
  apiGroupList,
  apiResourceList,
  legacyApiVersions,
  openApiSet,
  openApiV2,
  versionInfo,
  wantsAggregated,
  type OpenApiSet,
} from './discovery';
import { applyJsonPatch, applyMergePatch, applyStrategicMergePatch } from './patch';
import { decodeProtobuf } from './protobuf';
import { groupVersions, OBJECT_META_FIELDS, served, topLevelFields } from './registry';
import {
  errorToStatus,
  HttpError,
  sendJson,
  sendStatus,
  statusBody,
  successStatus,
} from './status';
import { table, tableRows, type IncludeObject } from './tables';
import { VIEWS, type ResourceView } from './views';

export interface RequestLogEntry {
  time: string;
  method: string;
  path: string;
  query: string;
  verb?: ApiVerb | 'binding';
  resource?: string;
  subresource?: string;
  namespace?: string;
  name?: string;
  status: number;
  latencyMs: number;
  userAgent: string;
  fieldManager?: string;
  contentType?: string;
}

export type WriteVerb = 'create' | 'update' | 'patch' | 'delete' | 'deletecollection';
export type WriteCounts = Record<string, Record<WriteVerb | 'total', number>>;

export type ConnectionMode = 'normal' | 'refuse' | 'blackhole';

/** What an admission hook sees of one API write (in-process stand-in for admission webhooks). */
export interface AdmissionRequest {
  verb: 'create' | 'update' | 'patch' | 'delete';
  resource: string;
  subresource?: string;
  namespace?: string;
  name?: string;
  /** The object to be stored (create, update, patch); hooks may mutate it or return a replacement. */
  object?: KubeObject;
  /** The stored object (update, patch, delete). */
  oldObject?: KubeObject;
  dryRun: boolean;
  userAgent: string;
}

/** Throw a StoreError (e.g. 403 Forbidden "exceeded quota") to refuse; return an object to replace. */
export type AdmissionHook = (request: AdmissionRequest) => KubeObject | void;

export interface WatchFilter {
  resource?: string;
  namespace?: string;
}

export interface ApiServerOptions {
  store: MemoryStore;
  /** Time for Table ages (the simulated clock). */
  clock: { now(): number };
  name: string;
  gitVersion?: string;
  host?: string;
  port?: number;
  seed?: number;
  requestLogSize?: number;
  /** Idle keep-alive connections are closed after this many ms (default 5000). */
  keepAliveTimeoutMs?: number;
  /** Handles `/__sim/*` requests (the admin API); given the parsed URL. */
  admin?: (
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    body: Buffer,
  ) => Promise<void> | void;
}

interface Route {
  info: ResourceInfo;
  /** The stored resource: `info.resource`, or the storage behind a view. */
  storage: string;
  view?: ResourceView;
  /** The request's Content-Type (JSON, YAML for apply patches, or Kubernetes protobuf). */
  contentType?: string;
  userAgent?: string;
  /** fieldValidation: Strict refuses unknown fields, Warn (default) and Ignore drop them. */
  fieldValidation?: string;
  /** `Warning` headers for the response. */
  warnings?: string[];
  namespace?: string;
  name?: string;
  subresource?: string;
}

interface ActiveWatch {
  res: ServerResponse;
  view?: ResourceView;
  resource: string;
  namespace?: string;
  table: boolean;
  include: IncludeObject;
  headersSent: boolean;
  pending: string[];
  timers: NodeJS.Timeout[];
  unsubscribe: () => void;
  closed: boolean;
}

const MAX_BODY = 3 * 1024 * 1024;
const MAX_WATCH_BUFFER = 64 * 1024 * 1024;
const PATCH_TYPES = [
  'application/json-patch+json',
  'application/merge-patch+json',
  'application/strategic-merge-patch+json',
  'application/apply-patch+yaml',
];

/**
 * Serialised JSON of a stored object (immutable once stored). One entry is enough to serialise an
 * event once for all the watches it fans out to, without keeping a string per object in the history.
 */
let lastJsonObject: object | undefined;
let lastJson = '';
function json(o: object): string {
  if (o !== lastJsonObject) {
    lastJson = JSON.stringify(o);
    lastJsonObject = o;
  }
  return lastJson;
}

function listKind(info: ResourceInfo): string {
  return `${info.kind}List`;
}

function encodeContinue(rv: number, key: string): string {
  return Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv, start: key })).toString('base64');
}

function decodeContinue(token: string): { rv: number; start: string } {
  try {
    const o = JSON.parse(Buffer.from(token, 'base64').toString('utf8')) as {
      rv: number;
      start: string;
    };
    if (typeof o.rv !== 'number' || typeof o.start !== 'string') throw new Error('bad token');
    return o;
  } catch {
    throw new HttpError(
      400,
      'continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)',
    );
  }
}

function wantsTable(accept: string | undefined): boolean {
  if (!accept) return false;
  for (const part of accept.split(',')) {
    if (part.includes('as=Table') && part.includes('g=meta.k8s.io')) return true;
    const media = part.split(';')[0].trim();
    // The first acceptable plain media type wins over later Table entries.
    if (media === 'application/json' || media === '*/*' || media === 'application/*') return false;
  }
  return false;
}

function boolParam(v: string | null): boolean {
  return v === 'true' || v === '1';
}

function intParam(v: string | null, name: string): number | undefined {
  if (v === null || v === '') return undefined;
  const n = Number(v);
  if (!Number.isInteger(n)) throw new HttpError(400, `invalid ${name}: ${v}`);
  return n;
}

export class ApiServer {
  readonly faults: ApiFaults;
  readonly requestLog: RequestLogEntry[] = [];
  readonly writeCounts: WriteCounts = {};
  private readonly store: MemoryStore;
  private readonly clock: { now(): number };
  private readonly opts: ApiServerOptions;
  private server: Server;
  private readonly sockets = new Set<Socket>();
  private accepted = 0;

  /** TCP connections accepted since start (clients that reuse connections keep this small). */
  get connectionsAccepted(): number {
    return this.accepted;
  }
  private readonly watches = new Set<ActiveWatch>();
  private readonly held = new Set<ServerResponse>();
  private mode: ConnectionMode = 'normal';
  private modeTimer?: NodeJS.Timeout;
  private stalled = false;
  private readonly nextWatchFailures: number[] = [];
  private watchDelayMs = 0;
  private boundPort = 0;
  private openapi?: OpenApiSet;
  private stopped = false;
  private readonly logSize: number;
  private readonly admissionHooks = new Set<AdmissionHook>();

  constructor(options: ApiServerOptions) {
    this.opts = options;
    this.store = options.store;
    this.clock = options.clock;
    this.faults = new ApiFaults(options.seed ?? 1);
    this.logSize = options.requestLogSize ?? 10000;
    this.server = this.createHttpServer();
  }

  private createHttpServer(): Server {
    const server = createServer(
      {
        // client-node 2.x opens a fresh undici Agent (and connection) per request and never reuses
        // it, so idle connections must not linger long; kubectl reuses its connections within seconds.
        keepAliveTimeout: this.opts.keepAliveTimeoutMs ?? 5_000,
        requestTimeout: 0,
        headersTimeout: 60_000,
      },
      (req, res) => this.handle(req, res),
    );
    server.on('connection', (socket: Socket) => {
      this.accepted++;
      socket.setNoDelay(true);
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    server.on('clientError', (_err, socket) => socket.destroy());
    return server;
  }

  async start(): Promise<void> {
    await this.listen(this.opts.port ?? 0);
  }

  private listen(port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error): void => reject(err);
      this.server.once('error', onError);
      this.server.listen(port, this.opts.host ?? '127.0.0.1', () => {
        this.server.off('error', onError);
        const addr = this.server.address();
        this.boundPort = typeof addr === 'object' && addr ? addr.port : port;
        resolve();
      });
    });
  }

  get port(): number {
    return this.boundPort;
  }

  get url(): string {
    return `http://${this.opts.host ?? '127.0.0.1'}:${this.boundPort}`;
  }

  get connectionMode(): ConnectionMode {
    return this.mode;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.modeTimer) clearTimeout(this.modeTimer);
    this.faults.clear();
    for (const w of [...this.watches]) this.endWatch(w);
    for (const res of this.held) res.destroy();
    this.held.clear();
    const closed = new Promise<void>((resolve) => {
      if (!this.server.listening) return resolve();
      this.server.close(() => resolve());
    });
    for (const s of this.sockets) s.destroy();
    await closed;
  }

  // ---- faults: watches and connections ----

  /** Ends matching watches cleanly (client-node resumes from its last resourceVersion). */
  closeWatches(filter: WatchFilter = {}): number {
    let n = 0;
    for (const w of [...this.watches]) {
      if (!this.watchMatches(w, filter)) continue;
      this.endWatch(w);
      n++;
    }
    return n;
  }

  /** Sends an ERROR 410 Expired event on matching watches and closes them (clients re-list). */
  expireWatches(filter: WatchFilter = {}): number {
    let n = 0;
    for (const w of [...this.watches]) {
      if (!this.watchMatches(w, filter)) continue;
      this.flushPending(w, true);
      this.writeRaw(
        w,
        this.errorLine(
          410,
          'Expired',
          `too old resource version: 0 (${this.store.resourceVersion})`,
        ),
      );
      this.endWatch(w);
      n++;
    }
    return n;
  }

  /** Stalled watches stay open but deliver nothing until un-stalled (then the backlog flows). */
  stallWatches(stalled: boolean): void {
    this.stalled = stalled;
    if (!stalled) for (const w of this.watches) this.flushPending(w);
  }

  get watchesStalled(): boolean {
    return this.stalled;
  }

  /** The next `count` watch requests are answered with this HTTP status (410, 500, 429, …). */
  failNextWatch(status: number, count = 1): void {
    for (let i = 0; i < count; i++) this.nextWatchFailures.push(status);
  }

  /** Delays every watch event by ms (event lag). */
  setWatchDelay(ms: number): void {
    this.watchDelayMs = Math.max(0, ms);
  }

  /** Sends a BOOKMARK now on every watch (even those that did not ask for bookmarks). */
  sendBookmarks(): number {
    for (const w of this.watches) this.writeEvent(w, this.bookmarkLine(w));
    return this.watches.size;
  }

  get activeWatches(): number {
    return this.watches.size;
  }

  /**
   * `refuse`: the listener closes and open connections are reset (ECONNREFUSED);
   * `blackhole`: connections are accepted but requests never answered, and open watches deliver nothing.
   * `normal` heals both. `durationMs` heals automatically.
   */
  async setConnectionMode(mode: ConnectionMode, durationMs?: number): Promise<void> {
    if (this.modeTimer) clearTimeout(this.modeTimer);
    this.modeTimer = undefined;
    const previous = this.mode;
    this.mode = mode;
    if (mode === 'refuse' && previous !== 'refuse') {
      for (const w of [...this.watches]) this.endWatch(w);
      // Stop accepting first, then reset what is open (close() waits for open connections).
      const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
      for (const s of this.sockets) s.destroy();
      for (const res of this.held) res.destroy();
      this.held.clear();
      await closed;
    } else if (mode === 'blackhole') {
      this.stalled = true;
    }
    if (mode !== 'refuse' && previous === 'refuse' && !this.stopped) {
      this.server = this.createHttpServer();
      await this.listen(this.boundPort);
    }
    if (mode === 'normal' && previous === 'blackhole') {
      // Held requests and hung watches are dropped, as after a real partition heals.
      for (const res of this.held) res.destroy();
      this.held.clear();
      this.stalled = false;
      for (const w of [...this.watches]) this.endWatch(w);
    }
    if (mode !== 'normal' && durationMs && durationMs > 0) {
      this.modeTimer = setTimeout(() => void this.setConnectionMode('normal'), durationMs);
      this.modeTimer.unref();
    }
  }

  /** Resets every open connection mid-stream. */
  resetConnections(): number {
    const n = this.sockets.size;
    for (const s of this.sockets) s.destroy();
    return n;
  }

  /** Runs `hook` on every API write (not on controllers' direct store writes). Returns a remover. */
  addAdmissionHook(hook: AdmissionHook): () => void {
    this.admissionHooks.add(hook);
    return () => this.admissionHooks.delete(hook);
  }

  private admit(
    route: Route,
    verb: AdmissionRequest['verb'],
    object: KubeObject | undefined,
    dryRun: boolean,
  ): KubeObject | undefined {
    if (!this.admissionHooks.size) return object;
    const oldObject =
      verb === 'create' || !route.name
        ? undefined
        : this.store.get(route.storage, route.namespace, route.name);
    let current = object;
    for (const hook of this.admissionHooks) {
      const replaced = hook({
        verb,
        resource: route.info.resource,
        subresource: route.subresource,
        namespace: route.namespace,
        name: route.name ?? object?.metadata?.name,
        object: current,
        oldObject,
        dryRun,
        userAgent: route.userAgent ?? '',
      });
      if (replaced) current = replaced;
    }
    return current;
  }

  resetRequestLog(): void {
    this.requestLog.length = 0;
  }

  resetWriteCounts(): void {
    for (const k of Object.keys(this.writeCounts)) delete this.writeCounts[k];
  }

  private watchMatches(w: ActiveWatch, f: WatchFilter): boolean {
    if (f.resource && f.resource !== w.resource) return false;
    if (f.namespace && f.namespace !== w.namespace) return false;
    return true;
  }

  // ---- request handling ----

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const started = performance.now();
    const url = new URL(req.url ?? '/', 'http://sim');
    if (url.pathname.startsWith('/__sim')) {
      void this.readBody(req)
        .then((body) => this.opts.admin?.(req, res, url, body))
        .then(() => {
          if (!res.headersSent) sendStatus(res, statusBody(404, 'NotFound', 'no admin route'));
        })
        .catch((err) => sendStatus(res, errorToStatus(err)));
      return;
    }
    if (this.mode === 'blackhole') {
      this.held.add(res);
      res.on('close', () => this.held.delete(res));
      return;
    }
    const entry: RequestLogEntry = {
      time: new Date().toISOString(),
      method: req.method ?? 'GET',
      path: url.pathname,
      query: url.search.slice(1),
      status: 0,
      latencyMs: 0,
      userAgent: String(req.headers['user-agent'] ?? ''),
    };
    const fm = url.searchParams.get('fieldManager');
    if (fm) entry.fieldManager = fm;
    if (req.headers['content-type']) entry.contentType = String(req.headers['content-type']);
    res.on('close', () => {
      entry.status = res.statusCode;
      entry.latencyMs = Math.round((performance.now() - started) * 100) / 100;
      this.requestLog.push(entry);
      if (this.requestLog.length > this.logSize)
        this.requestLog.splice(0, this.requestLog.length - this.logSize);
    });
    this.route(req, res, url, entry).catch((err) => {
      const status = errorToStatus(err);
      if (status.code >= 500 && !(err instanceof StoreError) && !(err instanceof HttpError)) {
        process.emitWarning(`kube-sim ${this.opts.name}: ${(err as Error).stack ?? String(err)}`);
      }
      sendStatus(res, status, err instanceof HttpError ? err.headers : {});
    });
  }

  private readBody(req: IncomingMessage): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      req.on('data', (c: Buffer) => {
        size += c.length;
        if (size > MAX_BODY) {
          reject(
            new HttpError(
              413,
              'Request entity too large: limit is 3145728',
              undefined,
              'RequestEntityTooLarge',
            ),
          );
          req.destroy();
          return;
        }
        chunks.push(c);
      });
      req.on('end', () => resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)));
      req.on('error', reject);
    });
  }

  private async route(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    entry: RequestLogEntry,
  ): Promise<void> {
    const path = url.pathname.replace(/\/+$/, '') || '/';
    const method = req.method ?? 'GET';
    const segs = path.split('/').filter((s) => s.length > 0);
    if (segs[0] !== 'api' && segs[0] !== 'apis') {
      await this.readBody(req);
      return this.nonResource(req, res, path);
    }
    // Discovery documents.
    const resources = this.servedResources();
    if (segs[0] === 'api' && segs.length === 1) {
      return this.discovery(req, res, legacyApiVersions(`127.0.0.1:${this.port}`), resources, true);
    }
    if (segs[0] === 'apis' && segs.length === 1) {
      return this.discovery(req, res, apiGroupList(resources), resources, false);
    }
    if (segs[0] === 'apis' && segs.length === 2) {
      const doc = apiGroupDocument(resources, segs[1]);
      if (!doc)
        throw new HttpError(
          404,
          'the server could not find the requested resource',
          undefined,
          'NotFound',
        );
      return sendJson(res, 200, JSON.stringify(doc));
    }
    const group = segs[0] === 'api' ? '' : segs[1];
    const version = segs[0] === 'api' ? segs[1] : segs[2];
    const rest = segs.slice(segs[0] === 'api' ? 2 : 3);
    const gvResources = resources.filter((r) => r.group === group && r.version === version);
    if (!gvResources.length) {
      throw new HttpError(
        404,
        'the server could not find the requested resource',
        undefined,
        'NotFound',
      );
    }
    if (rest.length === 0) {
      const gv = groupVersions(gvResources)[0];
      return sendJson(res, 200, JSON.stringify(apiResourceList(gv)));
    }
    const route = this.parseRoute(gvResources, rest);
    route.contentType = String(req.headers['content-type'] ?? '');
    route.userAgent = String(req.headers['user-agent'] ?? '');
    route.fieldValidation = url.searchParams.get('fieldValidation') ?? 'Warn';
    route.warnings = [];
    const params = url.searchParams;
    const isWatch = method === 'GET' && boolParam(params.get('watch'));
    let verb: ApiVerb | 'binding';
    switch (method) {
      case 'GET':
        verb = route.name ? 'get' : isWatch ? 'watch' : 'list';
        break;
      case 'POST':
        verb = route.subresource === 'binding' ? 'binding' : 'create';
        break;
      case 'PUT':
        verb = 'update';
        break;
      case 'PATCH':
        verb = 'patch';
        break;
      case 'DELETE':
        verb = route.name ? 'delete' : 'deletecollection';
        break;
      default:
        throw new HttpError(405, `the server does not allow this method on the requested resource`);
    }
    entry.verb = verb;
    entry.resource = route.info.resource;
    if (route.subresource) entry.subresource = route.subresource;
    if (route.namespace) entry.namespace = route.namespace;
    if (route.name) entry.name = route.name;

    const target: RequestTarget = {
      verb: verb === 'binding' ? 'create' : verb,
      resource: route.info.resource,
      subresource: route.subresource,
      namespace: route.namespace,
      name: route.name,
    };
    const body = method === 'GET' ? Buffer.alloc(0) : await this.readBody(req);
    if (this.faults.size) {
      const { error, latencyMs } = this.faults.match(target);
      if (latencyMs > 0) await new Promise((r) => setTimeout(r, latencyMs));
      if (error) {
        const headers: Record<string, string> = {};
        const details: Record<string, unknown> = {};
        if (route.name) details.name = route.name;
        details.kind = route.info.resource;
        const retry = error.retryAfterSeconds ?? (error.status === 429 ? 1 : undefined);
        if (retry !== undefined) {
          headers['Retry-After'] = String(retry);
          details.retryAfterSeconds = retry;
        }
        return sendStatus(
          res,
          statusBody(error.status, reasonFor(error.status), faultMessage(error, target), details),
          headers,
        );
      }
    }
    const dryRun = params.getAll('dryRun').includes('All');
    switch (verb) {
      case 'get':
        return this.get(req, res, route, params);
      case 'list':
        return this.list(req, res, route, params);
      case 'watch':
        return this.watch(req, res, route, params);
      case 'create':
        return this.create(req, res, route, body, dryRun);
      case 'binding':
        return this.binding(res, route, body, dryRun);
      case 'update':
        return this.update(req, res, route, body, dryRun);
      case 'patch':
        return this.patch(req, res, route, body, params, dryRun);
      case 'delete':
        return this.delete(res, route, body, params, dryRun);
      case 'deletecollection':
        return this.deleteCollection(res, route, body, params, dryRun);
    }
  }

  private servedResources(): ResourceInfo[] {
    return [...this.store.resources(), ...VIEWS.map((v) => v.info)];
  }

  /** The JSON clients see for a stored object (through the route's view, if any). */
  private out(view: ResourceView | undefined, o: KubeObject): string {
    return view ? JSON.stringify(view.toView(o)) : json(o);
  }

  private parseRoute(gvResources: ResourceInfo[], rest: string[]): Route {
    const find = (name: string): ResourceInfo | undefined =>
      gvResources.find((r) => r.resource === name);
    let namespace: string | undefined;
    let i = 0;
    if (rest[0] === 'namespaces' && rest.length >= 3 && find(rest[2])?.namespaced) {
      namespace = rest[1];
      i = 2;
    }
    const info = find(rest[i]);
    if (!info || rest.length - i > 3) {
      throw new HttpError(
        404,
        'the server could not find the requested resource',
        undefined,
        'NotFound',
      );
    }
    if (info.namespaced === false && namespace) {
      throw new HttpError(
        404,
        'the server could not find the requested resource',
        undefined,
        'NotFound',
      );
    }
    const name = rest[i + 1];
    const subresource = rest[i + 2];
    if (subresource) {
      const allowed = served(info).subresources as string[];
      if (!allowed.includes(subresource)) {
        throw new HttpError(
          404,
          'the server could not find the requested resource',
          undefined,
          'NotFound',
        );
      }
    }
    if (info.namespaced && name && !namespace) {
      throw new HttpError(
        404,
        'the server could not find the requested resource',
        undefined,
        'NotFound',
      );
    }
    const view = VIEWS.find((v) => v.info === info);
    return {
      info,
      storage: view ? view.storage : info.resource,
      view,
      namespace,
      name,
      subresource,
    };
  }

  private nonResource(req: IncomingMessage, res: ServerResponse, path: string): void {
    if (path === '/version') {
      return sendJson(res, 200, JSON.stringify(versionInfo(this.opts.gitVersion ?? 'v1.32.0-sim')));
    }
    if (path === '/healthz' || path === '/livez' || path === '/readyz') {
      res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': 2 });
      res.end('ok');
      return;
    }
    if (path === '/openapi/v3' || path.startsWith('/openapi/v3/')) {
      this.openapi ??= openApiSet(this.servedResources());
      if (path === '/openapi/v3') return sendJson(res, 200, JSON.stringify(this.openapi.index));
      const doc = this.openapi.documents.get(path.slice('/openapi/v3/'.length));
      if (doc) {
        return sendJson(res, 200, JSON.stringify(doc), { 'Cache-Control': 'public, immutable' });
      }
    }
    if (path === '/openapi/v2') {
      const { body, contentType } = openApiV2((req.headers.accept ?? '').includes('protobuf'));
      res.writeHead(200, { 'Content-Type': contentType, 'Content-Length': body.length });
      res.end(body);
      return;
    }
    if (path === '/') {
      return sendJson(
        res,
        200,
        JSON.stringify({
          paths: ['/api', '/api/v1', '/apis', '/openapi/v3', '/version', '/healthz'],
        }),
      );
    }
    sendStatus(
      res,
      statusBody(404, 'NotFound', 'the server could not find the requested resource', {}),
    );
  }

  private discovery(
    req: IncomingMessage,
    res: ServerResponse,
    legacy: object,
    resources: ResourceInfo[],
    core: boolean,
  ): void {
    if (wantsAggregated(req.headers.accept)) {
      return sendJson(res, 200, JSON.stringify(aggregatedDiscovery(resources, core)), {
        'Content-Type': AGGREGATED_CONTENT_TYPE,
        Vary: 'Accept',
      });
    }
    sendJson(res, 200, JSON.stringify(legacy), { Vary: 'Accept' });
  }

  private include(params: URLSearchParams): IncludeObject {
    const v = params.get('includeObject');
    return v === 'None' || v === 'Object' ? v : 'Metadata';
  }

  private get(
    req: IncomingMessage,
    res: ServerResponse,
    route: Route,
    params: URLSearchParams,
  ): void {
    if (route.subresource === 'binding')
      throw new HttpError(405, 'the server does not allow this method on the requested resource');
    const o = this.store.peek(route.storage, route.namespace, route.name!);
    if (!o) throw notFound(route.info, route.name!);
    if (route.subresource === 'log') return this.log(res, o, params);
    if (wantsTable(req.headers.accept)) {
      const t = table(route.storage, [o], this.clock.now(), this.include(params), {
        resourceVersion: o.metadata.resourceVersion,
      });
      return sendJson(res, 200, JSON.stringify(t));
    }
    sendJson(res, 200, this.out(route.view, o));
  }

  /** There are no real containers: logs are one canned line, so `kubectl logs` works in demos. */
  private log(res: ServerResponse, pod: KubeObject, params: URLSearchParams): void {
    const containers = (
      (pod.spec as { containers?: Array<{ name: string }> } | undefined)?.containers ?? []
    ).map((c) => c.name);
    const container =
      params.get('container') ?? (containers.length === 1 ? containers[0] : undefined);
    if (!container) {
      throw new HttpError(
        400,
        `a container name must be specified for pod ${pod.metadata.name}, choose one of: [${containers.join(' ')}]`,
      );
    }
    if (!containers.includes(container)) {
      throw new HttpError(400, `container ${container} is not valid for pod ${pod.metadata.name}`);
    }
    const body = `kube-sim: container ${container} of pod ${pod.metadata.namespace}/${pod.metadata.name} is simulated and writes no logs\n`;
    res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': Buffer.byteLength(body) });
    res.end(body);
  }

  private selectors(
    route: Route,
    params: URLSearchParams,
  ): { labels: LabelSelector; fields: FieldSelector } {
    const labels = parseLabelSelector(params.get('labelSelector') ?? undefined);
    const fields = parseFieldSelector(params.get('fieldSelector') ?? undefined);
    checkFieldSelector(fields, route.info.fields);
    return { labels, fields };
  }

  private list(
    req: IncomingMessage,
    res: ServerResponse,
    route: Route,
    params: URLSearchParams,
  ): void {
    const { labels, fields } = this.selectors(route, params);
    const limit = intParam(params.get('limit'), 'limit');
    const token = params.get('continue');
    let startAfter: string | undefined;
    if (token) {
      const c = decodeContinue(token);
      if (this.store.continueExpired(route.storage, c.rv)) {
        throw expired(
          'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.',
        );
      }
      startAfter = c.start;
    }
    const rvMatch = params.get('resourceVersionMatch');
    const rv = params.get('resourceVersion');
    if (rvMatch === 'Exact' && rv && Number(rv) !== this.store.resourceVersion) {
      throw expired(`too old resource version: ${rv} (${this.store.resourceVersion})`);
    }
    const r = this.store.rawList(route.storage, {
      namespace: route.namespace,
      labelSelector: labels,
      fieldSelector: fields,
      limit,
      startAfter,
    });
    const meta: Record<string, unknown> = { resourceVersion: String(r.resourceVersion) };
    if (r.lastKey !== undefined) {
      meta.continue = encodeContinue(r.resourceVersion, r.lastKey);
      if (!labels.length && !fields.length) meta.remainingItemCount = r.remaining;
    }
    if (wantsTable(req.headers.accept)) {
      return sendJson(
        res,
        200,
        JSON.stringify(table(route.storage, r.items, this.clock.now(), this.include(params), meta)),
      );
    }
    const info = route.info;
    let body = `{"kind":"${listKind(info)}","apiVersion":"${info.apiVersion}","metadata":${JSON.stringify(meta)},"items":[`;
    for (let i = 0; i < r.items.length; i++)
      body += (i ? ',' : '') + this.out(route.view, r.items[i]);
    body += ']}';
    sendJson(res, 200, body);
  }

  // ---- watch ----

  private errorLine(code: number, reason: string, message: string): string {
    return JSON.stringify({ type: 'ERROR', object: statusBody(code, reason, message) }) + '\n';
  }

  private bookmarkLine(w: ActiveWatch, annotations?: Record<string, string>): string {
    const info = this.store.info(w.resource);
    const metadata: Record<string, unknown> = {
      resourceVersion: String(this.store.resourceVersion),
    };
    if (annotations) metadata.annotations = annotations;
    return (
      JSON.stringify({
        type: 'BOOKMARK',
        object: { kind: info.kind, apiVersion: info.apiVersion, metadata },
      }) + '\n'
    );
  }

  private eventLine(w: ActiveWatch, type: string, o: KubeObject): string {
    if (!w.table) return `{"type":"${type}","object":${this.out(w.view, o)}}\n`;
    const t = {
      kind: 'Table',
      apiVersion: 'meta.k8s.io/v1',
      metadata: { resourceVersion: o.metadata.resourceVersion },
      columnDefinitions: w.headersSent
        ? []
        : table(w.resource, [], 0, 'None', {}).columnDefinitions,
      rows: tableRows(w.resource, [o], this.clock.now(), w.include),
    };
    w.headersSent = true;
    return JSON.stringify({ type, object: t }) + '\n';
  }

  private writeRaw(w: ActiveWatch, line: string): void {
    if (w.closed) return;
    // The events of one turn (a controller's pass, a burst of writes) leave in one system call,
    // as a real API server batches a watch's events into frames, instead of one write each.
    if (!w.res.writableCorked) {
      w.res.cork();
      process.nextTick(() => w.res.uncork());
    }
    w.res.write(line);
    if (w.res.writableLength > MAX_WATCH_BUFFER) this.endWatch(w, true);
  }

  private writeEvent(w: ActiveWatch, line: string): void {
    if (w.closed) return;
    if (this.stalled || w.pending.length) {
      w.pending.push(line);
      if (!this.stalled) this.flushPending(w);
      return;
    }
    if (this.watchDelayMs > 0) {
      const t = setTimeout(() => {
        w.timers.splice(w.timers.indexOf(t), 1);
        this.writeRaw(w, line);
      }, this.watchDelayMs);
      w.timers.push(t);
      return;
    }
    this.writeRaw(w, line);
  }

  private flushPending(w: ActiveWatch, force = false): void {
    if (this.stalled && !force) return;
    const lines = w.pending.splice(0);
    if (lines.length) this.writeRaw(w, lines.join(''));
  }

  private endWatch(w: ActiveWatch, destroy = false): void {
    if (w.closed) return;
    w.closed = true;
    w.unsubscribe();
    for (const t of w.timers) clearTimeout(t);
    this.watches.delete(w);
    if (destroy) w.res.destroy();
    else w.res.end();
  }

  private watch(
    req: IncomingMessage,
    res: ServerResponse,
    route: Route,
    params: URLSearchParams,
  ): void {
    const failure = this.nextWatchFailures.shift();
    if (failure !== undefined) {
      const headers: Record<string, string> = failure === 429 ? { 'Retry-After': '1' } : {};
      const message =
        failure === 410
          ? `too old resource version: ${params.get('resourceVersion') ?? 0} (${this.store.resourceVersion})`
          : faultMessage({ status: failure }, { verb: 'watch', resource: route.info.resource });
      return sendStatus(res, statusBody(failure, reasonFor(failure), message), headers);
    }
    const { labels, fields } = this.selectors(route, params);
    const resource = route.storage;
    const rvParam = params.get('resourceVersion') ?? '';
    const sendInitial = params.get('sendInitialEvents');
    let backlog: StoreEvent[] = [];
    let initial: KubeObject[] = [];
    const fromRv = rvParam === '' ? 0 : Number(rvParam);
    if (rvParam !== '' && (!Number.isInteger(fromRv) || fromRv < 0)) {
      throw new HttpError(400, `invalid resource version: ${rvParam}`);
    }
    const synthetic =
      sendInitial === 'true' || (sendInitial === null && (rvParam === '' || rvParam === '0'));
    if (synthetic) {
      initial = this.store.rawList(resource, {
        namespace: route.namespace,
        labelSelector: labels,
        fieldSelector: fields,
      }).items;
    }
    if (!synthetic || (sendInitial === 'true' && fromRv > 0)) {
      try {
        backlog = sendInitial === 'true' ? [] : this.store.history(resource, fromRv);
      } catch (err) {
        if (err instanceof StoreError && err.code === 410) {
          // The real apiserver answers 200 with a single ERROR event, then closes.
          res.writeHead(200, {
            'Content-Type': 'application/json',
            'Cache-Control': 'no-cache, private',
          });
          res.end(this.errorLine(410, 'Expired', err.message));
          return;
        }
        throw err;
      }
    }
    const matches = (o: KubeObject | undefined): boolean =>
      !!o &&
      (!route.namespace || o.metadata.namespace === route.namespace) &&
      (!labels.length || matchesLabels(labels, o.metadata.labels)) &&
      (!fields.length || matchesFields(fields, o, route.info.fields));
    const w: ActiveWatch = {
      res,
      view: route.view,
      resource,
      namespace: route.namespace,
      table: wantsTable(req.headers.accept),
      include: this.include(params),
      headersSent: false,
      pending: [],
      timers: [],
      unsubscribe: () => undefined,
      closed: false,
    };
    const deliver = (ev: StoreEvent): void => {
      const now = matches(ev.object);
      const before = ev.type === 'MODIFIED' && matches(ev.previous);
      if (ev.type === 'ADDED') {
        if (now) this.writeEvent(w, this.eventLine(w, 'ADDED', ev.object));
      } else if (ev.type === 'DELETED') {
        if (now) this.writeEvent(w, this.eventLine(w, 'DELETED', ev.object));
      } else if (now && before) {
        this.writeEvent(w, this.eventLine(w, 'MODIFIED', ev.object));
      } else if (now) {
        this.writeEvent(w, this.eventLine(w, 'ADDED', ev.object));
      } else if (before) {
        // Stopped matching the selector: DELETED with the old content at the new resourceVersion.
        const gone = clone(ev.previous!);
        gone.metadata.resourceVersion = ev.object.metadata.resourceVersion;
        this.writeEvent(w, this.eventLine(w, 'DELETED', gone));
      }
    };
    res.writeHead(200, {
      'Content-Type': 'application/json',
      'Cache-Control': 'no-cache, private',
      'Transfer-Encoding': 'chunked',
    });
    res.flushHeaders();
    this.watches.add(w);
    res.on('close', () => this.endWatch(w));
    w.unsubscribe = this.store.subscribeRaw(resource, deliver);
    for (const o of initial) this.writeEvent(w, this.eventLine(w, 'ADDED', o));
    if (sendInitial === 'true') {
      this.writeEvent(w, this.bookmarkLine(w, { 'k8s.io/initial-events-end': 'true' }));
    }
    for (const ev of backlog) deliver(ev);
    const timeout = intParam(params.get('timeoutSeconds'), 'timeoutSeconds');
    const seconds = timeout !== undefined && timeout > 0 ? timeout : 1800 * (1 + Math.random());
    const end = setTimeout(() => this.endWatch(w), seconds * 1000);
    end.unref();
    w.timers.push(end);
    if (boolParam(params.get('allowWatchBookmarks'))) {
      const tick = setInterval(() => this.writeEvent(w, this.bookmarkLine(w)), 60_000);
      tick.unref();
      w.timers.push(tick as unknown as NodeJS.Timeout);
    }
  }

  // ---- writes ----

  private countWrite(resource: string, verb: WriteVerb, n = 1): void {
    const c = (this.writeCounts[resource] ??= {
      create: 0,
      update: 0,
      patch: 0,
      delete: 0,
      deletecollection: 0,
      total: 0,
    });
    c[verb] += n;
    c.total += n;
  }

  private parseBody(body: Buffer, contentType?: string): unknown {
    if (contentType && contentType.includes('protobuf')) return decodeProtobuf(body);
    const text = body.toString('utf8');
    if (!text.trim()) throw new HttpError(400, 'the body of the request was empty');
    try {
      if (contentType && contentType.includes('yaml')) return parseYaml(text);
      return JSON.parse(text);
    } catch (err) {
      throw new HttpError(
        400,
        `the body of the request could not be decoded: ${(err as Error).message}`,
      );
    }
  }

  private objectBody(route: Route, body: Buffer, contentType?: string): KubeObject {
    const o = this.parseBody(body, contentType) as KubeObject;
    if (!o || typeof o !== 'object' || Array.isArray(o)) {
      throw new HttpError(400, 'the body of the request must be a JSON object');
    }
    const info = route.info;
    if (o.kind !== undefined && o.kind !== info.kind && !(route.subresource === 'binding')) {
      throw new HttpError(
        400,
        `the API version in the data (${o.apiVersion}) does not match the expected API version (${info.apiVersion}), or the kind (${o.kind}) does not match the expected kind (${info.kind})`,
      );
    }
    if (typeof o.metadata !== 'object' || o.metadata === null) o.metadata = {};
    if (info.namespaced) {
      if (o.metadata.namespace && route.namespace && o.metadata.namespace !== route.namespace) {
        throw new HttpError(
          400,
          'the namespace of the provided object does not match the namespace sent on the request',
        );
      }
      if (route.namespace) o.metadata.namespace = route.namespace;
    }
    this.validateFields(route, o);
    return o;
  }

  /**
   * Server-side field validation, for the top level and metadata only (no full schemas): unknown
   * fields are refused with fieldValidation=Strict (what kubectl apply sends), else dropped, with a
   * Warning header under Warn (the default), as the apiserver does.
   */
  private validateFields(route: Route, o: KubeObject): void {
    const known = topLevelFields(route.info);
    if (!known || route.subresource === 'binding') return;
    const unknown: string[] = [];
    for (const k of Object.keys(o)) {
      if (!known.has(k)) {
        unknown.push(k);
        delete o[k];
      }
    }
    for (const k of Object.keys(o.metadata ?? {})) {
      if (!OBJECT_META_FIELDS.has(k)) {
        unknown.push(`metadata.${k}`);
        delete o.metadata[k];
      }
    }
    if (!unknown.length) return;
    const list = unknown.map((f) => `unknown field "${f}"`);
    if (route.fieldValidation === 'Strict') {
      throw new HttpError(400, `strict decoding error: ${list.join(', ')}`);
    }
    if (route.fieldValidation !== 'Ignore') route.warnings?.push(...list);
  }

  private warningHeaders(route: Route): Record<string, string> {
    if (!route.warnings?.length) return {};
    return { Warning: route.warnings.map((w) => `299 - ${JSON.stringify(w)}`).join(', ') };
  }

  private create(
    req: IncomingMessage,
    res: ServerResponse,
    route: Route,
    body: Buffer,
    dryRun: boolean,
  ): void {
    if (route.name)
      throw new HttpError(405, 'the server does not allow this method on the requested resource');
    if (route.info.namespaced && !route.namespace) {
      throw new HttpError(
        404,
        'the server could not find the requested resource',
        undefined,
        'NotFound',
      );
    }
    const o = this.objectBody(route, body, String(req.headers['content-type'] ?? ''));
    const admitted = this.admit(route, 'create', route.view ? route.view.fromView(o) : o, dryRun)!;
    const created = this.store.rawCreate(route.storage, admitted, { dryRun });
    if (!dryRun) this.countWrite(route.storage, 'create');
    sendJson(res, 201, this.out(route.view, created), this.warningHeaders(route));
  }

  private binding(res: ServerResponse, route: Route, body: Buffer, dryRun: boolean): void {
    const b = this.parseBody(body, route.contentType) as {
      target?: { name?: string };
      metadata?: { name?: string };
    };
    const node = b?.target?.name;
    if (!node) throw new HttpError(400, 'Binding target name is required');
    const pod = this.store.peek('pods', route.namespace, route.name!);
    if (!pod) throw notFound(route.info, route.name!);
    const current = (pod.spec as { nodeName?: string } | undefined)?.nodeName;
    if (current) {
      throw new StoreError(
        409,
        'Conflict',
        `Operation cannot be fulfilled on pods/binding "${route.name}": pod ${route.name} is already assigned to node "${current}"`,
        { name: route.name, kind: 'pods/binding' },
      );
    }
    if (!dryRun) {
      const now = new Date(this.clock.now()).toISOString().replace(/\.\d+Z$/, 'Z');
      this.store.mutate('pods', route.namespace, route.name!, (p) => {
        (p.spec as Record<string, unknown>).nodeName = node;
        const status = ((p.status as Record<string, unknown>) ??= {});
        const conds = ((status.conditions as Array<Record<string, unknown>>) ??= []);
        const i = conds.findIndex((c) => c.type === 'PodScheduled');
        const cond = {
          type: 'PodScheduled',
          status: 'True',
          lastProbeTime: null,
          lastTransitionTime: now,
        };
        if (i >= 0) conds[i] = cond;
        else conds.push(cond);
      });
      this.countWrite('pods', 'create');
    }
    sendJson(res, 201, JSON.stringify({ ...successStatus(), code: 201 }));
  }

  private update(
    req: IncomingMessage,
    res: ServerResponse,
    route: Route,
    body: Buffer,
    dryRun: boolean,
  ): void {
    if (!route.name || (route.subresource && route.subresource !== 'status')) {
      throw new HttpError(405, 'the server does not allow this method on the requested resource');
    }
    const o = this.objectBody(route, body, String(req.headers['content-type'] ?? ''));
    if (o.metadata.name && o.metadata.name !== route.name) {
      throw new HttpError(
        400,
        `the name of the object (${o.metadata.name}) does not match the name on the URL (${route.name})`,
      );
    }
    o.metadata.name = route.name;
    const admitted = this.admit(route, 'update', route.view ? route.view.fromView(o) : o, dryRun)!;
    const updated = this.store.rawUpdate(route.storage, admitted, {
      subresource: route.subresource === 'status' ? 'status' : undefined,
      dryRun,
    });
    if (!dryRun) this.countWrite(route.storage, 'update');
    sendJson(res, 200, this.out(route.view, updated), this.warningHeaders(route));
  }

  private patch(
    req: IncomingMessage,
    res: ServerResponse,
    route: Route,
    body: Buffer,
    params: URLSearchParams,
    dryRun: boolean,
  ): void {
    if (!route.name || (route.subresource && route.subresource !== 'status')) {
      throw new HttpError(405, 'the server does not allow this method on the requested resource');
    }
    const contentType = String(req.headers['content-type'] ?? '')
      .split(';')[0]
      .trim();
    if (!PATCH_TYPES.includes(contentType)) {
      throw new HttpError(
        415,
        `the body of the request was in an unknown format - accepted media types include: ${PATCH_TYPES.join(', ')}`,
      );
    }
    const patch = this.parseBody(body, contentType);
    const info = route.info;
    const stored = this.store.peek(route.storage, route.namespace, route.name);
    const current = stored && route.view ? route.view.toView(stored) : stored;
    if (contentType === 'application/apply-patch+yaml') {
      if (!params.get('fieldManager')) {
        throw new HttpError(
          400,
          'PATCH, application/apply-patch+yaml requires fieldManager parameter',
        );
      }
      if (!current) {
        const o = this.objectBody(route, Buffer.from(JSON.stringify(patch)));
        o.metadata.name = route.name;
        const admitted = this.admit(
          route,
          'create',
          route.view ? route.view.fromView(o) : o,
          dryRun,
        )!;
        const created = this.store.rawCreate(route.storage, admitted, { dryRun });
        if (!dryRun) this.countWrite(route.storage, 'patch');
        return sendJson(res, 201, this.out(route.view, created), this.warningHeaders(route));
      }
    }
    if (!current) throw notFound(info, route.name);
    let next: unknown;
    switch (contentType) {
      case 'application/json-patch+json':
        next = applyJsonPatch(current, patch);
        break;
      case 'application/merge-patch+json':
        next = applyMergePatch(current, patch);
        break;
      default:
        // Strategic merge patch; server-side apply is approximated by the same merge (no field ownership).
        next = applyStrategicMergePatch(current, patch, served(info).mergeKeys);
    }
    if (!next || typeof next !== 'object' || Array.isArray(next)) {
      throw new HttpError(
        422,
        'the patch produced an object that is not a JSON object',
        undefined,
        'Invalid',
      );
    }
    const o = clone(next) as KubeObject;
    o.metadata ??= {};
    if (o.metadata.name !== route.name)
      throw new HttpError(
        422,
        'metadata.name: Invalid value: the name of the object cannot be changed by a patch',
        undefined,
        'Invalid',
      );
    if (info.namespaced) o.metadata.namespace = route.namespace;
    // A resourceVersion in the patch is a precondition; otherwise the patch applies to the current object.
    if (o.metadata.resourceVersion === undefined)
      o.metadata.resourceVersion = current.metadata.resourceVersion;
    this.validateFields(route, o);
    const admitted = this.admit(route, 'patch', route.view ? route.view.fromView(o) : o, dryRun)!;
    const updated = this.store.rawUpdate(route.storage, admitted, {
      subresource: route.subresource === 'status' ? 'status' : undefined,
      dryRun,
    });
    if (!dryRun) this.countWrite(route.storage, 'patch');
    sendJson(res, 200, this.out(route.view, updated), this.warningHeaders(route));
  }

  private deleteOptions(
    body: Buffer,
    params: URLSearchParams,
    contentType?: string,
  ): DeleteOptions & { dryRun?: boolean } {
    let opts: Record<string, unknown> = {};
    if (body.length && body.toString('utf8').trim()) {
      const parsed = this.parseBody(body, contentType);
      if (parsed && typeof parsed === 'object') opts = parsed as Record<string, unknown>;
    }
    const out: DeleteOptions & { dryRun?: boolean } = {};
    const policy =
      (opts.propagationPolicy as string | undefined) ??
      params.get('propagationPolicy') ??
      undefined;
    if (policy !== undefined) {
      if (!['Background', 'Foreground', 'Orphan'].includes(policy)) {
        throw new HttpError(
          400,
          `propagationPolicy: Unsupported value: "${policy}": supported values: "Foreground", "Background", "Orphan"`,
        );
      }
      out.propagationPolicy = policy as DeleteOptions['propagationPolicy'];
    } else if (opts.orphanDependents === true || params.get('orphanDependents') === 'true') {
      out.propagationPolicy = 'Orphan';
    }
    const grace =
      (opts.gracePeriodSeconds as number | undefined) ??
      intParam(params.get('gracePeriodSeconds'), 'gracePeriodSeconds');
    if (grace !== undefined) out.gracePeriodSeconds = Math.max(0, grace);
    if (opts.preconditions && typeof opts.preconditions === 'object') {
      out.preconditions = opts.preconditions as DeleteOptions['preconditions'];
    }
    const dry = (opts.dryRun as string[] | undefined) ?? params.getAll('dryRun');
    if (Array.isArray(dry) && dry.includes('All')) out.dryRun = true;
    return out;
  }

  private delete(
    res: ServerResponse,
    route: Route,
    body: Buffer,
    params: URLSearchParams,
    dryRun: boolean,
  ): void {
    if (route.subresource)
      throw new HttpError(405, 'the server does not allow this method on the requested resource');
    const opts = this.deleteOptions(body, params, route.contentType);
    opts.dryRun ||= dryRun;
    this.admit(route, 'delete', undefined, opts.dryRun);
    const deleted = this.store.rawDelete(route.storage, route.namespace, route.name!, opts);
    if (!opts.dryRun) this.countWrite(route.storage, 'delete');
    sendJson(res, 200, this.out(route.view, deleted));
  }

  private deleteCollection(
    res: ServerResponse,
    route: Route,
    body: Buffer,
    params: URLSearchParams,
    dryRun: boolean,
  ): void {
    const { labels, fields } = this.selectors(route, params);
    const opts = this.deleteOptions(body, params, route.contentType);
    opts.dryRun ||= dryRun;
    const deleted = this.store.rawDeleteCollection(
      route.storage,
      { namespace: route.namespace, labelSelector: labels, fieldSelector: fields },
      opts,
    );
    if (!opts.dryRun) this.countWrite(route.storage, 'deletecollection', deleted.length);
    const info = route.info;
    let out = `{"kind":"${listKind(info)}","apiVersion":"${info.apiVersion}","metadata":{"resourceVersion":"${this.store.resourceVersion}"},"items":[`;
    out += deleted.map((o) => this.out(route.view, o)).join(',') + ']}';
    sendJson(res, 200, out);
  }

  /** For tests: the qualified name used in messages ("pods", "leases.coordination.k8s.io"). */
  qualified(resource: string): string {
    return qualifiedResource(this.store.info(resource));
  }
}
