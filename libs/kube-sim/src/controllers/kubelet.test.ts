import { describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { pod } from './test-builders';
import { condition, containerStatus, phase, testCluster } from './test-cluster';
import { goDuration } from './kubelet';

type Rec = Record<string, unknown>;

describe('kubelet: pod lifecycle', () => {
  test('Pending/ContainerCreating → Running after podStartDelay → Ready after podReadyDelay', () => {
    const c = testCluster(); // test profile: start 1000 ms, ready 1000 ms
    c.create(pod('p').obj());
    let p = c.pod('p');
    assert.equal(phase(p), 'Pending');
    assert.deepEqual(containerStatus(p).state, { waiting: { reason: 'ContainerCreating' } });
    const status = p!.status as Rec;
    assert.match(String(status.podIP), /^10\.244\.\d+\.\d+$/);
    assert.equal(status.hostIP, '10.0.0.2');
    assert.equal(condition(p, 'Initialized')?.status, 'True');
    assert.equal(condition(p, 'Ready')?.status, 'False');

    c.advance(999);
    assert.equal(phase(c.pod('p')), 'Pending');
    c.advance(1);
    p = c.pod('p');
    assert.equal(phase(p), 'Running');
    assert.ok((containerStatus(p).state as Rec).running);
    assert.equal(containerStatus(p).started, true);
    assert.equal(containerStatus(p).ready, false);
    assert.equal(condition(p, 'Ready')?.status, 'False');
    assert.equal(c.events('Started', 'p').length, 1);

    c.advance(1000);
    p = c.pod('p');
    assert.equal(containerStatus(p).ready, true);
    assert.equal(condition(p, 'ContainersReady')?.status, 'True');
    assert.equal(condition(p, 'Ready')?.status, 'True');
    assert.equal(containerStatus(p).restartCount, 0);
    // Idle afterwards: no timers left behind for a running pod.
    assert.equal(c.clock.pendingTimers(), 0);
    c.stop();
  });

  test('a whole lifecycle in one advance (timers set by work inside the window fire too)', () => {
    const c = testCluster();
    c.create(pod('p').obj());
    c.clock.advance(5000);
    assert.equal(condition(c.pod('p'), 'Ready')?.status, 'True');
    c.stop();
  });

  test('crash: restartCount, lastState.terminated, CrashLoopBackOff, restart after back-off, phase Running', () => {
    const c = testCluster(); // back-off 10 s doubling
    c.create(pod('p').obj());
    c.advance(2000);
    c.ctl.faults.crashContainer('default', 'p', 'main', { exitCode: 137, reason: 'OOMKilled' });
    c.ctl.flush();
    let p = c.pod('p');
    let cs = containerStatus(p);
    assert.equal(cs.restartCount, 1);
    assert.deepEqual(
      {
        exitCode: (cs.lastState as Rec & { terminated: Rec }).terminated.exitCode,
        reason: (cs.lastState as Rec & { terminated: Rec }).terminated.reason,
      },
      { exitCode: 137, reason: 'OOMKilled' },
    );
    const waiting = (cs.state as { waiting: { reason: string; message: string } }).waiting;
    assert.equal(waiting.reason, 'CrashLoopBackOff');
    assert.equal(
      waiting.message,
      `back-off 10s restarting failed container=main pod=p_default(${p!.metadata.uid})`,
    );
    assert.equal(phase(p), 'Running');
    assert.equal(condition(p, 'Ready')?.status, 'False');
    assert.equal(c.events('BackOff', 'p').length, 1);

    c.advance(9999);
    assert.ok((containerStatus(c.pod('p')).state as Rec).waiting);
    c.advance(1);
    cs = containerStatus(c.pod('p'));
    assert.ok((cs.state as Rec).running);
    assert.equal(cs.restartCount, 1);
    c.advance(1000);
    p = c.pod('p');
    assert.equal(condition(p, 'Ready')?.status, 'True');
    c.stop();
  });

  test('repeated crashes double the back-off', () => {
    const c = testCluster();
    c.create(pod('p').obj());
    c.advance(2000);
    c.ctl.faults.crashContainer('default', 'p', 'main', { times: 3 });
    c.ctl.flush();
    assert.equal(containerStatus(c.pod('p')).restartCount, 1);
    c.advance(10_000);
    assert.equal(containerStatus(c.pod('p')).restartCount, 2);
    assert.match(
      String(((containerStatus(c.pod('p')).state as Rec).waiting as Rec).message),
      /^back-off 20s/,
    );
    c.advance(20_000);
    assert.equal(containerStatus(c.pod('p')).restartCount, 3);
    assert.match(
      String(((containerStatus(c.pod('p')).state as Rec).waiting as Rec).message),
      /^back-off 40s/,
    );
    c.advance(40_000);
    assert.ok((containerStatus(c.pod('p')).state as Rec).running);
    assert.equal(containerStatus(c.pod('p')).restartCount, 3);
    // One BackOff event, counted three times (client-go's aggregation).
    const backoffs = c.events('BackOff', 'p');
    assert.equal(backoffs.length, 1);
    assert.equal(backoffs[0].count, 3);
    c.stop();
  });

  test('crashing a container the pod does not have is refused', () => {
    const c = testCluster();
    c.create(pod('p').obj());
    assert.throws(
      () => c.ctl.faults.crashContainer('default', 'p', 'nope'),
      /container "nope" not found/,
    );
    c.stop();
  });

  test('back-off durations print as Go durations', () => {
    assert.deepEqual([100, 10_000, 80_000, 300_000, 3_600_000].map(goDuration), [
      '100ms',
      '10s',
      '1m20s',
      '5m0s',
      '1h0m0s',
    ]);
  });

  test('ten minutes of clean running reset the back-off', () => {
    const c = testCluster();
    c.create(pod('p').obj());
    c.advance(2000);
    c.ctl.faults.crashContainer('default', 'p', 'main', { times: 2 });
    c.advance(10_000); // second crash: back-off 20 s
    c.advance(20_000);
    assert.ok((containerStatus(c.pod('p')).state as Rec).running);
    c.advance(60_000);
    c.ctl.faults.crashContainer('default', 'p', 'main');
    c.ctl.flush();
    assert.match(
      String(((containerStatus(c.pod('p')).state as Rec).waiting as Rec).message),
      /^back-off 40s/,
    );
    c.advance(40_000 + 10 * 60_000);
    c.ctl.faults.crashContainer('default', 'p', 'main');
    c.ctl.flush();
    assert.match(
      String(((containerStatus(c.pod('p')).state as Rec).waiting as Rec).message),
      /^back-off 10s/,
    );
    c.stop();
  });

  test('restartPolicy Never: a crash fails the pod', () => {
    const c = testCluster();
    c.create(pod('job').restartPolicy('Never').obj());
    c.advance(2000);
    c.ctl.faults.crashContainer('default', 'job', 'main', { exitCode: 2 });
    c.ctl.flush();
    const p = c.pod('job');
    assert.equal(phase(p), 'Failed');
    assert.equal(((containerStatus(p).state as Rec).terminated as Rec).exitCode, 2);
    assert.equal(containerStatus(p).restartCount, 0);
    c.stop();
  });

  test('graceful deletion: Killing, then removed after the stop delay (bounded by the grace period)', () => {
    const c = testCluster(); // stop delay 500 ms
    c.create(pod('p').obj());
    c.create(pod('quick').grace(0).obj());
    c.advance(2000);
    c.store.delete('pods', 'default', 'p');
    c.ctl.flush();
    assert.ok(c.pod('p')?.metadata.deletionTimestamp);
    assert.equal(c.events('Killing', 'p').length, 1);
    c.advance(499);
    assert.ok(c.pod('p'));
    c.advance(1);
    assert.equal(c.pod('p'), undefined);
    // A 1 s grace period with a longer stop delay: the grace period wins.
    const slow = testCluster({ profile: { podStopDelayMs: 60_000 } });
    slow.create(pod('p').grace(1).obj());
    slow.advance(2000);
    slow.store.delete('pods', 'default', 'p');
    slow.advance(1000);
    assert.equal(slow.pod('p'), undefined);
    c.stop();
    slow.stop();
  });

  test('fault stuckPending keeps the pod Pending with the reason until cleared', () => {
    const c = testCluster();
    c.ctl.faults.stuckPending('default', 'p', 'ErrImagePull');
    c.create(pod('p').obj());
    c.advance(60_000);
    assert.equal(phase(c.pod('p')), 'Pending');
    assert.equal(
      ((containerStatus(c.pod('p')).state as Rec).waiting as Rec).reason,
      'ErrImagePull',
    );
    c.ctl.faults.clearStuck('default', 'p');
    c.advance(2000);
    assert.equal(condition(c.pod('p'), 'Ready')?.status, 'True');
    c.stop();
  });

  test('fault slowStart delays the start by its ms', () => {
    const c = testCluster();
    c.ctl.faults.slowStart('default', 'p', 5000);
    c.create(pod('p').obj());
    c.advance(5999);
    assert.equal(phase(c.pod('p')), 'Pending');
    c.advance(1);
    assert.equal(phase(c.pod('p')), 'Running');
    c.stop();
  });

  test('fault setReady flaps readiness while Running', () => {
    const c = testCluster();
    c.create(pod('p').obj());
    c.advance(2000);
    c.ctl.faults.setReady('default', 'p', false);
    c.ctl.flush();
    assert.equal(condition(c.pod('p'), 'Ready')?.status, 'False');
    assert.equal(phase(c.pod('p')), 'Running');
    c.ctl.faults.setReady('default', 'p', true);
    c.ctl.flush();
    assert.equal(condition(c.pod('p'), 'Ready')?.status, 'True');
    c.stop();
  });

  test('fault failPod: phase Failed, reason Evicted', () => {
    const c = testCluster();
    c.create(pod('p').obj());
    c.advance(2000);
    c.ctl.faults.failPod('default', 'p');
    c.ctl.flush();
    const status = c.pod('p')!.status as Rec;
    assert.deepEqual([status.phase, status.reason], ['Failed', 'Evicted']);
    assert.equal(condition(c.pod('p'), 'Ready')?.status, 'False');
    c.stop();
  });

  test('fault stuckTerminating: the kubelet ignores the deletion until cleared', () => {
    const c = testCluster();
    c.create(pod('p').obj());
    c.advance(2000);
    c.ctl.faults.stuckTerminating('default', 'p');
    c.store.delete('pods', 'default', 'p');
    c.advance(10_000);
    assert.ok(c.pod('p')?.metadata.deletionTimestamp);
    c.ctl.faults.clearStuck('default', 'p');
    c.advance(1000);
    assert.equal(c.pod('p'), undefined);
    c.stop();
  });

  test('pod annotations override the start and ready delays, or keep the pod Pending', () => {
    const c = testCluster();
    const annotated = pod('p').obj();
    annotated.metadata.annotations = {
      'kube-sim.lws-fleet.io/start-delay-ms': '5000',
      'kube-sim.lws-fleet.io/ready-delay-ms': '0',
    };
    c.create(annotated);
    c.advance(4999);
    assert.equal(phase(c.pod('p')), 'Pending');
    c.advance(1);
    assert.equal(condition(c.pod('p'), 'Ready')?.status, 'True');
    const stuck = pod('s').obj();
    stuck.metadata.annotations = { 'kube-sim.lws-fleet.io/stuck-pending': 'ImagePullBackOff' };
    c.create(stuck);
    c.advance(60_000);
    assert.equal(
      ((containerStatus(c.pod('s')).state as Rec).waiting as Rec).reason,
      'ImagePullBackOff',
    );
    c.ctl.faults.clearStuck('default', 's');
    c.advance(2000);
    assert.equal(condition(c.pod('s'), 'Ready')?.status, 'True');
    c.stop();
  });

  test('readiness gates: Ready waits for the gate condition, set by someone else', () => {
    const c = testCluster();
    const p = pod('p').obj();
    (p.spec as Rec).readinessGates = [{ conditionType: 'example.com/lb-ready' }];
    c.create(p);
    c.advance(2000);
    assert.equal(condition(c.pod('p'), 'ContainersReady')?.status, 'True');
    assert.equal(condition(c.pod('p'), 'Ready')?.reason, 'ReadinessGatesNotReady');
    c.store.mutate('pods', 'default', 'p', (o) => {
      const status = o.status as { conditions: Rec[] };
      status.conditions.push({ type: 'example.com/lb-ready', status: 'True' });
    });
    c.ctl.flush();
    assert.equal(condition(c.pod('p'), 'Ready')?.status, 'True');
    c.stop();
  });

  test('init containers are reported completed (sidecars running)', () => {
    const c = testCluster();
    const p = pod('p').obj();
    (p.spec as Rec).initContainers = [
      { name: 'setup', image: 'busybox' },
      { name: 'proxy', image: 'envoy', restartPolicy: 'Always' },
    ];
    c.create(p);
    c.advance(2000);
    const inits = ((c.pod('p')!.status as Rec).initContainerStatuses as Array<Rec>) ?? [];
    assert.deepEqual(
      inits.map((s) => [s.name, Object.keys(s.state as Rec)[0]]),
      [
        ['setup', 'terminated'],
        ['proxy', 'running'],
      ],
    );
    assert.equal(condition(c.pod('p'), 'Ready')?.status, 'True');
    c.stop();
  });
});
