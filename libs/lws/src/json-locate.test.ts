import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { locateJsonError } from './json-locate';

describe('locateJsonError', () => {
  const valid = [
    '{"a": {"b": 1}, "c": {"b": 2}}',
    '[{"e": 1}, {"e": 2}]',
    '{}',
    '[]',
    '{"a": [1, -2.5e3, "x\\n\\u00e9", true, false, null]}',
    ' 0 ',
  ];
  for (const text of valid) {
    test(`finds nothing wrong in ${text}`, () => {
      assert.equal(locateJsonError(text), undefined);
      assert.doesNotThrow(() => JSON.parse(text));
    });
  }

  const invalid: [string, number, string][] = [
    ['{"a": }', 6, "expected a value, found '}'"],
    ['{"a" 1}', 5, "expected ':', found '1'"],
    ['{a: 1}', 1, "expected a double-quoted property name, found 'a'"],
    ['{"a": 1,}', 8, "expected a double-quoted property name, found '}'"],
    ['[1 2]', 3, "expected ',' or ']', found '2'"],
    ['{"a": 1', 7, "expected ',' or '}', found end of input"],
    ['{"a": "x', 8, 'unterminated string'],
    ['{} {}', 3, "unexpected '{' after the end of the value"],
    ['{"a": 01}', 7, "expected ',' or '}', found '1'"],
    ['{"a": 1, "b": {"c": 1}, "a": 2}', 24, 'duplicate key "a"'],
  ];
  for (const [text, offset, reason] of invalid) {
    test(`locates the error in ${text}`, () => {
      if (!reason.startsWith('duplicate')) assert.throws(() => JSON.parse(text));
      assert.deepEqual(locateJsonError(text), { offset, reason });
    });
  }
});
