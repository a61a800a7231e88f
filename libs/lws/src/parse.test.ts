import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { admitLeaderWorkerSet } from './admit';
import { MAX_MANIFEST_BYTES } from './constants';
import { parseManifest } from './parse';
import { lws } from './testing/builder';

function parseErrors(text: string): string[] {
  const result = parseManifest(text);
  return result.ok ? [] : result.errors.map((e) => e.message);
}

/** A valid manifest padded with a YAML comment to exactly `bytes` bytes. */
function paddedTo(bytes: number): string {
  const base = lws().yaml();
  const prefix = '# ';
  const fill = bytes - Buffer.byteLength(base) - prefix.length - 1;
  return `${prefix}${'x'.repeat(fill)}\n${base}`;
}

describe('parseManifest: text', () => {
  test('accepts YAML and returns the manifest as written, without defaults', () => {
    const result = parseManifest(lws('sample').replicas(3).yaml());
    assert.equal(result.ok, true);
    if (!result.ok) return;
    assert.deepEqual(result.manifest, {
      apiVersion: 'leaderworkerset.x-k8s.io/v1',
      kind: 'LeaderWorkerSet',
      metadata: { name: 'sample' },
      spec: {
        replicas: 3,
        leaderWorkerTemplate: {
          workerTemplate: {
            spec: { containers: [{ name: 'server', image: 'nginxinc/nginx-unprivileged:1.27' }] },
          },
        },
      },
    });
  });

  test('accepts JSON with the same result as YAML', () => {
    const builder = lws('sample').replicas(2).size(3).maxSurge('50%');
    const fromJson = parseManifest(builder.json());
    const fromYaml = parseManifest(builder.yaml());
    assert.equal(fromJson.ok, true);
    assert.deepEqual(fromJson, fromYaml);
  });

  test('refuses empty input', () => {
    const expected = ['manifest: Required value: manifest is empty'];
    assert.deepEqual(parseErrors(''), expected);
    assert.deepEqual(parseErrors('  \n\t\n'), expected);
    assert.deepEqual(parseErrors('# only a comment\n'), expected);
    assert.deepEqual(parseErrors('---\n'), expected);
  });

  test('refuses malformed YAML, naming line and column', () => {
    const text = [
      'apiVersion: leaderworkerset.x-k8s.io/v1',
      'kind: LeaderWorkerSet',
      'metadata:',
      '  name: a',
      'spec:',
      '  replicas: [1, 2',
      'x: 1',
    ].join('\n');
    const errors = parseErrors(text);
    assert.equal(errors.length, 1);
    assert.match(errors[0], /^manifest: Invalid value: malformed YAML at line 7, column 1: /);
  });

  test('refuses a YAML mapping with a bad indentation', () => {
    const errors = parseErrors(
      'apiVersion: leaderworkerset.x-k8s.io/v1\n  kind: LeaderWorkerSet\n',
    );
    assert.equal(errors.length, 1);
    assert.match(errors[0], /^manifest: Invalid value: malformed YAML at line 1, column \d+: /);
  });

  test('refuses duplicate YAML keys', () => {
    const errors = parseErrors('apiVersion: a\nkind: LeaderWorkerSet\nkind: LeaderWorkerSet\n');
    assert.deepEqual(errors, [
      'manifest: Invalid value: malformed YAML at line 3, column 1: Map keys must be unique',
    ]);
  });

  test('refuses malformed JSON, naming line and column', () => {
    const text = '{\n  "apiVersion": "leaderworkerset.x-k8s.io/v1",\n  "kind": }\n';
    const errors = parseErrors(text);
    assert.equal(errors.length, 1);
    assert.match(errors[0], /^manifest: Invalid value: malformed JSON at line 3, column 11: /);
  });

  test('refuses duplicate JSON keys (strict decoding), which JSON.parse would hide', () => {
    assert.deepEqual(parseErrors('{"apiVersion": "x",\n "apiVersion": "y"}'), [
      'manifest: Invalid value: malformed JSON at line 2, column 2: duplicate key "apiVersion"',
    ]);
  });

  test('equal keys in different JSON objects are not duplicates', () => {
    const manifest = lws().build();
    (manifest.metadata as Record<string, unknown>).labels = { name: 'x' };
    assert.deepEqual(parseErrors(JSON.stringify(manifest)), []);
  });

  test('refuses two documents', () => {
    const text = `${lws('a').yaml()}---\n${lws('b').yaml()}`;
    const errors = parseErrors(text);
    assert.equal(errors.length, 1);
    assert.match(
      errors[0],
      /^manifest: Invalid value: expected exactly one YAML document, found 2 \(the second starts at line \d+\)/,
    );
  });

  test('accepts YAML anchors and merge keys, as kubectl does', () => {
    const text = [
      'apiVersion: leaderworkerset.x-k8s.io/v1',
      'kind: LeaderWorkerSet',
      'metadata: {name: merged}',
      'spec:',
      '  leaderWorkerTemplate:',
      '    size: 2',
      '    leaderTemplate: &tpl',
      '      spec:',
      '        containers: [{name: c, image: i}]',
      '    workerTemplate:',
      '      <<: *tpl',
      '      metadata: {labels: {role: worker}}',
    ].join('\n');
    const result = parseManifest(text);
    assert.ok(result.ok, result.ok ? '' : result.errors.map((e) => e.message).join('\n'));
    assert.deepEqual(result.manifest.spec?.leaderWorkerTemplate?.workerTemplate, {
      spec: { containers: [{ name: 'c', image: 'i' }] },
      metadata: { labels: { role: 'worker' } },
    });
  });

  test('accepts one document between separators', () => {
    assert.deepEqual(parseErrors(`---\n${lws().yaml()}---\n`), []);
  });

  test('refuses what is not an object', () => {
    assert.deepEqual(parseErrors('- a\n- b\n'), [
      'manifest: Invalid value: must be a single LeaderWorkerSet object, got an array',
    ]);
    assert.deepEqual(parseErrors('42'), [
      'manifest: Invalid value: must be a single LeaderWorkerSet object, got a number',
    ]);
    assert.deepEqual(parseErrors('just text'), [
      'manifest: Invalid value: must be a single LeaderWorkerSet object, got a string',
    ]);
    assert.deepEqual(parseErrors('[1, 2]'), [
      'manifest: Invalid value: must be a single LeaderWorkerSet object, got an array',
    ]);
  });

  test(`refuses 5 MiB, saying the size and the limit`, () => {
    const text = paddedTo(5 * 1024 * 1024);
    assert.deepEqual(parseErrors(text), [
      'manifest: Too long: manifest is 5242880 bytes, larger than the limit of 1048576 bytes (1 MiB)',
    ]);
  });

  test('accepts exactly MAX_MANIFEST_BYTES and refuses one byte more', () => {
    assert.equal(MAX_MANIFEST_BYTES, 1048576);
    assert.deepEqual(parseErrors(paddedTo(MAX_MANIFEST_BYTES)), []);
    assert.deepEqual(parseErrors(paddedTo(MAX_MANIFEST_BYTES + 1)), [
      'manifest: Too long: manifest is 1048577 bytes, larger than the limit of 1048576 bytes (1 MiB)',
    ]);
  });

  test('counts UTF-8 bytes, not characters', () => {
    const text = `# ${'é'.repeat(MAX_MANIFEST_BYTES / 2)}\n${lws().yaml()}`;
    assert.match(parseErrors(text)[0], /^manifest: Too long: manifest is \d+ bytes/);
  });
});

describe('parseManifest: identity', () => {
  test('refuses a wrong apiVersion', () => {
    assert.deepEqual(parseErrors(lws().set('apiVersion', 'apps/v1').yaml()), [
      'apiVersion: Unsupported value: "apps/v1": supported values: "leaderworkerset.x-k8s.io/v1"',
    ]);
    assert.deepEqual(
      parseErrors(lws().set('apiVersion', 'leaderworkerset.x-k8s.io/v1alpha1').yaml()),
      [
        'apiVersion: Unsupported value: "leaderworkerset.x-k8s.io/v1alpha1": supported values: "leaderworkerset.x-k8s.io/v1"',
      ],
    );
  });

  test('refuses a wrong kind', () => {
    assert.deepEqual(parseErrors(lws().set('kind', 'StatefulSet').yaml()), [
      'kind: Unsupported value: "StatefulSet": supported values: "LeaderWorkerSet"',
    ]);
  });

  test('refuses missing apiVersion and kind, and reports nothing else about another object', () => {
    assert.deepEqual(parseErrors('metadata:\n  name: x\nspec:\n  replicas: nope\n'), [
      'apiVersion: Required value: must be "leaderworkerset.x-k8s.io/v1"',
      'kind: Required value: must be "LeaderWorkerSet"',
    ]);
  });
});

describe('parseManifest: types and unknown fields', () => {
  const cases: { name: string; text: string; errors: string[] }[] = [
    {
      name: 'replicas as a word',
      text: lws().replicas('three').yaml(),
      errors: ['spec.replicas: Invalid value: "three": must be an integer'],
    },
    {
      name: 'replicas as a quoted number',
      text: lws().replicas('3').yaml(),
      errors: ['spec.replicas: Invalid value: "3": must be an integer'],
    },
    {
      name: 'a fractional size',
      text: lws().size(1.5).yaml(),
      errors: ['spec.leaderWorkerTemplate.size: Invalid value: 1.5: must be an integer'],
    },
    {
      name: 'a size beyond int32',
      text: lws().size(3000000000).yaml(),
      errors: [
        'spec.leaderWorkerTemplate.size: Invalid value: 3000000000: must be a 32-bit integer (-2147483648 to 2147483647)',
      ],
    },
    {
      name: 'partition as a boolean',
      text: lws().partition(true).yaml(),
      errors: [
        'spec.rolloutStrategy.rollingUpdateConfiguration.partition: Invalid value: true: must be an integer',
      ],
    },
    {
      name: 'maxUnavailable as a boolean',
      text: lws().maxUnavailable(false).yaml(),
      errors: [
        "spec.rolloutStrategy.rollingUpdateConfiguration.maxUnavailable: Invalid value: false: must be an integer or percentage (e.g '5%')",
      ],
    },
    {
      name: 'startupPolicy as a number',
      text: lws()
        .startupPolicy(7 as unknown as string)
        .yaml(),
      errors: ['spec.startupPolicy: Invalid value: 7: must be a string'],
    },
    {
      name: 'spec as a list',
      text: lws().set('spec', []).yaml(),
      errors: ['spec: Invalid value: []: must be an object'],
    },
    {
      name: 'workerTemplate as a string',
      text: lws().workerTemplate('nginx').yaml(),
      errors: [
        'spec.leaderWorkerTemplate.workerTemplate: Invalid value: "nginx": must be an object',
      ],
    },
    {
      name: 'containers as an object',
      text: lws()
        .workerTemplate({ spec: { containers: { name: 'x' } } })
        .yaml(),
      errors: [
        'spec.leaderWorkerTemplate.workerTemplate.spec.containers: Invalid value: {"name":"x"}: must be an array',
      ],
    },
    {
      name: 'an unquoted boolean annotation value (docs example §8.9)',
      text: lws()
        .set('metadata.annotations', {
          'leaderworkerset.sigs.k8s.io/experimental-recreate-group-after-start': true,
        })
        .yaml(),
      errors: [
        'metadata.annotations.leaderworkerset.sigs.k8s.io/experimental-recreate-group-after-start: Invalid value: true: must be a string',
      ],
    },
    {
      name: 'a numeric label value',
      text: lws().set('metadata.labels', { version: 2 }).yaml(),
      errors: ['metadata.labels.version: Invalid value: 2: must be a string'],
    },
    {
      name: 'volumeClaimTemplates as an object',
      text: lws().set('spec.leaderWorkerTemplate.volumeClaimTemplates', { name: 'x' }).yaml(),
      errors: [
        'spec.leaderWorkerTemplate.volumeClaimTemplates: Invalid value: {"name":"x"}: must be an array',
      ],
    },
    {
      name: 'an unknown spec field',
      text: lws().set('spec.foo', 1).yaml(),
      errors: ['unknown field "spec.foo"'],
    },
    {
      name: 'an unknown top-level field',
      text: lws().set('extra', 1).yaml(),
      errors: ['unknown field "extra"'],
    },
    {
      name: 'unknown fields at every LWS level',
      text: lws()
        .set('metadata.nickname', 'x')
        .set('spec.leaderWorkerTemplate.sizes', 2)
        .set('spec.rolloutStrategy.rollingUpdateConfiguration.maxSurges', 1)
        .set('spec.networkConfig.subdomain', 'x')
        .set('spec.leaderWorkerTemplate.subGroupPolicy', { subGroupSize: 1, type: 'LeaderWorker' })
        .set('spec.leaderWorkerTemplate.workerTemplate.template', {})
        .yaml(),
      errors: [
        'unknown field "metadata.nickname"',
        'unknown field "spec.leaderWorkerTemplate.sizes"',
        'unknown field "spec.leaderWorkerTemplate.workerTemplate.template"',
        'unknown field "spec.leaderWorkerTemplate.subGroupPolicy.type"',
        'unknown field "spec.rolloutStrategy.rollingUpdateConfiguration.maxSurges"',
        'unknown field "spec.networkConfig.subdomain"',
      ],
    },
  ];
  for (const c of cases) {
    test(`refuses ${c.name}`, () => {
      assert.deepEqual(parseErrors(c.text), c.errors);
    });
  }

  test('accepts server-set metadata (a `kubectl get -o yaml` round trip) and drops it', () => {
    const text = lws('sample')
      .set('metadata.uid', '1234')
      .set('metadata.resourceVersion', '99')
      .set('metadata.generation', 3)
      .set('metadata.creationTimestamp', '2026-01-01T00:00:00Z')
      .set('status', { replicas: 1 })
      .yaml();
    const result = parseManifest(text);
    assert.equal(result.ok, true);
    if (!result.ok) return;
    assert.deepEqual(result.manifest.metadata, { name: 'sample' });
    assert.equal('status' in result.manifest, false);
  });

  test('null fields count as absent', () => {
    const result = admitLeaderWorkerSet(
      lws().replicas(null).size(null).set('spec.networkConfig', null).yaml(),
    );
    assert.equal(result.ok, true);
    if (!result.ok) return;
    assert.equal(result.lws.spec.replicas, 1);
    assert.equal(result.lws.spec.leaderWorkerTemplate.size, 1);
  });

  test('an object of the wrong type hides the rules beneath it', () => {
    const admitErrors = (text: string) => {
      const result = admitLeaderWorkerSet(text);
      return result.ok ? [] : result.errors.map((e) => e.message);
    };
    assert.deepEqual(admitErrors(lws().set('spec', []).yaml()), [
      'spec: Invalid value: []: must be an object',
    ]);
    assert.deepEqual(admitErrors(lws().set('spec.leaderWorkerTemplate', 'x').yaml()), [
      'spec.leaderWorkerTemplate: Invalid value: "x": must be an object',
    ]);
    assert.deepEqual(admitErrors(lws().set('metadata', 'x').yaml()), [
      'metadata: Invalid value: "x": must be an object',
    ]);
    assert.deepEqual(admitErrors(lws().set('spec.rolloutStrategy', 1).replicas(2).yaml()), [
      'spec.rolloutStrategy: Invalid value: 1: must be an object',
    ]);
  });

  test('type errors are reported together with validation errors', () => {
    const result = admitLeaderWorkerSet(lws('Bad').replicas('x').yaml());
    assert.equal(result.ok, false);
    if (result.ok) return;
    assert.deepEqual(
      result.errors.map((e) => e.field),
      ['spec.replicas', 'metadata.name'],
    );
  });
});
