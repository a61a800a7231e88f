import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { SecretBox, loadEncryptionKey, parseEncryptionKey } from './secret-box';

describe('SecretBox', () => {
  test('seals to ciphertext that does not contain the plaintext, and opens it again', () => {
    const box = new SecretBox(randomBytes(32));
    const sealed = box.seal('token: abc123');
    assert.match(sealed, /^v1:/);
    assert.ok(!sealed.includes('abc123'));
    assert.notEqual(box.seal('token: abc123'), sealed, 'a fresh nonce each time');
    assert.equal(box.open(sealed), 'token: abc123');
  });

  test('refuses to open with another key or tampered data', () => {
    const sealed = new SecretBox(randomBytes(32)).seal('x');
    assert.throws(
      () => new SecretBox(randomBytes(32)).open(sealed),
      /wrong LWS_ENCRYPTION_KEY or tampered/,
    );
  });

  test('parses hex and base64 keys and refuses others, without echoing them', () => {
    const key = randomBytes(32);
    assert.deepEqual(parseEncryptionKey(key.toString('hex')), key);
    assert.deepEqual(parseEncryptionKey(key.toString('base64')), key);
    assert.throws(
      () => parseEncryptionKey('short-key'),
      (e: Error) => /32 bytes/.test(e.message) && !e.message.includes('short-key'),
    );
  });

  test('generates a development key once and warns each load', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'lws-key-')), 'dev', 'encryption.key');
    const warnings: string[] = [];
    const first = loadEncryptionKey(undefined, path, (m) => warnings.push(m));
    const second = loadEncryptionKey('', path, (m) => warnings.push(m));
    assert.deepEqual(first, second);
    assert.equal(warnings.length, 2);
    assert.match(warnings[0], /generated into/);
    assert.ok(!warnings.join().includes(readFileSync(path, 'utf8').trim()));
  });
});
