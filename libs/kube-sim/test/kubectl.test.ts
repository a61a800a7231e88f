/**
 * kubectl conformance: the real binary ($KUBECTL or kubectl on PATH) against a simulated cluster.
 * Assertions avoid version-specific cosmetics so that kubectl 1.32 and Debian's 1.20 both pass.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import type { SimCluster } from '../src/sim';
import { eventually, kubectl, kubectlStream, startFleet, type TestFleet } from './helpers';

const POD = (env: string, image: string): string => `apiVersion: v1
kind: Pod
metadata:
  name: web-0
  labels: {app: web, tier: front, mode: ${env}}
spec:
  containers:
  - name: app
    image: ${image}
    env:
    - {name: MODE, value: "a"}
    - {name: KEEP, value: "yes"}
  - name: sidecar
    image: busybox:1.36
`;

const SERVICE = (port: number): string => `apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  clusterIP: None
  selector: {app: web}
  ports:
  - {name: http, port: ${port}}
`;

describe('kubectl conformance', { timeout: 120_000 }, () => {
  let fleet: TestFleet;
  let east: SimCluster;
  let kc: string;
  const run = (...args: string[]) => kubectl(fleet, kc, args);
  const file = (name: string, text: string): string => {
    const p = join(fleet.dir, name);
    writeFileSync(p, text);
    return p;
  };

  before(async () => {
    fleet = await startFleet({ clusters: ['east', 'west'] });
    east = fleet.sim.cluster('east');
    kc = east.kubeconfigPath;
  });

  after(async () => {
    await fleet.stop();
  });

  test('apply -f creates a pod and a headless service, and re-apply with a change configures them', async () => {
    let r = await run('apply', '-f', file('pod.yaml', POD('a', 'nginx:1.25')));
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /pod\/web-0 created/);
    r = await run('apply', '-f', file('svc.yaml', SERVICE(80)));
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /service\/web created/);

    r = await run('apply', '-f', file('pod.yaml', POD('b', 'nginx:1.26')));
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /pod\/web-0 configured/);
    const pod = east.store.get('pods', 'default', 'web-0')!;
    const containers = (
      pod.spec as { containers: Array<{ name: string; image: string; env: unknown[] }> }
    ).containers;
    // Strategic merge by container name: app's image changed, env and the sidecar kept, order kept.
    assert.deepEqual(
      containers.map((c) => `${c.name}=${c.image}`),
      ['app=nginx:1.26', 'sidecar=busybox:1.36'],
    );
    assert.deepEqual(containers[0].env, [
      { name: 'MODE', value: 'a' },
      { name: 'KEEP', value: 'yes' },
    ]);
    assert.equal(pod.metadata.labels?.mode, 'b');
    const patches = east.requestLog.filter((e) => e.verb === 'patch' && e.resource === 'pods');
    assert.ok(patches.length >= 1);
    assert.match(patches[patches.length - 1].contentType ?? '', /strategic-merge-patch/);

    // As on a real cluster, a pod's spec is immutable but for images (and a few more fields).
    r = await run(
      'apply',
      '-f',
      file('pod-env.yaml', POD('b', 'nginx:1.26').replace('value: "a"', 'value: "z"')),
    );
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /Forbidden: pod updates may not change fields other than/);

    r = await run('apply', '-f', file('svc.yaml', SERVICE(8080)));
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /service\/web configured/);
    const svc = east.store.get('services', 'default', 'web')!;
    assert.equal((svc.spec as { clusterIP: string }).clusterIP, 'None');
    assert.equal((svc.spec as { ports: Array<{ port: number }> }).ports[0].port, 8080);

    r = await run('apply', '-f', join(fleet.dir, 'svc.yaml'));
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /service\/web unchanged/);
  });

  test('get pods prints the server table with real values', async () => {
    await east.waitFor(
      (s) =>
        (s.peek('pods', 'default', 'web-0')?.status as { phase?: string })?.phase === 'Running',
    );
    await eventually(
      async () => {
        const r = await run('get', 'pods');
        assert.equal(r.code, 0, r.stderr);
        const [header, row] = r.stdout.trim().split('\n');
        assert.match(header, /^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s*$/);
        return /^web-0\s+2\/2\s+Running\s+0\s+\d+s\s*$/.test(row);
      },
      10_000,
      'web-0 2/2 Running',
    );
    const wide = await run('get', 'pods', '-o', 'wide');
    assert.match(wide.stdout.split('\n')[0], /IP\s+NODE\s+NOMINATED NODE\s+READINESS GATES/);
    assert.match(wide.stdout, /east-[a-z]-r\d-\w+-\d/);
    const svc = await run('get', 'svc', 'web');
    assert.match(svc.stdout, /^NAME\s+TYPE\s+CLUSTER-IP\s+EXTERNAL-IP\s+PORT\(S\)\s+AGE/);
    assert.match(svc.stdout, /web\s+ClusterIP\s+None\s+<none>\s+8080\/TCP/);
    const ns = await run('get', 'namespaces');
    assert.match(ns.stdout, /kube-system\s+Active/);
  });

  test('get -o json and -o yaml return the object', async () => {
    const j = await run('get', 'pod', 'web-0', '-o', 'json');
    assert.equal(j.code, 0, j.stderr);
    const pod = JSON.parse(j.stdout);
    assert.equal(pod.kind, 'Pod');
    assert.equal(pod.metadata.name, 'web-0');
    assert.match(pod.metadata.uid, /^[0-9a-f-]{36}$/);
    assert.equal(pod.status.phase, 'Running');
    const y = await run('get', 'pod', 'web-0', '-o', 'yaml');
    assert.equal(y.code, 0, y.stderr);
    assert.match(y.stdout, /^kind: Pod$/m);
    assert.match(y.stdout, /^ {2}name: web-0$/m);
    const list = await run('get', 'pods', '-o', 'json');
    assert.equal(JSON.parse(list.stdout).items.length, 1);
  });

  test('get --selector filters by label', async () => {
    let r = await run('run', 'db-0', '--image=postgres:16', '--labels=app=db', '--restart=Never');
    assert.equal(r.code, 0, r.stderr);
    r = await run('get', 'pods', '--selector', 'app=web', '-o', 'name');
    assert.deepEqual(r.stdout.trim().split('\n'), ['pod/web-0']);
    r = await run('get', 'pods', '-l', 'app in (web,db),tier!=front', '-o', 'name');
    assert.deepEqual(r.stdout.trim().split('\n'), ['pod/db-0']);
    r = await run('get', 'pods', '--field-selector', 'metadata.name=db-0', '-o', 'name');
    assert.deepEqual(r.stdout.trim().split('\n'), ['pod/db-0']);
    r = await run('get', 'pods', '-l', 'app=(');
    assert.notEqual(r.code, 0);
  });

  test('get -w streams table rows for changes', async () => {
    const w = kubectlStream(fleet, kc, ['get', 'pods', '-w']);
    try {
      await w.waitFor(/web-0\s+2\/2\s+Running/);
      const r = await run('run', 'watched-0', '--image=nginx', '--restart=Never');
      assert.equal(r.code, 0, r.stderr);
      const out = await w.waitFor(/watched-0\s+\d\/1\s+Running/, 10_000);
      assert.equal(out.match(/^NAME\s+READY\s+STATUS/gm)?.length, 1, 'headers printed once');
      assert.match(out, /watched-0\s+0\/1\s+(Pending|ContainerCreating)/);
    } finally {
      await w.stop();
    }
  });

  test('describe pod shows the pod and its events', async () => {
    const r = await run('describe', 'pod', 'web-0');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Name:\s+web-0$/m);
    assert.match(r.stdout, /^Namespace:\s+default$/m);
    assert.match(r.stdout, /^Status:\s+Running$/m);
    assert.match(r.stdout, /Image:\s+nginx:1\.26/);
    assert.match(r.stdout, /Scheduled\s+.*Successfully assigned default\/web-0 to /);
  });

  test('get events, get pvc and logs', async () => {
    const ev = await run('get', 'events');
    assert.equal(ev.code, 0, ev.stderr);
    assert.match(ev.stdout.split('\n')[0], /^LAST SEEN\s+TYPE\s+REASON\s+OBJECT\s+MESSAGE/);
    assert.match(ev.stdout, /Normal\s+Scheduled\s+pod\/web-0\s+Successfully assigned/);
    const pvc = `apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data-web-0}
spec:
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 1Gi}}
`;
    let r = await run('apply', '-f', file('pvc.yaml', pvc));
    assert.equal(r.code, 0, r.stderr);
    await eventually(
      async () => {
        r = await run('get', 'pvc');
        assert.match(
          r.stdout.split('\n')[0],
          /^NAME\s+STATUS\s+VOLUME\s+CAPACITY\s+ACCESS MODES\s+STORAGECLASS/,
        );
        return /data-web-0\s+Bound\s+\S+\s+1Gi\s+RWO/.test(r.stdout);
      },
      10_000,
      'pvc Bound',
    );
    r = await run('logs', 'web-0', '-c', 'app');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /simulated/);
  });

  test('delete --wait returns once the pod is gone', async () => {
    const r = await kubectl(fleet, kc, ['delete', 'pod', 'web-0', '--wait=true'], {
      timeoutMs: 30_000,
    });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /pod "web-0" deleted/);
    assert.equal(east.store.get('pods', 'default', 'web-0'), undefined);
    const g = await run('get', 'pod', 'web-0');
    assert.equal(g.code, 1);
    assert.match(g.stderr, /Error from server \(NotFound\): pods "web-0" not found/);
  });

  test('get nodes -L rack shows the topology labels', async () => {
    const r = await run('get', 'nodes', '-L', 'rack');
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.match(lines[0], /^NAME\s+STATUS\s+ROLES\s+AGE\s+VERSION\s+RACK\s*$/);
    assert.equal(lines.length - 1, east.store.count('nodes'));
    assert.match(r.stdout, /east-a-r1-gpu-1\s+Ready\s+<none>\s+\S+\s+v1\.32\.\d+\s+zone-a-rack-1/);
  });

  test('typed-client commands that send protobuf: create namespace/configmap/secret, cordon and drain', async () => {
    let r = await run('create', 'namespace', 'team-a');
    assert.equal(r.code, 0, r.stderr);
    r = await run(
      'create',
      'configmap',
      'cfg',
      '-n',
      'team-a',
      '--from-literal=a=1',
      '--from-literal=b=2',
    );
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(east.store.get('configmaps', 'team-a', 'cfg')?.data, { a: '1', b: '2' });
    r = await run(
      'create',
      'secret',
      'generic',
      'token',
      '-n',
      'team-a',
      '--from-literal=t=s3cret',
    );
    assert.equal(r.code, 0, r.stderr);
    assert.equal(
      (east.store.get('secrets', 'team-a', 'token')?.data as { t?: string } | undefined)?.t,
      Buffer.from('s3cret').toString('base64'),
    );
    r = await run('get', 'secrets', '-n', 'team-a');
    assert.match(r.stdout, /token\s+Opaque\s+1/);

    r = await run('run', 'drained', '--image=nginx', '--restart=Never', '-n', 'team-a');
    assert.equal(r.code, 0, r.stderr);
    await east.waitFor(
      (s) => !!(s.peek('pods', 'team-a', 'drained')?.spec as { nodeName?: string })?.nodeName,
    );
    const node = (east.store.get('pods', 'team-a', 'drained')!.spec as { nodeName: string })
      .nodeName;
    r = await kubectl(
      fleet,
      kc,
      ['drain', node, '--force', '--ignore-daemonsets', '--timeout=30s'],
      { timeoutMs: 40_000 },
    );
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /drained/);
    assert.equal(east.store.get('pods', 'team-a', 'drained'), undefined);
    assert.equal(
      (east.store.get('nodes', undefined, node)!.spec as { unschedulable?: boolean }).unschedulable,
      true,
    );
    r = await run('uncordon', node);
    assert.equal(r.code, 0, r.stderr);
    r = await kubectl(fleet, kc, ['delete', 'namespace', 'team-a', '--wait=true'], {
      timeoutMs: 30_000,
    });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(east.store.get('namespaces', undefined, 'team-a'), undefined);
  });

  test('the merged kubeconfig has one context per cluster', async () => {
    const r = await kubectl(fleet, fleet.sim.kubeconfigPath, [
      '--context',
      'west',
      'get',
      'nodes',
      '-o',
      'name',
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /node\/west-a-r1-gpu-1/);
    assert.doesNotMatch(r.stdout, /east-/);
  });

  test('errors carry the real Status reason', async () => {
    let r = await run('run', 'db-0', '--image=postgres:16', '--restart=Never');
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /AlreadyExists/);
    r = await run('get', 'pods', '-n', 'nope');
    assert.equal(r.code, 0);
    r = await run('run', 'x', '--image=nginx', '-n', 'nope', '--restart=Never');
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /namespaces "nope" not found/);
  });
});
