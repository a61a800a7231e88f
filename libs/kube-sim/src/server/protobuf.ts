/**
 * Just enough Kubernetes protobuf to read the request bodies kubectl sends that way: typed-client
 * commands (`kubectl create namespace|configmap`, `drain`'s deletes) encode with
 * `application/vnd.kubernetes.protobuf`. Bodies are the `k8s\0` magic plus a `runtime.Unknown`
 * envelope holding the typed message; field numbers are those of k8s.io/api and apimachinery
 * `generated.proto`. Responses stay JSON, which clients accept.
 */
import { HttpError } from './status';

type Kind = 'string' | 'int' | 'bool' | 'bytes' | 'time';
interface Field {
  name: string;
  kind?: Kind;
  message?: Schema;
  repeated?: boolean;
  /** map<string, value> (value string or bytes). */
  map?: 'string' | 'bytes';
}
type Schema = Record<number, Field>;

const TIME: Schema = { 1: { name: 'seconds', kind: 'int' }, 2: { name: 'nanos', kind: 'int' } };
const OWNER_REFERENCE: Schema = {
  1: { name: 'kind', kind: 'string' },
  3: { name: 'name', kind: 'string' },
  4: { name: 'uid', kind: 'string' },
  5: { name: 'apiVersion', kind: 'string' },
  6: { name: 'controller', kind: 'bool' },
  7: { name: 'blockOwnerDeletion', kind: 'bool' },
};
const OBJECT_META: Schema = {
  1: { name: 'name', kind: 'string' },
  2: { name: 'generateName', kind: 'string' },
  3: { name: 'namespace', kind: 'string' },
  5: { name: 'uid', kind: 'string' },
  6: { name: 'resourceVersion', kind: 'string' },
  7: { name: 'generation', kind: 'int' },
  8: { name: 'creationTimestamp', kind: 'time' },
  9: { name: 'deletionTimestamp', kind: 'time' },
  10: { name: 'deletionGracePeriodSeconds', kind: 'int' },
  11: { name: 'labels', map: 'string' },
  12: { name: 'annotations', map: 'string' },
  13: { name: 'ownerReferences', message: OWNER_REFERENCE, repeated: true },
  14: { name: 'finalizers', kind: 'string', repeated: true },
};

const SCHEMAS: Record<string, Schema> = {
  Namespace: {
    1: { name: 'metadata', message: OBJECT_META },
    2: { name: 'spec', message: { 1: { name: 'finalizers', kind: 'string', repeated: true } } },
    3: { name: 'status', message: { 1: { name: 'phase', kind: 'string' } } },
  },
  ConfigMap: {
    1: { name: 'metadata', message: OBJECT_META },
    2: { name: 'data', map: 'string' },
    3: { name: 'binaryData', map: 'bytes' },
    4: { name: 'immutable', kind: 'bool' },
  },
  Secret: {
    1: { name: 'metadata', message: OBJECT_META },
    2: { name: 'data', map: 'bytes' },
    3: { name: 'type', kind: 'string' },
    4: { name: 'stringData', map: 'string' },
    5: { name: 'immutable', kind: 'bool' },
  },
  DeleteOptions: {
    1: { name: 'gracePeriodSeconds', kind: 'int' },
    2: {
      name: 'preconditions',
      message: {
        1: { name: 'uid', kind: 'string' },
        2: { name: 'resourceVersion', kind: 'string' },
      },
    },
    3: { name: 'orphanDependents', kind: 'bool' },
    4: { name: 'propagationPolicy', kind: 'string' },
    5: { name: 'dryRun', kind: 'string', repeated: true },
  },
};

export const PROTOBUF_CONTENT_TYPE = 'application/vnd.kubernetes.protobuf';
const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

interface RawField {
  no: number;
  wire: number;
  int?: bigint;
  bytes?: Buffer;
}

function readVarint(buf: Buffer, pos: number): [bigint, number] {
  let result = 0n;
  let shift = 0n;
  for (;;) {
    if (pos >= buf.length) throw new Error('truncated varint');
    const b = buf[pos++];
    result |= BigInt(b & 0x7f) << shift;
    if ((b & 0x80) === 0) return [result, pos];
    shift += 7n;
  }
}

function readFields(buf: Buffer): RawField[] {
  const out: RawField[] = [];
  let pos = 0;
  while (pos < buf.length) {
    const [tag, p] = readVarint(buf, pos);
    pos = p;
    const no = Number(tag >> 3n);
    const wire = Number(tag & 7n);
    if (wire === 0) {
      const [v, q] = readVarint(buf, pos);
      pos = q;
      out.push({ no, wire, int: v });
    } else if (wire === 2) {
      const [len, q] = readVarint(buf, pos);
      const end = q + Number(len);
      if (end > buf.length) throw new Error('truncated field');
      out.push({ no, wire, bytes: buf.subarray(q, end) });
      pos = end;
    } else if (wire === 1) {
      out.push({ no, wire, int: buf.readBigInt64LE(pos) });
      pos += 8;
    } else if (wire === 5) {
      out.push({ no, wire, int: BigInt(buf.readInt32LE(pos)) });
      pos += 4;
    } else {
      throw new Error(`unsupported wire type ${wire}`);
    }
  }
  return out;
}

function toInt(v: bigint): number {
  return Number(BigInt.asIntN(64, v));
}

function decode(buf: Buffer, schema: Schema): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of readFields(buf)) {
    const spec = schema[f.no];
    if (!spec) continue;
    let value: unknown;
    if (spec.map) {
      const entry = readFields(f.bytes ?? Buffer.alloc(0));
      const k = entry.find((e) => e.no === 1)?.bytes?.toString('utf8') ?? '';
      const raw = entry.find((e) => e.no === 2)?.bytes ?? Buffer.alloc(0);
      const map = (out[spec.name] ??= {}) as Record<string, string>;
      map[k] = spec.map === 'bytes' ? raw.toString('base64') : raw.toString('utf8');
      continue;
    }
    if (spec.message) {
      value = decode(f.bytes ?? Buffer.alloc(0), spec.message);
    } else {
      switch (spec.kind) {
        case 'string':
          value = f.bytes?.toString('utf8') ?? '';
          break;
        case 'bytes':
          value = (f.bytes ?? Buffer.alloc(0)).toString('base64');
          break;
        case 'int':
          value = toInt(f.int ?? 0n);
          break;
        case 'bool':
          value = (f.int ?? 0n) !== 0n;
          break;
        case 'time': {
          const t = decode(f.bytes ?? Buffer.alloc(0), TIME) as { seconds?: number };
          value = new Date((t.seconds ?? 0) * 1000).toISOString().replace('.000Z', 'Z');
          break;
        }
      }
    }
    if (spec.repeated) ((out[spec.name] ??= []) as unknown[]).push(value);
    else out[spec.name] = value;
  }
  return out;
}

/** Decodes a `application/vnd.kubernetes.protobuf` body of one of the kinds kubectl sends that way. */
export function decodeProtobuf(body: Buffer): Record<string, unknown> {
  if (body.length < 4 || !body.subarray(0, 4).equals(MAGIC)) {
    throw new HttpError(
      400,
      'the body of the request is not Kubernetes protobuf (missing k8s magic)',
    );
  }
  let kind = '';
  let apiVersion = '';
  let raw: Buffer | undefined;
  try {
    for (const f of readFields(body.subarray(4))) {
      if (f.no === 1 && f.bytes) {
        for (const t of readFields(f.bytes)) {
          if (t.no === 1) apiVersion = t.bytes?.toString('utf8') ?? '';
          if (t.no === 2) kind = t.bytes?.toString('utf8') ?? '';
        }
      } else if (f.no === 2) {
        raw = f.bytes;
      }
    }
    const schema = SCHEMAS[kind];
    if (!schema) {
      throw new HttpError(
        415,
        `kube-sim decodes protobuf only for ${Object.keys(SCHEMAS).join(', ')}; send ${kind || 'this kind'} as application/json`,
      );
    }
    return { apiVersion, kind, ...decode(raw ?? Buffer.alloc(0), schema) };
  } catch (err) {
    if (err instanceof HttpError) throw err;
    throw new HttpError(
      400,
      `the body of the request could not be decoded: ${(err as Error).message}`,
    );
  }
}
