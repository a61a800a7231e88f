import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  isDNS1035Label,
  isDNS1123Label,
  isDNS1123Subdomain,
  isQualifiedName,
  isValidLabelValue,
  isValidPercent,
} from './name-validation';
import { admitLeaderWorkerSet } from './admit';
import { lws } from './testing/builder';

describe('apimachinery string validators', () => {
  test('DNS-1035 labels', () => {
    for (const ok of ['a', 'abc-123', 'a'.repeat(63)]) assert.deepEqual(isDNS1035Label(ok), [], ok);
    for (const bad of ['', '1a', 'a-', 'A', 'a_b', 'a.b'])
      assert.equal(isDNS1035Label(bad).length, 1, bad);
    assert.deepEqual(isDNS1035Label('a'.repeat(64)), ['must be no more than 63 characters']);
  });

  test('DNS-1123 labels and subdomains', () => {
    assert.deepEqual(isDNS1123Label('1abc'), []);
    assert.equal(isDNS1123Label('a.b').length, 1);
    assert.deepEqual(isDNS1123Subdomain('example.com'), []);
    assert.equal(isDNS1123Subdomain('Example.com').length, 1);
  });

  test('qualified names', () => {
    for (const ok of ['rack', 'topology.kubernetes.io/zone', 'My_Name.1', 'a/b']) {
      assert.deepEqual(isQualifiedName(ok), [], ok);
    }
    assert.deepEqual(isQualifiedName('/x'), ['prefix part must be non-empty']);
    assert.deepEqual(isQualifiedName('a/'), [
      'name part must be non-empty',
      "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
    ]);
    assert.equal(isQualifiedName('a/b/c').length, 1);
    assert.match(isQualifiedName('a/b/c')[0], /^a qualified name must consist of/);
    assert.deepEqual(isQualifiedName('x'.repeat(64)).slice(0, 1), [
      'name part must be no more than 63 characters',
    ]);
  });

  test('label values and percents', () => {
    assert.deepEqual(isValidLabelValue(''), []);
    assert.equal(isValidLabelValue('-x').length, 1);
    assert.deepEqual(isValidPercent('10%'), []);
    assert.equal(isValidPercent('10').length, 1);
    assert.equal(isValidPercent('-1%').length, 1);
  });
});

describe('generateName', () => {
  test('is validated like a name prefix, and a name is still required', () => {
    const result = admitLeaderWorkerSet(lws(null).set('metadata.generateName', 'sample-').yaml());
    assert.equal(result.ok, false);
    if (result.ok) return;
    assert.deepEqual(
      result.errors.map((e) => e.message),
      [
        'metadata.name: Required value: name is required: lws-fleet applies LeaderWorkerSets by name and does not use generateName',
      ],
    );
  });

  test('an invalid generateName is reported', () => {
    const result = admitLeaderWorkerSet(lws().set('metadata.generateName', '9x-').yaml());
    assert.equal(result.ok, false);
    if (result.ok) return;
    assert.equal(result.errors.length, 1);
    assert.match(
      result.errors[0].message,
      /^metadata\.generateName: Invalid value: "9x-": a DNS-1035 label/,
    );
  });
});
