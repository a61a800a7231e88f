import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { checkKubeconfig } from './kubeconfig';

const SECRET = 'sEcReT-t0ken-never-shown';

function kubeconfig(user: string, server = 'http://127.0.0.1:6443', extra = ''): string {
  return `apiVersion: v1
kind: Config
current-context: east
clusters:
- name: east
  cluster:
    server: ${server}
    insecure-skip-tls-verify: true
contexts:
- name: east
  context: { cluster: east, user: admin }
users:
- name: admin
  user:
${user}
${extra}`;
}

describe('checkKubeconfig', () => {
  const accepted: Array<[string, string, string]> = [
    ['token', `    token: ${SECRET}`, 'token'],
    [
      'client certificate',
      '    client-certificate-data: Y2VydA==\n    client-key-data: a2V5',
      'client-certificate',
    ],
    ['basic auth', '    username: admin\n    password: pw', 'basic-auth'],
  ];
  for (const [name, user, kind] of accepted) {
    test(`accepts ${name} credentials`, () => {
      const result = checkKubeconfig(kubeconfig(user));
      assert.equal(result.ok, true);
      if (result.ok) {
        assert.equal(result.summary.credentialKind, kind);
        assert.equal(result.summary.server, 'http://127.0.0.1:6443');
        assert.equal(result.summary.context, 'east');
      }
    });
  }

  const refused: Array<[string, string, string, RegExp]> = [
    ['empty', '', 'kubeconfig', /is empty/],
    ['not YAML', 'a: [1, 2\nb: {', 'kubeconfig', /not valid YAML at line \d+, column \d+/],
    ['a YAML list', '- a\n- b', 'kubeconfig', /must be a YAML mapping/],
    [
      'no current context',
      kubeconfig(`    token: x`).replace('current-context: east\n', ''),
      'current-context',
      /is required/,
    ],
    [
      'unknown current context',
      kubeconfig(`    token: x`).replace('current-context: east', 'current-context: west'),
      'current-context',
      /"west", which is not in contexts/,
    ],
    [
      'no server',
      kubeconfig(`    token: x`).replace('    server: http://127.0.0.1:6443\n', ''),
      'clusters[east].cluster.server',
      /is required/,
    ],
    [
      'bad server URL',
      kubeconfig(`    token: x`, 'not a url'),
      'clusters[east].cluster.server',
      /not a valid URL/,
    ],
    [
      'ftp server URL',
      kubeconfig(`    token: x`, 'ftp://host'),
      'clusters[east].cluster.server',
      /http or https/,
    ],
    ['no credentials', kubeconfig(`    {}`), 'users[admin].user', /has no credentials/],
    [
      'exec plugin',
      kubeconfig(`    exec: { command: aws, apiVersion: client.authentication.k8s.io/v1 }`),
      'users[admin].user.exec',
      /not a supported credential kind/,
    ],
    [
      'certificate file',
      kubeconfig(`    client-certificate: /etc/cert.pem\n    client-key-data: a2V5`),
      'users[admin].user.client-certificate',
      /inline it as client-certificate-data/,
    ],
    [
      'key without cert',
      kubeconfig(`    client-key-data: a2V5`),
      'users[admin].user.client-certificate-data',
      /is required with client-key-data/,
    ],
  ];
  for (const [name, text, field, message] of refused) {
    test(`refuses ${name}, naming ${field}`, () => {
      const result = checkKubeconfig(text);
      assert.equal(result.ok, false);
      if (!result.ok) {
        const problem = result.problems.find((p) => p.field === field);
        assert.ok(
          problem,
          `expected a problem at ${field}, got ${JSON.stringify(result.problems)}`,
        );
        assert.match(problem.message, message);
      }
    });
  }

  test('never repeats secret content in a problem, even for broken YAML next to a token', () => {
    const broken = kubeconfig(`    token: ${SECRET}`) + '\n  bad: [unclosed';
    for (const text of [broken, kubeconfig(`    token: ${SECRET}`, 'nope')]) {
      const result = checkKubeconfig(text);
      assert.equal(result.ok, false);
      assert.ok(!JSON.stringify(result).includes(SECRET));
    }
  });
});
