// plan() behaviour: convergence and idempotence, startup policy, exclusive topology, scaling,
// restart policies, PVC retention, namespace creation and deletion (issue 4's planner list).
import * as fs from 'node:fs';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { V1Service } from '@kubernetes/client-node';
import { lws } from '../../lws/src/testing';
import { planDeletion } from './deletion';
import { describeActions } from './owners';
import { plan } from './plan';
import {
  converge,
  desiredFrom,
  exampleText,
  observed,
  sharedExamplesDir,
  type FakeCluster,
} from './testing';
import type { Action, DeleteAction, DesiredLws } from './types';

function summary(actions: Action[]): string[] {
  return actions.map((a) =>
    a.type === 'createNamespace'
      ? `createNamespace ${a.namespace}`
      : `${a.type} ${a.kind} ${a.name}`,
  );
}

function createdPodNames(actions: Action[]): string[] {
  return actions
    .filter((a) => a.type === 'create' && a.kind === 'Pod')
    .map((a) => (a.type === 'create' ? a.name : ''));
}

/** Creates everything and brings it to Ready; returns the cluster and the desired state with status. */
function running(
  desired: DesiredLws,
  cluster: FakeCluster = observed(),
): { cluster: FakeCluster; desired: DesiredLws } {
  const result = converge(desired, cluster);
  return { cluster, desired: { ...desired, status: result.last.status } };
}

describe('every shared example converges, then plans nothing', () => {
  const files = fs.readdirSync(sharedExamplesDir()).filter((f) => f.endsWith('.yaml'));
  test('the examples folder is found and not empty', () => {
    assert.ok(files.length >= 5, `examples: ${files.join(', ')}`);
  });
  for (const file of files) {
    test(file, () => {
      const desired = desiredFrom(exampleText(file));
      const cluster = observed().node('n1', { rack: 'r1', zone: 'z1' });
      const result = converge(desired, cluster);
      const { replicas, leaderWorkerTemplate } = desired.spec;
      assert.equal(cluster.pods().length, replicas * leaderWorkerTemplate.size);
      assert.equal(result.last.status.readyReplicas, replicas);
      const available = result.last.status.conditions?.find((c) => c.type === 'Available');
      assert.equal(available?.status, 'True');
      // Idempotent: the converged state, planned again, gives zero actions and the same status.
      const again = plan({ ...desired, status: result.last.status }, cluster.build());
      assert.deepEqual(again.actions, []);
      assert.deepEqual(again.status, result.last.status);
    });
  }
  test('sample.yaml: 12 pods named as the concept document says, one write per object', () => {
    const desired = desiredFrom(exampleText('sample.yaml'));
    const cluster = observed();
    const result = converge(desired, cluster);
    const names = cluster
      .pods()
      .map((p) => p.metadata?.name)
      .sort();
    const expected = [0, 1, 2].flatMap((i) => [
      `leaderworkerset-sample-${i}`,
      ...[1, 2, 3].map((j) => `leaderworkerset-sample-${i}-${j}`),
    ]);
    assert.deepEqual(names, expected.sort());
    assert.equal(result.writes, 12 + 2, '12 pods + anchor + Service');
    assert.equal(result.rounds, 2);
  });
});

describe('namespace and anchor', () => {
  test('a missing namespace is created first', () => {
    const actions = plan(
      desiredFrom(lws('a').namespace('team')),
      observed().namespace(false).build(),
    ).actions;
    assert.equal(actions[0].type, 'createNamespace');
    assert.equal(actions[0].type === 'createNamespace' && actions[0].namespace, 'team');
  });
  test('an existing namespace is not created', () => {
    const actions = plan(desiredFrom(lws('a')), observed().build()).actions;
    assert.ok(!actions.some((a) => a.type === 'createNamespace'));
  });
  test('the anchor holds uid, generation, revision and template hash, patched when they change', () => {
    const d1 = desiredFrom(lws('a').replicas(1), { generation: 1 });
    const { cluster, desired } = running(d1);
    const data = cluster.get('ConfigMap', 'a.lws-fleet');
    assert.deepEqual((data as { data?: unknown }).data, {
      uid: 'uid-1',
      namespace: 'default',
      name: 'a',
      generation: '1',
      revision: '1',
      templateHash: d1.templateHash,
      stableTemplateHash: d1.templateHash,
      partition: '0',
      groups: '1',
      replicas: '1',
    });
    const next = plan({ ...desired, generation: 2 }, cluster.build()).actions;
    assert.deepEqual(summary(next), ['patch ConfigMap a.lws-fleet']);
    assert.deepEqual(
      next[0].type === 'patch' && (next[0].patch.data as Record<string, string>).generation,
      '2',
    );
  });
  test('a deleted shared Service is recreated, a drifted selector patched back', () => {
    const { cluster, desired } = running(desiredFrom(lws('s')));
    cluster.remove('Service', 's');
    assert.deepEqual(summary(plan(desired, cluster.build()).actions), ['create Service s']);
    const { cluster: c2, desired: d2 } = running(desiredFrom(lws('s')));
    c2.get<V1Service>('Service', 's').spec = {
      clusterIP: 'None',
      selector: { app: 'other' },
      publishNotReadyAddresses: true,
    };
    assert.deepEqual(summary(plan(d2, c2.build()).actions), ['patch Service s']);
  });
});

describe('startup policy', () => {
  test('LeaderCreated: workers are created in the same plan as their leader', () => {
    const actions = plan(desiredFrom(lws('sp').replicas(2).size(3)), observed().build()).actions;
    assert.deepEqual(createdPodNames(actions), [
      'sp-0',
      'sp-0-1',
      'sp-0-2',
      'sp-1',
      'sp-1-1',
      'sp-1-2',
    ]);
  });
  test('LeaderReady: a group gets its workers only once its own leader is Ready', () => {
    const desired = desiredFrom(lws('lr').replicas(3).size(2).startupPolicy('LeaderReady'));
    const cluster = observed();
    const first = plan(desired, cluster.build());
    assert.deepEqual(createdPodNames(first.actions), ['lr-0', 'lr-1', 'lr-2']);
    assert.match(first.groups[0].waiting ?? '', /not Ready/);
    cluster.from(first.actions).ready('lr-0').ready('lr-1').notReady('lr-2');
    const second = plan(desired, cluster.build());
    assert.deepEqual(createdPodNames(second.actions), ['lr-0-1', 'lr-1-1']);
    // Groups waiting for their leader are not counted by status (no worker StatefulSet upstream).
    assert.equal(second.status.replicas, 3);
    assert.equal(second.status.readyReplicas, 0);
    cluster.from(second.actions).ready('lr-2');
    assert.deepEqual(createdPodNames(plan(desired, cluster.build()).actions), ['lr-2-1']);
  });
  test('startup-leader-ready.yaml creates leaders only at first', () => {
    const desired = desiredFrom(exampleText('startup-leader-ready.yaml'));
    const names = createdPodNames(plan(desired, observed().build()).actions);
    assert.equal(names.length, desired.spec.replicas);
  });
});

describe('exclusive topology', () => {
  test('workers wait until the leader is scheduled, then are pinned to its rack', () => {
    const desired = desiredFrom(lws('ex').replicas(2).size(3).exclusiveTopology('rack'));
    const cluster = observed().node('n1', { rack: 'r1' }).node('n2', { rack: 'r2' });
    const first = plan(desired, cluster.build());
    assert.deepEqual(createdPodNames(first.actions), ['ex-0', 'ex-1']);
    assert.match(first.groups[1].waiting ?? '', /not scheduled/);
    cluster.from(first.actions).schedule('ex-1', 'n2');
    const second = plan(desired, cluster.build());
    assert.deepEqual(createdPodNames(second.actions), ['ex-1-1', 'ex-1-2']);
    for (const a of second.actions) {
      if (a.type === 'create' && a.kind === 'Pod') {
        assert.deepEqual((a.object as { spec?: { nodeSelector?: unknown } }).spec?.nodeSelector, {
          rack: 'r2',
        });
      }
    }
  });
  test('a leader on a node without the topology label: workers wait and say why', () => {
    const desired = desiredFrom(lws('ex').size(2).exclusiveTopology('rack'));
    const cluster = observed().node('bare', {});
    cluster.from(plan(desired, cluster.build()).actions).schedule('ex-0', 'bare');
    const result = plan(desired, cluster.build());
    assert.deepEqual(result.actions, []);
    assert.equal(result.groups[0].waiting, 'node bare has no label rack');
  });
});

describe('scaling', () => {
  test('scale up creates the new groups only', () => {
    const { cluster, desired } = running(desiredFrom(lws('sc').replicas(2).size(2)));
    const up = { ...desired, spec: { ...desired.spec, replicas: 4 } };
    const actions = plan(up, cluster.build()).actions;
    assert.deepEqual(summary(actions), [
      'patch ConfigMap sc.lws-fleet',
      'create Pod sc-2',
      'create Pod sc-2-1',
      'create Pod sc-3',
      'create Pod sc-3-1',
    ]);
  });
  test('scale down removes the highest groups first, leaders in the foreground', () => {
    const { cluster, desired } = running(desiredFrom(lws('sc').replicas(4).size(2)));
    const down = { ...desired, spec: { ...desired.spec, replicas: 1 } };
    const actions = plan(down, cluster.build()).actions;
    assert.deepEqual(summary(actions), [
      'patch ConfigMap sc.lws-fleet',
      'delete Pod sc-3',
      'delete Pod sc-2',
      'delete Pod sc-1',
    ]);
    for (const a of actions.slice(1))
      assert.equal((a as DeleteAction).propagationPolicy, 'Foreground');
    cluster.from(actions);
    assert.deepEqual(
      cluster
        .pods()
        .map((p) => p.metadata?.name)
        .sort(),
      ['sc-0', 'sc-0-1'],
    );
    assert.deepEqual(plan(down, cluster.build()).actions, []);
  });
  test('scale to zero keeps the anchor and shared Service and is Available', () => {
    const { cluster, desired } = running(desiredFrom(lws('z').replicas(2)));
    const zero = { ...desired, spec: { ...desired.spec, replicas: 0 } };
    const result = converge(zero, cluster);
    assert.equal(cluster.pods().length, 0);
    assert.ok(cluster.has('Service', 'z') && cluster.has('ConfigMap', 'z.lws-fleet'));
    assert.equal(
      result.last.status.conditions?.find((c) => c.type === 'Available')?.status,
      'True',
    );
  });

  const retention: {
    name: string;
    whenDeleted?: string;
    whenScaled?: string;
    leaderPvcKept: boolean;
    workerPvcOwned: boolean;
  }[] = [
    { name: 'default (Retain/Retain)', leaderPvcKept: true, workerPvcOwned: false },
    {
      name: 'whenScaled Delete',
      whenScaled: 'Delete',
      leaderPvcKept: false,
      workerPvcOwned: false,
    },
    {
      name: 'whenDeleted Delete',
      whenDeleted: 'Delete',
      leaderPvcKept: true,
      workerPvcOwned: true,
    },
  ];
  for (const row of retention) {
    test(`PVC retention ${row.name} on scale down`, () => {
      let b = lws('p').replicas(2).size(2).volumeClaim('data');
      if (row.whenDeleted || row.whenScaled) b = b.pvcRetention(row.whenDeleted, row.whenScaled);
      const { cluster, desired } = running(desiredFrom(b));
      const worker = cluster.get('PersistentVolumeClaim', 'data-p-1-1');
      assert.equal((worker.metadata?.ownerReferences ?? []).length > 0, row.workerPvcOwned);
      if (row.workerPvcOwned)
        assert.equal(worker.metadata?.ownerReferences?.[0].uid, cluster.pod('p-1').metadata?.uid);
      const down = { ...desired, spec: { ...desired.spec, replicas: 1 } };
      converge(down, cluster);
      assert.equal(cluster.has('PersistentVolumeClaim', 'data-p-1'), row.leaderPvcKept);
      assert.equal(cluster.has('PersistentVolumeClaim', 'data-p-1-1'), !row.workerPvcOwned);
      assert.ok(cluster.has('PersistentVolumeClaim', 'data-p-0'));
    });
  }
  test('a pending pod whose PVC create failed gets its PVC again; a running one does not', () => {
    const desired = desiredFrom(lws('m').replicas(1).size(2).volumeClaim('data'));
    const cluster = observed();
    // Every create went through except the PVCs' (a 500 answered them).
    const first = plan(desired, cluster.build()).actions.filter(
      (a) => !(a.type === 'create' && a.kind === 'PersistentVolumeClaim'),
    );
    cluster.from(first);
    const again = plan(desired, cluster.build()).actions;
    assert.deepEqual(summary(again), [
      'create PersistentVolumeClaim data-m-0',
      'create PersistentVolumeClaim data-m-0-1',
    ]);
    cluster.from(again).allRunningReady();
    assert.deepEqual(plan(desired, cluster.build()).actions, []);
    cluster.remove('PersistentVolumeClaim', 'data-m-0-1');
    assert.deepEqual(plan(desired, cluster.build()).actions, [], 'a running pod keeps going');
  });
  test('a retained PVC is reused when the group comes back (no new PVC)', () => {
    const { cluster, desired } = running(desiredFrom(lws('r').replicas(2).volumeClaim('data')));
    converge({ ...desired, spec: { ...desired.spec, replicas: 1 } }, cluster);
    const actions = plan(desired, cluster.build()).actions;
    assert.ok(!actions.some((a) => a.type === 'create' && a.kind === 'PersistentVolumeClaim'));
    assert.ok(createdPodNames(actions).includes('r-1'));
  });
});

describe('restart policy', () => {
  type Fault = (c: FakeCluster) => void;
  const faults: { name: string; fault: Fault; reason: RegExp }[] = [
    {
      name: 'worker container restarted (OOMKilled)',
      fault: (c) => c.restart('g-1-1', 'server', 137, 'OOMKilled'),
      reason: /^group 1 recreated: worker g-1-1 container server restarted \(exit 137 OOMKilled\)$/,
    },
    {
      name: 'leader container restarted',
      fault: (c) => c.restart('g-1', 'server', 1, 'Error'),
      reason: /^group 1 recreated: leader g-1 container server restarted \(exit 1 Error\)$/,
    },
    {
      name: 'worker pod deleted',
      fault: (c) => c.terminate('g-1-2'),
      reason: /^group 1 recreated: worker g-1-2 deleted$/,
    },
    {
      name: 'worker pod failed (evicted)',
      fault: (c) => c.fail('g-1-1', 'Evicted'),
      reason: /^group 1 recreated: worker g-1-1 failed \(Evicted\)$/,
    },
    {
      name: 'worker pod vanished',
      fault: (c) => c.remove('Pod', 'g-1-2'),
      reason: /^group 1 recreated: worker g-1-2 lost$/,
    },
  ];
  for (const row of faults) {
    test(`RecreateGroupOnPodRestart: ${row.name} → the leader is deleted in the foreground`, () => {
      const { cluster, desired } = running(desiredFrom(lws('g').replicas(2).size(3)));
      row.fault(cluster);
      const actions = plan(desired, cluster.build()).actions;
      assert.deepEqual(summary(actions), ['delete Pod g-1']);
      const del = actions[0] as DeleteAction;
      assert.equal(del.propagationPolicy, 'Foreground');
      assert.equal(del.uid, cluster.pod('g-1').metadata?.uid);
      assert.match(del.reason, row.reason);
      assert.equal(del.cause?.pod.startsWith('g-1'), true);
      // The group comes back fresh: all of its pods are new.
      const before = new Set(cluster.pods().map((p) => p.metadata?.uid));
      converge(desired, cluster.from(actions));
      const group1 = cluster.pods().filter((p) => p.metadata?.name?.startsWith('g-1'));
      assert.equal(group1.length, 3);
      for (const p of group1) assert.ok(!before.has(p.metadata?.uid), `${p.metadata?.name} is new`);
      assert.ok(before.has(cluster.pod('g-0').metadata?.uid), 'other groups untouched');
    });
  }
  test('a worker whose create failed is created, not counted as lost (no group recreation)', () => {
    const { cluster, desired } = running(desiredFrom(lws('g').replicas(2).size(3)));
    cluster.remove('Pod', 'g-1-2');
    const observed = { ...cluster.build(), notCreated: ['g-1-2'] };
    const actions = plan(desired, observed).actions;
    assert.deepEqual(summary(actions), ['create Pod g-1-2']);
    // Without the executor's word it is lost, as before.
    assert.deepEqual(summary(plan(desired, cluster.build()).actions), ['delete Pod g-1']);
  });
  test('the recreation cause carries container, restart count, exit code and reason', () => {
    const { cluster, desired } = running(desiredFrom(lws('g').replicas(1).size(2)));
    cluster.restart('g-0-1', 'server', 137, 'OOMKilled');
    const del = plan(desired, cluster.build()).actions[0] as DeleteAction;
    assert.deepEqual(del.cause, {
      pod: 'g-0-1',
      role: 'worker',
      event: 'containerRestarted',
      container: 'server',
      restartCount: 1,
      exitCode: 137,
      reason: 'OOMKilled',
    });
  });
  test('None: a restarted container changes nothing; a failed pod alone is replaced', () => {
    const { cluster, desired } = running(desiredFrom(lws('g').size(3).restartPolicy('None')));
    cluster.restart('g-0-1', 'server', 137, 'OOMKilled');
    assert.deepEqual(plan(desired, cluster.build()).actions, []);
    cluster.fail('g-0-2', 'Evicted');
    const actions = plan(desired, cluster.build()).actions;
    assert.deepEqual(summary(actions), ['delete Pod g-0-2']);
    assert.equal((actions[0] as DeleteAction).propagationPolicy, 'Background');
    cluster.from(actions);
    assert.deepEqual(summary(plan(desired, cluster.build()).actions), ['create Pod g-0-2']);
  });
  test('None: a vanished worker is recreated alone', () => {
    const { cluster, desired } = running(desiredFrom(lws('g').size(3).restartPolicy('None')));
    cluster.remove('Pod', 'g-0-1');
    assert.deepEqual(summary(plan(desired, cluster.build()).actions), ['create Pod g-0-1']);
  });
  test('RecreateGroupAfterStart: no recreation while a pod of the group is Pending', () => {
    const desired = desiredFrom(lws('g').size(3).restartPolicy('RecreateGroupAfterStart'));
    const cluster = observed();
    cluster.from(plan(desired, cluster.build()).actions).ready('g-0').ready('g-0-1');
    cluster.restart('g-0-1', 'server', 1, 'Error');
    assert.deepEqual(plan(desired, cluster.build()).actions, [], 'g-0-2 still Pending');
    cluster.ready('g-0-2');
    assert.deepEqual(summary(plan(desired, cluster.build()).actions), ['delete Pod g-0']);
  });
  test('experimental-recreate-group-after-start annotation makes RecreateGroupOnPodRestart wait the same way', () => {
    const desired = desiredFrom(
      lws('g')
        .size(2)
        .annotation('leaderworkerset.sigs.k8s.io/experimental-recreate-group-after-start', 'true'),
    );
    const cluster = observed();
    cluster.from(plan(desired, cluster.build()).actions).ready('g-0');
    cluster.restart('g-0', 'server', 1, 'Error');
    assert.deepEqual(plan(desired, cluster.build()).actions, []);
  });
  test('a leader already terminating is not deleted again; its group waits', () => {
    const { cluster, desired } = running(desiredFrom(lws('g').size(2)));
    cluster.terminate('g-0');
    const result = plan(desired, cluster.build());
    assert.deepEqual(result.actions, []);
    assert.match(result.groups[0].waiting ?? '', /terminating/);
  });
  test('a vanished leader: its orphaned workers are removed and the leader recreated', () => {
    const { cluster, desired } = running(desiredFrom(lws('g').size(3)));
    cluster.remove('Pod', 'g-0');
    const actions = plan(desired, cluster.build()).actions;
    assert.deepEqual(summary(actions), ['delete Pod g-0-1', 'delete Pod g-0-2', 'create Pod g-0']);
    converge(desired, cluster.from(actions));
    assert.equal(cluster.pods().length, 3);
  });
  test('a worker of an old revision never restarts a new leader', () => {
    const { cluster, desired } = running(desiredFrom(lws('g').size(2)));
    const w = cluster.pod('g-0-1');
    w.metadata!.labels!['leaderworkerset.sigs.k8s.io/template-revision-hash'] = 'old';
    cluster.restart('g-0-1', 'server', 1, 'Error');
    assert.ok(
      !plan(desired, cluster.build()).actions.some((a) => a.type === 'delete' && a.name === 'g-0'),
    );
  });
});

describe('deletion', () => {
  test('deletes the anchor in the foreground; done once nothing remains', () => {
    const { cluster, desired } = running(desiredFrom(lws('d').replicas(2).size(2)));
    cluster.keepTerminating();
    const first = planDeletion(desired, cluster.build());
    assert.deepEqual(summary(first.actions), ['delete ConfigMap d.lws-fleet']);
    assert.equal((first.actions[0] as DeleteAction).propagationPolicy, 'Foreground');
    assert.equal(first.done, false);
    cluster.from(first.actions);
    const waiting = planDeletion(desired, cluster.build());
    assert.deepEqual(waiting.actions, [], 'terminating objects are left to the garbage collector');
    assert.ok(waiting.remaining.includes('Pod/d-0'));
    cluster.finishDeletes();
    const done = planDeletion(desired, cluster.build());
    assert.deepEqual(done, { actions: [], done: true, remaining: [] });
  });
  test('without an anchor, leftovers are deleted directly', () => {
    const { cluster, desired } = running(desiredFrom(lws('d').size(2)));
    cluster.remove('ConfigMap', 'd.lws-fleet');
    const result = planDeletion(desired, cluster.build());
    assert.deepEqual(
      summary(result.actions).sort(),
      ['delete Pod d-0', 'delete Pod d-0-1', 'delete Service d'].sort(),
    );
  });
  test('retained PVCs do not hold deletion back; whenDeleted Delete ones do', () => {
    for (const [policy, done] of [
      [undefined, true],
      ['Delete', false],
    ] as const) {
      let b = lws('d').volumeClaim('data');
      if (policy) b = b.pvcRetention(policy);
      const { cluster, desired } = running(desiredFrom(b));
      cluster.remove('ConfigMap', 'd.lws-fleet').remove('Pod', 'd-0').remove('Service', 'd');
      const result = planDeletion(desired, cluster.build());
      assert.equal(result.done, done, `whenDeleted ${policy ?? 'Retain'}`);
    }
  });
  test('plan() waits while the anchor is being deleted', () => {
    const { cluster, desired } = running(desiredFrom(lws('d')));
    cluster.keepTerminating().from(planDeletion(desired, cluster.build()).actions);
    assert.deepEqual(plan(desired, cluster.build()).actions, []);
  });
});

describe('objects lws-fleet does not know', () => {
  test('pods with foreign names are left alone', () => {
    const { cluster, desired } = running(desiredFrom(lws('f').size(2)));
    const stray = structuredClone(cluster.pod('f-0-1'));
    stray.metadata = { ...stray.metadata, name: 'something-else', uid: 'x' };
    const obs = cluster.build();
    obs.pods.push(stray);
    assert.deepEqual(plan(desired, obs).actions, []);
  });
  test('describeActions gives one line per action', () => {
    const lines = describeActions(
      plan(desiredFrom(lws('f')), observed().namespace(false).build()).actions,
    );
    assert.equal(lines[0], 'create Namespace default: namespace default created');
  });
});
