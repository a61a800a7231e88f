import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import {
  APPLY,
  REGISTER,
  codes,
  startApi,
  tokenKubeconfig,
  type ApiHarness,
} from '../support/api-harness';
import { examplesDir } from '../support/paths';

const sample = readFileSync(join(examplesDir(), 'sample.yaml'), 'utf8');
const LWS = `query($name: String!) {
  leaderWorkerSet(name: $name) {
    uid generation currentRevision templateHash spec manifest deletionRequestedAt
    revisions { revision templateHash createdBy manifest }
    events(first: 50) { edges { cursor node { type position actor correlationId cluster data } } pageInfo { hasNextPage endCursor } }
  }
}`;

function withReplicas(text: string, replicas: number): string {
  const doc = parse(text);
  doc.spec.replicas = replicas;
  return JSON.stringify(doc);
}

function withImage(text: string, image: string): string {
  const doc = parse(text);
  for (const t of [
    doc.spec.leaderWorkerTemplate.leaderTemplate,
    doc.spec.leaderWorkerTemplate.workerTemplate,
  ]) {
    if (t) t.spec.containers[0].image = image;
  }
  return JSON.stringify(doc);
}

describe('applyLeaderWorkerSet on one cluster', () => {
  let api: ApiHarness;
  let name: string;
  before(async () => {
    api = await startApi('apply');
    const registered = await api.gql(REGISTER, {
      input: { name: 'east', kubeconfig: tokenKubeconfig('east') },
    });
    assert.deepEqual(codes(registered), []);
    name = parse(sample).metadata.name;
  });
  after(async () => api?.close());

  test('creates the LWS with a uid, generation 1, revision 1 and the defaulted spec', async () => {
    const res = await api.gql(
      APPLY,
      { input: { manifest: sample } },
      { 'x-correlation-id': 'corr-create' },
    );
    assert.deepEqual(codes(res), []);
    const lws = res.data!.applyLeaderWorkerSet;
    assert.equal(lws.name, name);
    assert.equal(lws.namespace, 'default');
    assert.equal(lws.cluster, 'east');
    assert.equal(lws.generation, 1);
    assert.equal(lws.currentRevision, 1);
    assert.match(lws.uid, /^[0-9a-f-]{36}$/);
    assert.equal(lws.spec.rolloutStrategy.type, 'RollingUpdate');
    assert.equal(lws.spec.leaderWorkerTemplate.restartPolicy, 'RecreateGroupOnPodRestart');
    assert.equal(lws.spec.networkConfig.subdomainPolicy, 'Shared');
    assert.equal(parse(lws.manifest).kind, 'LeaderWorkerSet');

    const read = await api.gql(LWS, { name });
    const events = read.data!.leaderWorkerSet.events.edges.map((e: any) => e.node);
    assert.deepEqual(
      events.map((e: any) => e.type),
      ['LeaderWorkerSetCreated', 'RevisionCreated'],
    );
    assert.ok(
      events.every(
        (e: any) =>
          e.actor === 'tester' && e.correlationId === 'corr-create' && e.cluster === 'east',
      ),
    );
    assert.equal(read.data!.leaderWorkerSet.revisions.length, 1);
    assert.equal(read.data!.leaderWorkerSet.revisions[0].createdBy, 'tester');
  });

  test('an apply that changes nothing appends nothing and keeps the generation', async () => {
    const before = await api.snapshot();
    const res = await api.gql(APPLY, { input: { manifest: sample } });
    assert.deepEqual(codes(res), []);
    assert.equal(res.data!.applyLeaderWorkerSet.generation, 1);
    assert.deepEqual(await api.snapshot(), before);
  });

  test('changing replicas bumps the generation but makes no revision; the template hash stays', async () => {
    const first = (await api.gql(LWS, { name })).data!.leaderWorkerSet;
    const res = await api.gql(APPLY, {
      input: { manifest: withReplicas(sample, 5), expectedGeneration: 1 },
    });
    assert.deepEqual(codes(res), []);
    const lws = res.data!.applyLeaderWorkerSet;
    assert.equal(lws.generation, 2);
    assert.equal(lws.currentRevision, 1);
    assert.equal(lws.templateHash, first.templateHash);
    const read = (await api.gql(LWS, { name })).data!.leaderWorkerSet;
    const updated = read.events.edges
      .map((e: any) => e.node)
      .find((e: any) => e.type === 'LeaderWorkerSetUpdated');
    assert.deepEqual(updated.data.changes, ['spec.replicas']);
  });

  test('changing the template makes revision 2 with a new hash; all revisions are kept', async () => {
    const res = await api.gql(APPLY, {
      input: { manifest: withImage(withReplicas(sample, 5), 'nginx:1.27'), expectedGeneration: 2 },
    });
    assert.deepEqual(codes(res), []);
    const lws = res.data!.applyLeaderWorkerSet;
    assert.equal(lws.generation, 3);
    assert.equal(lws.currentRevision, 2);
    const read = (await api.gql(LWS, { name })).data!.leaderWorkerSet;
    assert.deepEqual(
      read.revisions.map((r: any) => r.revision),
      [1, 2],
    );
    assert.notEqual(read.revisions[0].templateHash, read.revisions[1].templateHash);
    assert.equal(read.revisions[1].templateHash, lws.templateHash);
  });

  test('a stale expectedGeneration is a CONFLICT and changes nothing', async () => {
    const before = await api.snapshot();
    const res = await api.gql(APPLY, {
      input: { manifest: withReplicas(sample, 7), expectedGeneration: 1 },
    });
    assert.deepEqual(codes(res), ['CONFLICT']);
    assert.match(res.errors![0].message, /generation 3, not the expected 1/);
    assert.deepEqual(await api.snapshot(), before);
  });

  test('scaleLeaderWorkerSet sets replicas and records LeaderWorkerSetScaled; a bad value names spec.replicas', async () => {
    const res = await api.gql(
      `mutation { scaleLeaderWorkerSet(name: "${name}", replicas: 2) { generation spec } }`,
    );
    assert.deepEqual(codes(res), []);
    assert.equal(res.data!.scaleLeaderWorkerSet.spec.replicas, 2);
    assert.equal(res.data!.scaleLeaderWorkerSet.generation, 4);
    const bad = await api.gql(
      `mutation { scaleLeaderWorkerSet(name: "${name}", replicas: -1) { generation } }`,
    );
    assert.deepEqual(codes(bad), ['BAD_USER_INPUT']);
    assert.equal(bad.errors![0].extensions!.fieldErrors[0].field, 'spec.replicas');
    const missing = await api.gql(
      `mutation { scaleLeaderWorkerSet(name: "nope", replicas: 1) { generation } }`,
    );
    assert.deepEqual(codes(missing), ['NOT_FOUND']);
  });

  test('events page forward with cursors, newest last, and backward with last', async () => {
    const page1 = (
      await api.gql(
        `query { leaderWorkerSet(name: "${name}") { events(first: 2) { edges { cursor node { position } } pageInfo { hasNextPage endCursor } } } }`,
      )
    ).data!.leaderWorkerSet.events;
    assert.deepEqual(
      page1.edges.map((e: any) => e.node.position),
      [1, 2],
    );
    assert.equal(page1.pageInfo.hasNextPage, true);
    const page2 = (
      await api.gql(
        `query($after: String) { leaderWorkerSet(name: "${name}") { events(first: 2, after: $after) { edges { node { position } } } } }`,
        { after: page1.pageInfo.endCursor },
      )
    ).data!.leaderWorkerSet.events;
    assert.deepEqual(
      page2.edges.map((e: any) => e.node.position),
      [3, 4],
    );
    const newest = (
      await api.gql(
        `query { leaderWorkerSet(name: "${name}") { events(last: 1) { edges { node { type } } pageInfo { hasPreviousPage } } } }`,
      )
    ).data!.leaderWorkerSet.events;
    assert.deepEqual(
      newest.edges.map((e: any) => e.node.type),
      ['LeaderWorkerSetScaled'],
    );
    assert.equal(newest.pageInfo.hasPreviousPage, true);
  });

  test('delete then apply again makes a new LWS with a new uid; the old history stays queryable', async () => {
    const old = (await api.gql(LWS, { name })).data!.leaderWorkerSet;
    const del = await api.gql(`mutation { deleteLeaderWorkerSet(name: "${name}") }`);
    assert.deepEqual(codes(del), []);
    assert.equal(del.data!.deleteLeaderWorkerSet, true);
    assert.equal((await api.gql(LWS, { name })).data!.leaderWorkerSet, null);
    const again = await api.gql(APPLY, { input: { manifest: sample } });
    assert.deepEqual(codes(again), []);
    assert.notEqual(again.data!.applyLeaderWorkerSet.uid, old.uid);
    assert.equal(again.data!.applyLeaderWorkerSet.generation, 1);
    const history = (
      await api.gql(
        `query { leaderWorkerSetHistory(name: "${name}") { uid deletedAt events(last: 2) { edges { node { type } } } } }`,
      )
    ).data!.leaderWorkerSetHistory;
    assert.equal(history.length, 2);
    assert.equal(history[0].uid, old.uid);
    assert.ok(history[0].deletedAt);
    assert.deepEqual(
      history[0].events.edges.map((e: any) => e.node.type),
      ['LeaderWorkerSetDeletionRequested', 'LeaderWorkerSetDeleted'],
    );
    assert.equal(history[1].deletedAt, null);
  });

  test('the LeaderOnly alias is accepted, normalised to LeaderExcluded, and said in notices', async () => {
    const doc = parse(readFileSync(join(examplesDir(), 'subgroup.yaml'), 'utf8'));
    doc.metadata.name = 'alias-check';
    doc.spec.leaderWorkerTemplate.subGroupPolicy = {
      ...doc.spec.leaderWorkerTemplate.subGroupPolicy,
      subGroupPolicyType: 'LeaderOnly',
    };
    doc.spec.leaderWorkerTemplate.size = 5;
    doc.spec.leaderWorkerTemplate.subGroupPolicy.subGroupSize = 2;
    const res = await api.gql(APPLY, { input: { manifest: JSON.stringify(doc) } });
    assert.deepEqual(codes(res), []);
    const lws = res.data!.applyLeaderWorkerSet;
    assert.equal(lws.spec.leaderWorkerTemplate.subGroupPolicy.subGroupPolicyType, 'LeaderExcluded');
    assert.ok(
      lws.notices.some((n: string) => /LeaderOnly/.test(n) && /LeaderExcluded/.test(n)),
      JSON.stringify(lws.notices),
    );
  });
});
