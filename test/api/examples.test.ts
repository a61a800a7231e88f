import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  APPLY,
  REGISTER,
  codes,
  startApi,
  tokenKubeconfig,
  type ApiHarness,
} from '../support/api-harness';
import { examplesDir } from '../support/paths';

const dir = examplesDir();
const valid = readdirSync(dir).filter((f) => f.endsWith('.yaml'));
const invalid = readdirSync(join(dir, 'invalid')).filter((f) => f.endsWith('.yaml'));

describe('the shared examples through GraphQL', () => {
  let api: ApiHarness;
  before(async () => {
    api = await startApi('examples');
    await api.gql(REGISTER, { input: { name: 'east', kubeconfig: tokenKubeconfig('east') } });
    await api.gql(REGISTER, { input: { name: 'west', kubeconfig: tokenKubeconfig('west') } });
  });
  after(async () => api?.close());

  test('there are examples to check', () => {
    assert.ok(valid.length >= 5 && invalid.length >= 1);
  });

  for (const file of valid) {
    test(`accepts ${file}`, async () => {
      const res = await api.gql(APPLY, {
        input: { manifest: readFileSync(join(dir, file), 'utf8'), cluster: 'west' },
      });
      assert.deepEqual(codes(res), [], JSON.stringify(res.errors));
      assert.equal(res.data!.applyLeaderWorkerSet.cluster, 'west');
      assert.equal(res.data!.applyLeaderWorkerSet.generation, 1);
    });
  }

  // What upstream's webhook says for each invalid example (lws-reference §1.4, §1.6).
  const expected: Record<string, RegExp> = {
    'subgroup-not-dividing.yaml': /size or size - 1 must be divisible by subGroupSize/,
    'zero-unavailable-zero-surge.yaml': /must not be 0 when `maxSurge` is 0/,
  };

  for (const file of invalid) {
    test(`refuses invalid/${file} with upstream's message`, async () => {
      const before = await api.snapshot();
      const res = await api.gql(APPLY, {
        input: { manifest: readFileSync(join(dir, 'invalid', file), 'utf8'), cluster: 'west' },
      });
      assert.deepEqual(codes(res), ['BAD_USER_INPUT']);
      const fieldErrors = res.errors![0].extensions!.fieldErrors as Array<{
        field: string;
        message: string;
      }>;
      assert.ok(fieldErrors.length > 0);
      assert.ok(
        fieldErrors.every((f) => f.field.startsWith('spec.') || f.field.startsWith('metadata.')),
        JSON.stringify(fieldErrors),
      );
      assert.ok(expected[file], `no expected message recorded for invalid/${file}`);
      assert.ok(
        fieldErrors.some((f) => expected[file].test(f.message)),
        JSON.stringify(fieldErrors),
      );
      assert.deepEqual(await api.snapshot(), before);
    });
  }

  test('with two clusters registered, leaving out cluster is an input error naming both', async () => {
    const res = await api.gql(APPLY, {
      input: {
        manifest: readFileSync(join(dir, valid[0]), 'utf8').replace(
          /name: (\S+)/,
          'name: $1-unplaced',
        ),
      },
    });
    assert.deepEqual(codes(res), ['BAD_USER_INPUT']);
    assert.match(
      res.errors![0].message,
      /cluster is required when more than one cluster is registered \(east, west\)/,
    );
  });
});
