import { describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { bootstrapObjects, buildNodes, defaultTopology } from './topology';

describe('topology', () => {
  test('default: 2 zones × 4 racks × (4 gpu-8x + 1 cpu-64), readable deterministic names', () => {
    const nodes = buildNodes(defaultTopology(), 'east');
    assert.equal(nodes.length, 40);
    const names = nodes.map((n) => n.metadata.name);
    assert.equal(new Set(names).size, 40);
    assert.deepEqual(names.slice(0, 5), [
      'east-a-r1-gpu-1',
      'east-a-r1-gpu-2',
      'east-a-r1-gpu-3',
      'east-a-r1-gpu-4',
      'east-a-r1-cpu-1',
    ]);
    assert.equal(names[39], 'east-b-r4-cpu-1');
    assert.deepEqual(buildNodes(defaultTopology(), 'east'), nodes);
  });

  test('gpu and cpu shapes with labels and status', () => {
    const [gpu, , , , cpu] = buildNodes(defaultTopology(), 'west');
    assert.deepEqual(
      {
        host: gpu.metadata.labels?.['kubernetes.io/hostname'],
        zone: gpu.metadata.labels?.['topology.kubernetes.io/zone'],
        rack: gpu.metadata.labels?.rack,
        type: gpu.metadata.labels?.['node.kubernetes.io/instance-type'],
      },
      { host: 'west-a-r1-gpu-1', zone: 'zone-a', rack: 'zone-a-rack-1', type: 'gpu-8x' },
    );
    const status = gpu.status as {
      allocatable: Record<string, string>;
      conditions: Array<{ type: string; status: string }>;
    };
    assert.equal(status.allocatable['nvidia.com/gpu'], '8');
    assert.equal(status.allocatable.cpu, '96');
    assert.equal(status.allocatable.memory, '1Ti');
    assert.equal(status.conditions.find((c) => c.type === 'Ready')?.status, 'True');
    const cpuStatus = cpu.status as { allocatable: Record<string, string> };
    assert.equal(cpu.metadata.labels?.['node.kubernetes.io/instance-type'], 'cpu-64');
    assert.equal(cpuStatus.allocatable['nvidia.com/gpu'], undefined);
    assert.equal(cpuStatus.allocatable.memory, '256Gi');
  });

  test('configurable zones, racks and shapes', () => {
    const nodes = buildNodes(
      {
        zones: 3,
        racksPerZone: 1,
        rack: [
          {
            shape: { instanceType: 'h100-8x', name: 'h100', cpu: '192', memory: '2Ti', gpus: 8 },
            count: 2,
          },
        ],
      },
      'c',
    );
    assert.equal(nodes.length, 6);
    assert.equal(nodes[5].metadata.name, 'c-c-r1-h100-2');
    assert.equal(nodes[5].metadata.labels?.['topology.kubernetes.io/zone'], 'zone-c');
  });

  test('bootstrap objects: system namespaces first, then nodes', () => {
    const objs = bootstrapObjects('east');
    assert.deepEqual(
      objs.slice(0, 4).map((o) => o.object.metadata.name),
      ['default', 'kube-system', 'kube-public', 'kube-node-lease'],
    );
    assert.equal(objs.filter((o) => o.resource === 'nodes').length, 40);
  });
});
