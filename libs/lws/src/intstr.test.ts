import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { percentValue, scaledValueFromIntOrPercent } from './intstr';

describe('scaledValueFromIntOrPercent (intstr.GetScaledValueFromIntOrPercent)', () => {
  const cases: [number | string, number, boolean, number][] = [
    [3, 10, false, 3],
    [3, 10, true, 3],
    ['25%', 2, false, 0],
    ['25%', 2, true, 1],
    ['50%', 3, false, 1],
    ['50%', 3, true, 2],
    ['100%', 7, false, 7],
    ['0%', 7, true, 0],
    ['1%', 0, true, 0],
    ['+5%', 100, false, 5],
  ];
  for (const [value, total, roundUp, expected] of cases) {
    test(`${JSON.stringify(value)} of ${total} rounded ${roundUp ? 'up' : 'down'} is ${expected}`, () => {
      assert.deepEqual(scaledValueFromIntOrPercent(value, total, roundUp), {
        ok: true,
        value: expected,
      });
    });
  }

  test('a string without % is an error', () => {
    assert.deepEqual(scaledValueFromIntOrPercent('5', 10, false), {
      ok: false,
      error: 'invalid type: string is not a percentage',
    });
  });

  test('a non-numeric percent is an error', () => {
    assert.equal(scaledValueFromIntOrPercent('abc%', 10, false).ok, false);
    assert.equal(scaledValueFromIntOrPercent('%', 10, false).ok, false);
  });

  test('percentValue reads only valid percents', () => {
    assert.equal(percentValue('42%'), 42);
    assert.equal(percentValue('-1%'), undefined);
    assert.equal(percentValue(42), undefined);
  });
});
