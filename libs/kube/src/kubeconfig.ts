/**
 * Kubeconfig validation for cluster registration. A kubeconfig is a secret: nothing here ever puts
 * any of its content (tokens, keys, even YAML snippets) into an error message or a log line.
 */
import { parseDocument } from 'yaml';

export type CredentialKind = 'token' | 'client-certificate' | 'basic-auth';

export interface KubeconfigSummary {
  context: string;
  cluster: string;
  user: string;
  server: string;
  credentialKind: CredentialKind;
}

export interface KubeconfigProblem {
  /** Where in the kubeconfig, e.g. `users[admin].user`. */
  field: string;
  message: string;
}

export type KubeconfigCheck =
  { ok: true; summary: KubeconfigSummary } | { ok: false; problems: KubeconfigProblem[] };

/** The largest kubeconfig accepted (real ones are a few KiB; certificates included). */
export const MAX_KUBECONFIG_BYTES = 256 * 1024;

type Named<T> = { name?: unknown } & Record<string, unknown> & T;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function findNamed(list: unknown, name: string): Named<object> | undefined {
  if (!Array.isArray(list)) return undefined;
  return list.find((entry): entry is Named<object> => isRecord(entry) && entry.name === name);
}

function nonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value.trim().length > 0;
}

/**
 * Checks that `text` is a usable kubeconfig: YAML, a current context that exists, a cluster with an
 * http(s) server URL, and a user with inline credentials of a supported kind (bearer token, client
 * certificate and key data, or basic auth). File references and exec/auth-provider plugins are refused:
 * the workers that use the kubeconfig run elsewhere and have neither the files nor the plugins.
 */
export function checkKubeconfig(text: string): KubeconfigCheck {
  const fail = (field: string, message: string): KubeconfigCheck => ({
    ok: false,
    problems: [{ field, message }],
  });
  if (typeof text !== 'string' || text.trim() === '') return fail('kubeconfig', 'is empty');
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > MAX_KUBECONFIG_BYTES) {
    return fail('kubeconfig', `is ${bytes} bytes; the limit is ${MAX_KUBECONFIG_BYTES} bytes`);
  }

  const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    // Only the position: the parser's own message quotes the offending source line, which may be a secret.
    const first = doc.errors[0];
    const offset = first.pos[0];
    const before = text.slice(0, offset).split('\n');
    const where = ` at line ${before.length}, column ${before[before.length - 1].length + 1}`;
    return fail('kubeconfig', `is not valid YAML${where} (${first.code})`);
  }
  const root: unknown = doc.toJS();
  if (!isRecord(root)) return fail('kubeconfig', 'must be a YAML mapping (a kubeconfig file)');
  if (root.kind !== undefined && root.kind !== 'Config') {
    return fail('kind', `must be Config, not ${JSON.stringify(root.kind).slice(0, 40)}`);
  }

  const problems: KubeconfigProblem[] = [];
  const contextName = root['current-context'];
  if (!nonEmptyString(contextName)) {
    return fail('current-context', 'is required: name the context lws-fleet should use');
  }
  const context = findNamed(root.contexts, contextName);
  if (!context || !isRecord(context.context)) {
    return fail('current-context', `names context "${contextName}", which is not in contexts`);
  }
  const clusterName = context.context.cluster;
  const userName = context.context.user;
  if (!nonEmptyString(clusterName))
    problems.push({ field: `contexts[${contextName}].context.cluster`, message: 'is required' });
  if (!nonEmptyString(userName))
    problems.push({ field: `contexts[${contextName}].context.user`, message: 'is required' });
  if (problems.length) return { ok: false, problems };

  const cluster = findNamed(root.clusters, clusterName as string);
  let server = '';
  if (!cluster || !isRecord(cluster.cluster)) {
    problems.push({
      field: 'clusters',
      message: `has no cluster named "${clusterName}" (used by context "${contextName}")`,
    });
  } else {
    const rawServer = cluster.cluster.server;
    if (!nonEmptyString(rawServer)) {
      problems.push({
        field: `clusters[${clusterName}].cluster.server`,
        message: 'is required (the API server URL)',
      });
    } else {
      try {
        const url = new URL(rawServer);
        if (url.protocol !== 'https:' && url.protocol !== 'http:') {
          problems.push({
            field: `clusters[${clusterName}].cluster.server`,
            message: `must be an http or https URL, not ${url.protocol}`,
          });
        } else if (url.username || url.password) {
          problems.push({
            field: `clusters[${clusterName}].cluster.server`,
            message: 'must not carry credentials in the URL',
          });
        } else {
          server = url.toString().replace(/\/$/, '');
        }
      } catch {
        problems.push({
          field: `clusters[${clusterName}].cluster.server`,
          message: 'is not a valid URL',
        });
      }
    }
    if (cluster.cluster['certificate-authority'] !== undefined) {
      problems.push({
        field: `clusters[${clusterName}].cluster.certificate-authority`,
        message: 'file references are not supported; inline it as certificate-authority-data',
      });
    }
  }

  const user = findNamed(root.users, userName as string);
  let credentialKind: CredentialKind | undefined;
  const userField = `users[${userName}].user`;
  if (!user || !isRecord(user.user)) {
    problems.push({
      field: 'users',
      message: `has no user named "${userName}" (used by context "${contextName}")`,
    });
  } else {
    const u = user.user;
    for (const unsupported of [
      'exec',
      'auth-provider',
      'tokenFile',
      'client-certificate',
      'client-key',
    ]) {
      if (u[unsupported] !== undefined) {
        const hint =
          unsupported === 'client-certificate' || unsupported === 'client-key'
            ? `; inline it as ${unsupported}-data`
            : unsupported === 'tokenFile'
              ? '; inline it as token'
              : '; use a token, client certificate data or basic auth';
        problems.push({
          field: `${userField}.${unsupported}`,
          message: `is not a supported credential kind${hint}`,
        });
      }
    }
    if (nonEmptyString(u.token)) credentialKind = 'token';
    else if (nonEmptyString(u['client-certificate-data']) || nonEmptyString(u['client-key-data'])) {
      if (!nonEmptyString(u['client-certificate-data']))
        problems.push({
          field: `${userField}.client-certificate-data`,
          message: 'is required with client-key-data',
        });
      else if (!nonEmptyString(u['client-key-data']))
        problems.push({
          field: `${userField}.client-key-data`,
          message: 'is required with client-certificate-data',
        });
      else credentialKind = 'client-certificate';
    } else if (nonEmptyString(u.username) || nonEmptyString(u.password)) {
      if (nonEmptyString(u.username) && nonEmptyString(u.password)) credentialKind = 'basic-auth';
      else
        problems.push({
          field: `${userField}`,
          message: 'basic auth needs both username and password',
        });
    }
    if (!credentialKind && problems.length === 0) {
      problems.push({
        field: userField,
        message:
          'has no credentials: set token, client-certificate-data with client-key-data, or username with password',
      });
    }
  }

  if (problems.length || !credentialKind) return { ok: false, problems };
  return {
    ok: true,
    summary: {
      context: contextName,
      cluster: clusterName as string,
      user: userName as string,
      server,
      credentialKind,
    },
  };
}
