import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { admitLeaderWorkerSet } from './admit';
import { exampleFiles } from './testing/examples';

// What each invalid example must be refused with (read from the file's comment).
const EXPECTED_INVALID: Record<string, string[]> = {
  'subgroup-not-dividing.yaml': [
    'spec.leaderWorkerTemplate.SubGroupPolicy.subGroupSize: Invalid value: 3: size or size - 1 must be divisible by subGroupSize',
  ],
  'zero-unavailable-zero-surge.yaml': [
    'spec.rolloutStrategy.rollingUpdateConfiguration.maxUnavailable: Invalid value: "25%": must not be 0 when `maxSurge` is 0',
  ],
};

describe('shared/examples', () => {
  const valid = exampleFiles('valid');
  test('there are examples to check', () => {
    assert.ok(valid.length >= 9, `found ${valid.length} examples`);
  });
  for (const file of valid) {
    test(`accepts ${file.name}`, () => {
      const result = admitLeaderWorkerSet(file.text);
      assert.ok(result.ok, result.ok ? '' : result.errors.map((e) => e.message).join('\n'));
      // Admitting the admitted object again is a fixed point.
      const again = admitLeaderWorkerSet(JSON.stringify(result.lws));
      assert.ok(again.ok);
      assert.deepEqual(again.lws, result.lws);
      assert.equal(again.templateHash, result.templateHash);
    });
  }

  test('reads the examples as their comments describe them', () => {
    const get = (name: string) => {
      const file = valid.find((f) => f.name === name);
      assert.ok(file, name);
      const result = admitLeaderWorkerSet(file.text);
      assert.ok(result.ok);
      return result.lws;
    };
    const sample = get('sample.yaml');
    assert.equal(sample.metadata.name, 'leaderworkerset-sample');
    assert.equal(sample.spec.replicas, 3);
    assert.equal(sample.spec.leaderWorkerTemplate.size, 4);
    assert.equal(
      get('subgroup-leader-excluded.yaml').spec.leaderWorkerTemplate.subGroupPolicy
        ?.subGroupPolicyType,
      'LeaderExcluded',
    );
    assert.equal(
      get('subgroup.yaml').spec.leaderWorkerTemplate.subGroupPolicy?.subGroupPolicyType,
      'LeaderWorker',
    );
    assert.equal(
      get('unique-per-replica.yaml').spec.networkConfig.subdomainPolicy,
      'UniquePerReplica',
    );
    assert.equal(get('startup-leader-ready.yaml').spec.startupPolicy, 'LeaderReady');
    assert.deepEqual(get('rolling-update.yaml').spec.rolloutStrategy.rollingUpdateConfiguration, {
      partition: 0,
      maxUnavailable: 1,
      maxSurge: 1,
    });
  });

  const invalid = exampleFiles('invalid');
  test('there are invalid examples to check', () => {
    assert.ok(invalid.length >= 2, `found ${invalid.length} invalid examples`);
  });
  for (const file of invalid) {
    test(`refuses invalid/${file.name}`, () => {
      const result = admitLeaderWorkerSet(file.text);
      assert.equal(result.ok, false);
      if (result.ok) return;
      const expected = EXPECTED_INVALID[file.name];
      if (expected)
        assert.deepEqual(
          result.errors.map((e) => e.message),
          expected,
        );
      else assert.ok(result.errors.length > 0);
    });
  }
});
