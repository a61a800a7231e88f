import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { admitLeaderWorkerSet } from './admit';
import { lws, LeaderWorkerSetBuilder, podTemplate } from './testing/builder';

const DNS1035 =
  "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an " +
  "alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', " +
  "regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";
const DNS1123_LABEL =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must " +
  "start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for " +
  "validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const QUALIFIED_NAME_PART =
  "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end " +
  "with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for " +
  "validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const LABEL_VALUE =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', " +
  "and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or " +
  "'12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";
const PERCENT =
  "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or " +
  "'93%', regex used for validation is '[0-9]+%')";

const MU = 'spec.rolloutStrategy.rollingUpdateConfiguration.maxUnavailable';
const MS = 'spec.rolloutStrategy.rollingUpdateConfiguration.maxSurge';
const PART = 'spec.rolloutStrategy.rollingUpdateConfiguration.partition';
const SGS = 'spec.leaderWorkerTemplate.SubGroupPolicy.subGroupSize';
const SGT = 'leaderworkerset.sigs.k8s.io/subgroup-exclusive-topology';
const ET = 'leaderworkerset.sigs.k8s.io/exclusive-topology';

function messages(builder: LeaderWorkerSetBuilder): string[] {
  const result = admitLeaderWorkerSet(builder.yaml());
  return result.ok ? [] : result.errors.map((e) => e.message);
}

interface Case {
  name: string;
  manifest: LeaderWorkerSetBuilder;
  /** Every expected message, in order; empty means the manifest is valid. */
  errors: string[];
}

// Every rule of lws-reference §1 / §4.11 (plus the CRD schema and ValidateObjectMeta), valid and
// invalid, with upstream's exact message and field path.
const cases: Case[] = [
  // metadata (ValidateObjectMeta + NameIsDNS1035Label, §1.7)
  { name: 'a minimal manifest', manifest: lws('sample'), errors: [] },
  {
    name: 'name is required',
    manifest: lws(null),
    errors: ['metadata.name: Required value: name or generateName is required'],
  },
  {
    name: 'name must be a DNS-1035 label (not start with a digit)',
    manifest: lws('2cube'),
    errors: [`metadata.name: Invalid value: "2cube": ${DNS1035}`],
  },
  {
    name: 'name must be lower case',
    manifest: lws('Sample'),
    errors: [`metadata.name: Invalid value: "Sample": ${DNS1035}`],
  },
  {
    name: 'name may not contain dots (DNS-1035 label, not subdomain)',
    manifest: lws('a.b'),
    errors: [`metadata.name: Invalid value: "a.b": ${DNS1035}`],
  },
  { name: 'a name of 63 characters', manifest: lws('a'.repeat(63)), errors: [] },
  {
    name: 'a name of 64 characters',
    manifest: lws('a'.repeat(64)),
    errors: [
      `metadata.name: Invalid value: "${'a'.repeat(64)}": must be no more than 63 characters`,
    ],
  },
  {
    name: 'namespace must be a DNS-1123 label',
    manifest: lws().namespace('Bad_NS'),
    errors: [`metadata.namespace: Invalid value: "Bad_NS": ${DNS1123_LABEL}`],
  },
  { name: 'a namespace', manifest: lws().namespace('team-a'), errors: [] },
  {
    name: 'label keys are qualified names',
    manifest: lws().label('-bad', 'x'),
    errors: [`metadata.labels: Invalid value: "-bad": ${QUALIFIED_NAME_PART}`],
  },
  {
    name: 'label values are label values',
    manifest: lws().label('app', 'not ok'),
    errors: [`metadata.labels: Invalid value: "not ok": ${LABEL_VALUE}`],
  },
  {
    name: 'annotation keys are qualified names',
    manifest: lws().annotation('bad key', 'x'),
    errors: [`metadata.annotations: Invalid value: "bad key": ${QUALIFIED_NAME_PART}`],
  },
  {
    name: 'annotations total at most 256 KiB',
    manifest: lws().annotation('big', 'x'.repeat(256 * 1024)),
    errors: ['metadata.annotations: Too long: may not be more than 262144 bytes'],
  },

  // replicas (§1.2)
  { name: 'replicas 0', manifest: lws().replicas(0), errors: [] },
  { name: 'replicas 1000000', manifest: lws().replicas(1000000), errors: [] },
  {
    name: 'replicas below 0',
    manifest: lws().replicas(-1),
    errors: ['spec.replicas: Invalid value: -1: replicas must be equal or greater than 0'],
  },
  {
    name: 'replicas above 1000000',
    manifest: lws().replicas(1000001),
    errors: ['spec.replicas: Invalid value: 1000001: replicas must be equal or less than 1000000'],
  },

  // size (§1.3)
  { name: 'size 1', manifest: lws().size(1), errors: [] },
  {
    name: 'size 0',
    manifest: lws().size(0),
    errors: [
      'spec.leaderWorkerTemplate.size: Invalid value: 0: size must be equal or greater than 1',
    ],
  },
  {
    name: 'negative size',
    manifest: lws().size(-3),
    errors: [
      'spec.leaderWorkerTemplate.size: Invalid value: -3: size must be equal or greater than 1',
    ],
  },
  {
    name: 'replicas × size at the int32 bound',
    manifest: lws().replicas(1000000).size(2147),
    errors: [],
  },
  {
    name: 'replicas × size above the int32 bound',
    manifest: lws().replicas(1000000).size(2148),
    errors: [
      'spec.replicas: Invalid value: 1000000: the product of replicas and worker replicas must not exceed 2147483647',
    ],
  },

  // restartPolicy, startupPolicy, rolloutStrategy.type, subdomainPolicy (CRD enums)
  ...['RecreateGroupOnPodRestart', 'RecreateGroupAfterStart', 'None', 'Default'].map((p) => ({
    name: `restartPolicy ${p}`,
    manifest: lws().restartPolicy(p),
    errors: [],
  })),
  {
    name: 'an unknown restartPolicy',
    manifest: lws().restartPolicy('Always'),
    errors: [
      'spec.leaderWorkerTemplate.restartPolicy: Unsupported value: "Always": supported values: "Default", "RecreateGroupOnPodRestart", "RecreateGroupAfterStart", "None"',
    ],
  },
  { name: 'startupPolicy LeaderReady', manifest: lws().startupPolicy('LeaderReady'), errors: [] },
  {
    name: 'an unknown startupPolicy',
    manifest: lws().startupPolicy('WorkersFirst'),
    errors: [
      'spec.startupPolicy: Unsupported value: "WorkersFirst": supported values: "LeaderCreated", "LeaderReady"',
    ],
  },
  {
    name: 'an empty startupPolicy (the CRD default fills only a missing one)',
    manifest: lws().startupPolicy(''),
    errors: [
      'spec.startupPolicy: Unsupported value: "": supported values: "LeaderCreated", "LeaderReady"',
    ],
  },
  {
    name: 'an unknown rolloutStrategy type',
    manifest: lws().rolloutType('invalidValue'),
    errors: [
      'spec.rolloutStrategy.type: Unsupported value: "invalidValue": supported values: "RollingUpdate"',
    ],
  },
  {
    name: 'subdomainPolicy UniquePerReplica',
    manifest: lws().subdomainPolicy('UniquePerReplica'),
    errors: [],
  },
  {
    name: 'an unknown subdomainPolicy',
    manifest: lws().subdomainPolicy('PerPod'),
    errors: [
      'spec.networkConfig.subdomainPolicy: Unsupported value: "PerPod": supported values: "Shared", "UniquePerReplica"',
    ],
  },

  // maxUnavailable / maxSurge / partition (§1.4)
  {
    name: 'maxUnavailable and maxSurge above replicas',
    manifest: lws().replicas(2).rollingUpdate({ maxUnavailable: 10, maxSurge: 10 }),
    errors: [],
  },
  {
    name: 'percentages of 100%',
    manifest: lws().replicas(4).rollingUpdate({ maxUnavailable: '100%', maxSurge: '100%' }),
    errors: [],
  },
  {
    name: 'maxUnavailable 0 with maxSurge 1',
    manifest: lws().replicas(3).rollingUpdate({ maxUnavailable: 0, maxSurge: 1 }),
    errors: [],
  },
  {
    name: 'maxUnavailable 25% of 4 (1) with maxSurge 0',
    manifest: lws().replicas(4).rollingUpdate({ maxUnavailable: '25%', maxSurge: 0 }),
    errors: [],
  },
  {
    name: 'maxSurge 1% rounds up to 1',
    manifest: lws().replicas(2).rollingUpdate({ maxUnavailable: 0, maxSurge: '1%' }),
    errors: [],
  },
  {
    name: 'replicas 0 accepts maxUnavailable 0 and maxSurge 0',
    manifest: lws().replicas(0).rollingUpdate({ maxUnavailable: 0, maxSurge: 0 }),
    errors: [],
  },
  {
    name: 'maxUnavailable below 0',
    manifest: lws().maxUnavailable(-1),
    errors: [`${MU}: Invalid value: -1: must be greater than or equal to 0`],
  },
  {
    name: 'maxSurge below 0',
    manifest: lws().maxSurge(-1),
    errors: [`${MS}: Invalid value: -1: must be greater than or equal to 0`],
  },
  {
    name: 'maxUnavailable above 100%',
    manifest: lws().maxUnavailable('101%'),
    errors: [`${MU}: Invalid value: "101%": must not be greater than 100%`],
  },
  {
    name: 'maxSurge above 100%',
    manifest: lws().maxSurge('150%'),
    errors: [`${MS}: Invalid value: "150%": must not be greater than 100%`],
  },
  {
    name: 'maxUnavailable not a percent (resolves to 0, so both are 0)',
    manifest: lws().maxUnavailable('abc'),
    errors: [
      `${MU}: Invalid value: "abc": ${PERCENT}`,
      `${MU}: Invalid value: "abc": invalid value`,
      `${MU}: Invalid value: "abc": must not be 0 when \`maxSurge\` is 0`,
    ],
  },
  {
    name: 'maxSurge a number in a string',
    manifest: lws().maxSurge('5'),
    errors: [`${MS}: Invalid value: "5": ${PERCENT}`, `${MS}: Invalid value: "5": invalid value`],
  },
  {
    name: 'maxUnavailable 0 and maxSurge 0',
    manifest: lws().rollingUpdate({ maxUnavailable: 0, maxSurge: 0 }),
    errors: [`${MU}: Invalid value: 0: must not be 0 when \`maxSurge\` is 0`],
  },
  {
    name: 'maxUnavailable 0 and maxSurge defaulted to 0',
    manifest: lws().replicas(3).maxUnavailable(0),
    errors: [`${MU}: Invalid value: 0: must not be 0 when \`maxSurge\` is 0`],
  },
  {
    name: 'maxUnavailable 25% of 2 rounds down to 0 with maxSurge 0',
    manifest: lws().replicas(2).rollingUpdate({ maxUnavailable: '25%', maxSurge: 0 }),
    errors: [`${MU}: Invalid value: "25%": must not be 0 when \`maxSurge\` is 0`],
  },
  {
    name: 'maxUnavailable 0% and maxSurge 0%',
    manifest: lws().replicas(5).rollingUpdate({ maxUnavailable: '0%', maxSurge: '0%' }),
    errors: [`${MU}: Invalid value: "0%": must not be 0 when \`maxSurge\` is 0`],
  },
  { name: 'partition at or above replicas', manifest: lws().replicas(2).partition(5), errors: [] },
  {
    name: 'partition below 0',
    manifest: lws().partition(-1),
    errors: [`${PART}: Invalid value: -1: must be greater than or equal to 0`],
  },

  // subGroupPolicy (§1.6)
  { name: 'subGroupSize dividing size', manifest: lws().size(4).subGroup(2), errors: [] },
  { name: 'subGroupSize dividing size - 1', manifest: lws().size(5).subGroup(2), errors: [] },
  { name: 'subGroupSize 1', manifest: lws().size(3).subGroup(1), errors: [] },
  { name: 'subGroupSize equal to size', manifest: lws().size(4).subGroup(4), errors: [] },
  {
    name: 'LeaderExcluded with size - 1 divisible',
    manifest: lws().size(5).subGroup(2, 'LeaderExcluded'),
    errors: [],
  },
  {
    name: 'LeaderWorker explicitly',
    manifest: lws().size(4).subGroup(2, 'LeaderWorker'),
    errors: [],
  },
  {
    name: 'subGroupSize 0',
    manifest: lws().size(4).subGroup(0),
    errors: [`${SGS}: Invalid value: 0: subGroupSize must be equal or greater than 1`],
  },
  {
    name: 'negative subGroupSize',
    manifest: lws().size(4).subGroup(-1),
    errors: [`${SGS}: Invalid value: -1: subGroupSize must be equal or greater than 1`],
  },
  {
    name: 'neither size nor size - 1 divisible',
    manifest: lws().size(5).subGroup(3),
    errors: [`${SGS}: Invalid value: 3: size or size - 1 must be divisible by subGroupSize`],
  },
  {
    name: 'subGroupSize larger than size',
    manifest: lws().size(2).subGroup(4),
    errors: [
      `${SGS}: Invalid value: 4: size or size - 1 must be divisible by subGroupSize`,
      `${SGS}: Invalid value: 4: subGroupSize cannot be larger than size`,
    ],
  },
  {
    name: 'subGroupSize one larger than size (size - 1 … no, size + 1)',
    manifest: lws().size(3).subGroup(4),
    errors: [
      `${SGS}: Invalid value: 4: size or size - 1 must be divisible by subGroupSize`,
      `${SGS}: Invalid value: 4: subGroupSize cannot be larger than size`,
    ],
  },
  {
    name: 'LeaderExcluded when only size is divisible',
    manifest: lws().size(4).subGroup(2, 'LeaderExcluded'),
    errors: [
      `${SGS}: Invalid value: 2: size-1 must be divisible by subGroupSize when using LeaderExcluded`,
    ],
  },
  {
    name: 'an unknown subGroupPolicyType',
    manifest: lws().size(4).subGroup(2, 'Everyone'),
    errors: [
      'spec.leaderWorkerTemplate.subGroupPolicy.subGroupPolicyType: Unsupported value: "Everyone": supported values: "LeaderWorker", "LeaderExcluded"',
    ],
  },
  {
    name: 'subGroupPolicy without subGroupSize',
    manifest: lws()
      .size(4)
      .set('spec.leaderWorkerTemplate.subGroupPolicy', { subGroupPolicyType: 'LeaderWorker' }),
    errors: ['spec.leaderWorkerTemplate.subGroupPolicy.subGroupSize: Required value'],
  },

  // exclusive-topology annotations (§1.6, §1.8)
  { name: 'exclusive-topology', manifest: lws().size(4).exclusiveTopology('rack'), errors: [] },
  {
    name: 'exclusive-topology with a prefixed key',
    manifest: lws().exclusiveTopology('topology.kubernetes.io/zone'),
    errors: [],
  },
  { name: 'an empty exclusive-topology (off)', manifest: lws().exclusiveTopology(''), errors: [] },
  {
    name: 'subgroup-exclusive-topology with subGroupPolicy',
    manifest: lws().size(4).subGroup(2).subGroupExclusiveTopology('rack'),
    errors: [],
  },
  {
    name: 'subgroup-exclusive-topology without subGroupPolicy',
    manifest: lws().size(4).subGroupExclusiveTopology('rack'),
    errors: [
      `metadata.annotations.${SGT}: Invalid value: "rack": cannot have subgroup-exclusive-topology without subGroupSize set`,
    ],
  },
  {
    name: 'an exclusive-topology key that cannot be a topologyKey (lws-fleet)',
    manifest: lws().exclusiveTopology('bad key!'),
    errors: [`metadata.annotations.${ET}: Invalid value: "bad key!": ${QUALIFIED_NAME_PART}`],
  },

  // required fields (CRD schema) and pod templates
  {
    name: 'spec is required',
    manifest: lws().unset('spec'),
    errors: ['spec: Required value'],
  },
  {
    name: 'leaderWorkerTemplate is required',
    manifest: lws().unset('spec.leaderWorkerTemplate'),
    errors: ['spec.leaderWorkerTemplate: Required value'],
  },
  {
    name: 'workerTemplate is required',
    manifest: lws().unset('spec.leaderWorkerTemplate.workerTemplate'),
    errors: ['spec.leaderWorkerTemplate.workerTemplate: Required value'],
  },
  {
    name: 'a worker template needs containers (lws-fleet)',
    manifest: lws().workerTemplate({ metadata: { labels: { a: 'b' } } }),
    errors: ['spec.leaderWorkerTemplate.workerTemplate.spec.containers: Required value'],
  },
  {
    name: 'a leader template needs containers (lws-fleet)',
    manifest: lws().leaderTemplate({ spec: { containers: [] } }),
    errors: ['spec.leaderWorkerTemplate.leaderTemplate.spec.containers: Required value'],
  },
  {
    name: 'containers need names (CRD schema)',
    manifest: lws().workerTemplate({ spec: { containers: [{ image: 'x' }] } }),
    errors: ['spec.leaderWorkerTemplate.workerTemplate.spec.containers[0].name: Required value'],
  },
  {
    name: 'a separate leader template',
    manifest: lws().leaderTemplate(podTemplate('leader')).workerTemplate(),
    errors: [],
  },

  // volume claims and their retention policy
  { name: 'a volume claim template', manifest: lws().volumeClaim('data', '10Gi'), errors: [] },
  {
    name: 'a volume claim template needs a name (lws-fleet)',
    manifest: lws().set('spec.leaderWorkerTemplate.volumeClaimTemplates', [{ spec: {} }]),
    errors: ['spec.leaderWorkerTemplate.volumeClaimTemplates[0].metadata.name: Required value'],
  },
  {
    name: 'a retention policy',
    manifest: lws().volumeClaim('data').pvcRetention('Delete', 'Retain'),
    errors: [],
  },
  {
    name: 'an unknown retention policy value (lws-fleet)',
    manifest: lws().volumeClaim('data').pvcRetention('Keep'),
    errors: [
      'spec.leaderWorkerTemplate.persistentVolumeClaimRetentionPolicy.whenDeleted: Unsupported value: "Keep": supported values: "Retain", "Delete"',
    ],
  },
];

describe('validation rules', () => {
  for (const c of cases) {
    test(`${c.errors.length === 0 ? 'accepts' : 'refuses'} ${c.name}`, () => {
      assert.deepEqual(messages(c.manifest), c.errors);
    });
  }
});

describe('error shape', () => {
  test('each error carries field, type, value, detail and the full message', () => {
    const result = admitLeaderWorkerSet(lws().size(0).yaml());
    assert.equal(result.ok, false);
    if (result.ok) return;
    assert.deepEqual(result.errors, [
      {
        field: 'spec.leaderWorkerTemplate.size',
        type: 'Invalid',
        value: 0,
        detail: 'size must be equal or greater than 1',
        message:
          'spec.leaderWorkerTemplate.size: Invalid value: 0: size must be equal or greater than 1',
      },
    ]);
  });

  test('types: Required, Unsupported value, Too long, Unknown field', () => {
    const result = admitLeaderWorkerSet(
      lws(null)
        .startupPolicy('X')
        .annotation('big', 'x'.repeat(256 * 1024))
        .set('spec.extra', 1)
        .yaml(),
    );
    assert.equal(result.ok, false);
    if (result.ok) return;
    const byField = Object.fromEntries(result.errors.map((e) => [e.field, e.type]));
    assert.deepEqual(byField, {
      'metadata.name': 'Required',
      'metadata.annotations': 'Too long',
      'spec.startupPolicy': 'Unsupported value',
      'spec.extra': 'Unknown field',
    });
  });
});

describe('several violations', () => {
  test('are all reported at once', () => {
    const manifest = lws('2cube')
      .replicas(-1)
      .size(0)
      .startupPolicy('Soon')
      .partition(-2)
      .maxSurge('200%')
      .subGroupExclusiveTopology('rack')
      .set('spec.leaderWorkerTemplate.unknownThing', true);
    assert.deepEqual(messages(manifest), [
      'unknown field "spec.leaderWorkerTemplate.unknownThing"',
      `metadata.name: Invalid value: "2cube": ${DNS1035}`,
      'spec.startupPolicy: Unsupported value: "Soon": supported values: "LeaderCreated", "LeaderReady"',
      'spec.replicas: Invalid value: -1: replicas must be equal or greater than 0',
      'spec.leaderWorkerTemplate.size: Invalid value: 0: size must be equal or greater than 1',
      `${MS}: Invalid value: "200%": must not be greater than 100%`,
      `${PART}: Invalid value: -2: must be greater than or equal to 0`,
      `metadata.annotations.${SGT}: Invalid value: "rack": cannot have subgroup-exclusive-topology without subGroupSize set`,
    ]);
  });

  test('a field of the wrong type is reported once, and rules reading it are skipped', () => {
    // size "four" must not also produce "subGroupSize cannot be larger than size" against a default.
    const manifest = lws().size('four').subGroup(2).replicas('three');
    assert.deepEqual(messages(manifest), [
      'spec.replicas: Invalid value: "three": must be an integer',
      'spec.leaderWorkerTemplate.size: Invalid value: "four": must be an integer',
    ]);
  });
});
