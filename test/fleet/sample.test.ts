import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { APPLY, codes } from '../support/api-harness';
import { eventually, startFleet, type FleetHarness } from '../support/fleet-harness';
import { examplesDir } from '../support/paths';

const STATUS = `query($name: String!) { leaderWorkerSet(name: $name) { uid status { replicas readyReplicas updatedReplicas conditions { type status reason message } } events(last: 50) { edges { node { type actor data } } } } }`;

describe('the sample LWS reconciled onto a simulated cluster', () => {
  let fleet: FleetHarness;
  before(async () => {
    fleet = await startFleet('fleet_sample');
  });
  after(async () => fleet?.close());

  test('applies, converges to 12 Running pods on east, and reports Available', async () => {
    const manifest = readFileSync(join(examplesDir(), 'sample.yaml'), 'utf8');
    const res = await fleet.api.gql(APPLY, { input: { manifest, cluster: 'east' } });
    assert.deepEqual(codes(res), [], JSON.stringify(res.errors));
    const name = res.data!.applyLeaderWorkerSet.name;
    const east = fleet.sim.cluster('east');
    await eventually(() => {
      const pods = east.store.list('pods', {
        namespace: 'default',
        labelSelector: `leaderworkerset.sigs.k8s.io/name=${name}`,
      }).items;
      return pods.length === 12 && pods.every((p: any) => p.status?.phase === 'Running');
    }, '12 running pods');
    const lws = await eventually(async () => {
      const r = await fleet.api.gql(STATUS, { name });
      const s = r.data?.leaderWorkerSet?.status;
      return s?.conditions?.some((c: any) => c.type === 'Available' && c.status === 'True')
        ? r.data!.leaderWorkerSet
        : undefined;
    }, 'status Available');
    assert.equal(lws.status.readyReplicas, 3);
    assert.equal(lws.status.replicas, 3);
    const types = lws.events.edges.map((e: any) => e.node.type);
    assert.ok(types.includes('ReconcileApplied'), types.join());
    assert.ok(types.includes('StatusChanged'));
    assert.equal(
      fleet.sim.cluster('west').store.list('pods', { namespace: 'default' }).items.length,
      0,
    );
  });
});
