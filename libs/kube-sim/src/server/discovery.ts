/**
 * Discovery documents (legacy and aggregated v2), /version and the minimal OpenAPI v3 that makes
 * `kubectl apply` delegate validation to the server (see kube-api-reference.md §1.2-1.3).
 */
import { createHash } from 'node:crypto';

import type { ResourceInfo } from '../store/resources';
import { groupVersions, served, verbs, type GroupVersion } from './registry';

export const AGGREGATED_CONTENT_TYPE =
  'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList';

/** client-go asks for aggregated discovery with this media type in its Accept header. */
export function wantsAggregated(accept: string | undefined): boolean {
  if (!accept) return false;
  return accept
    .split(',')
    .some(
      (part) =>
        part.includes('as=APIGroupDiscoveryList') &&
        part.includes('g=apidiscovery.k8s.io') &&
        /v=v2(\s|;|$)/.test(part),
    );
}

export function versionInfo(gitVersion: string): object {
  const m = gitVersion.match(/^v(\d+)\.(\d+)/);
  return {
    major: m ? m[1] : '1',
    minor: m ? m[2] : '32',
    gitVersion,
    gitCommit: '0000000000000000000000000000000000000000',
    gitTreeState: 'clean',
    buildDate: '2025-01-01T00:00:00Z',
    goVersion: 'go1.23.6',
    compiler: 'gc',
    platform: 'linux/amd64',
  };
}

function resourceEntries(info: ResourceInfo): object[] {
  const s = served(info);
  const main = {
    name: info.resource,
    singularName: s.singular,
    namespaced: info.namespaced,
    kind: info.kind,
    verbs: verbs(),
    ...(s.shortNames.length ? { shortNames: s.shortNames } : {}),
    ...(s.categories.length ? { categories: s.categories } : {}),
    storageVersionHash: createHash('sha256')
      .update(info.apiVersion + info.kind)
      .digest('base64')
      .slice(0, 11),
  };
  const subs = s.subresources.map((sub) =>
    sub === 'log'
      ? {
          name: `${info.resource}/log`,
          singularName: '',
          namespaced: true,
          kind: 'Pod',
          verbs: ['get'],
        }
      : sub === 'binding'
        ? {
            name: `${info.resource}/binding`,
            singularName: '',
            namespaced: true,
            kind: 'Binding',
            verbs: ['create'],
          }
        : {
            name: `${info.resource}/status`,
            singularName: '',
            namespaced: info.namespaced,
            kind: info.kind,
            verbs: ['get', 'patch', 'update'],
          },
  );
  return [main, ...subs];
}

export function apiResourceList(gv: GroupVersion): object {
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: gv.groupVersion,
    resources: gv.resources.flatMap(resourceEntries),
  };
}

export function legacyApiVersions(serverAddress: string): object {
  return {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
  };
}

function apiGroup(gv: GroupVersion): object {
  const v = { groupVersion: gv.groupVersion, version: gv.version };
  return { name: gv.group, versions: [v], preferredVersion: v };
}

export function apiGroupList(resources: ResourceInfo[]): object {
  return {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: groupVersions(resources)
      .filter((gv) => gv.group !== '')
      .map(apiGroup),
  };
}

export function apiGroupDocument(resources: ResourceInfo[], group: string): object | undefined {
  const gv = groupVersions(resources).find((g) => g.group === group && group !== '');
  return gv ? { kind: 'APIGroup', apiVersion: 'v1', ...apiGroup(gv) } : undefined;
}

function aggregatedGroup(gv: GroupVersion): object {
  return {
    metadata: { name: gv.group, creationTimestamp: null },
    versions: [
      {
        version: gv.version,
        freshness: 'Current',
        resources: gv.resources.map((info) => {
          const s = served(info);
          return {
            resource: info.resource,
            responseKind: { group: info.group, version: info.version, kind: info.kind },
            scope: info.namespaced ? 'Namespaced' : 'Cluster',
            singularResource: s.singular,
            verbs: verbs(),
            ...(s.shortNames.length ? { shortNames: s.shortNames } : {}),
            ...(s.categories.length ? { categories: s.categories } : {}),
            ...(s.subresources.length
              ? {
                  subresources: s.subresources.map((sub) =>
                    sub === 'log'
                      ? {
                          subresource: 'log',
                          responseKind: { group: '', version: '', kind: 'Pod' },
                          verbs: ['get'],
                        }
                      : sub === 'binding'
                        ? {
                            subresource: 'binding',
                            responseKind: { group: '', version: 'v1', kind: 'Binding' },
                            verbs: ['create'],
                          }
                        : {
                            subresource: 'status',
                            responseKind: {
                              group: info.group,
                              version: info.version,
                              kind: info.kind,
                            },
                            verbs: ['get', 'patch', 'update'],
                          },
                  ),
                }
              : {}),
          };
        }),
      },
    ],
  };
}

export function aggregatedDiscovery(resources: ResourceInfo[], core: boolean): object {
  return {
    kind: 'APIGroupDiscoveryList',
    apiVersion: 'apidiscovery.k8s.io/v2',
    metadata: {},
    items: groupVersions(resources)
      .filter((gv) => (core ? gv.group === '' : gv.group !== ''))
      .map(aggregatedGroup),
  };
}

function gvPath(gv: GroupVersion): string {
  return gv.group ? `apis/${gv.group}/${gv.version}` : `api/${gv.version}`;
}

function hashOf(doc: object): string {
  return createHash('sha256').update(JSON.stringify(doc)).digest('hex').slice(0, 32).toUpperCase();
}

/**
 * One OpenAPI 3.0 document per group version. Each kind gets a PATCH operation with
 * `x-kubernetes-group-version-kind` and a `fieldValidation` parameter: that is all kubectl's
 * query-param verifier looks for. Schemas are left out on purpose (kubectl then uses its compiled-in
 * types for strategic merge patches).
 */
export function openApiDocument(gv: GroupVersion): object {
  const paths: Record<string, object> = {};
  for (const info of gv.resources) {
    const base = `/${gvPath(gv)}${info.namespaced ? '/namespaces/{namespace}' : ''}/${info.resource}/{name}`;
    const gvk = { group: info.group, version: info.version, kind: info.kind };
    const params = [
      { name: 'dryRun', in: 'query', schema: { type: 'string' } },
      { name: 'fieldManager', in: 'query', schema: { type: 'string' } },
      { name: 'fieldValidation', in: 'query', schema: { type: 'string' } },
    ];
    paths[base] = {
      get: {
        operationId: `read${info.kind}`,
        'x-kubernetes-action': 'get',
        'x-kubernetes-group-version-kind': gvk,
      },
      put: {
        operationId: `replace${info.kind}`,
        'x-kubernetes-action': 'put',
        'x-kubernetes-group-version-kind': gvk,
        parameters: params,
      },
      patch: {
        operationId: `patch${info.kind}`,
        'x-kubernetes-action': 'patch',
        'x-kubernetes-group-version-kind': gvk,
        parameters: [...params, { name: 'force', in: 'query', schema: { type: 'boolean' } }],
      },
    };
    paths[`/${gvPath(gv)}${info.namespaced ? '/namespaces/{namespace}' : ''}/${info.resource}`] = {
      post: {
        operationId: `create${info.kind}`,
        'x-kubernetes-action': 'post',
        'x-kubernetes-group-version-kind': gvk,
        parameters: params,
      },
    };
  }
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: 'v1.32.0-sim' },
    paths,
    components: { schemas: {} },
  };
}

export interface OpenApiSet {
  index: object;
  documents: Map<string, object>;
}

export function openApiSet(resources: ResourceInfo[]): OpenApiSet {
  const documents = new Map<string, object>();
  const paths: Record<string, object> = {};
  for (const gv of groupVersions(resources)) {
    const doc = openApiDocument(gv);
    const p = gvPath(gv);
    documents.set(p, doc);
    paths[p] = { serverRelativeURL: `/openapi/v3/${p}?hash=${hashOf(doc)}` };
  }
  return { index: { paths }, documents };
}

export const OPENAPI_V2_PROTOBUF = 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf';

function protoString(field: number, value: string): Buffer {
  const bytes = Buffer.from(value, 'utf8');
  return Buffer.concat([Buffer.from([(field << 3) | 2, bytes.length]), bytes]);
}

function protoMessage(field: number, body: Buffer): Buffer {
  return Buffer.concat([Buffer.from([(field << 3) | 2, body.length]), body]);
}

/**
 * An OpenAPI v2 document with no definitions, as gnostic protobuf (`openapi_v2.Document`: swagger=1,
 * info=2 {title=1, version=2}, paths=8). Older kubectl (e.g. Debian's 1.20) validates `apply` input
 * against /openapi/v2 and fails on a 404; with no definitions it skips validation and uses its
 * compiled-in types for strategic merge patches, like kubectl 1.32 does with our v3 documents.
 */
export function openApiV2(protobuf: boolean): { body: Buffer; contentType: string } {
  if (!protobuf) {
    const doc = {
      swagger: '2.0',
      info: { title: 'Kubernetes', version: 'v1.32.0-sim' },
      paths: {},
    };
    return { body: Buffer.from(JSON.stringify(doc)), contentType: 'application/json' };
  }
  const info = Buffer.concat([protoString(1, 'Kubernetes'), protoString(2, 'v1.32.0-sim')]);
  const body = Buffer.concat([
    protoString(1, '2.0'),
    protoMessage(2, info),
    protoMessage(8, Buffer.alloc(0)),
  ]);
  // kube-openapi serves the protobuf form as octet-stream (older clients cannot parse the '@' media type).
  return { body, contentType: 'application/octet-stream' };
}
