import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** The repository root: the nearest folder above this file whose package.json is lws-fleet's. */
export function repoRoot(): string {
  let dir = __dirname;
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && JSON.parse(readFileSync(manifest, 'utf8')).name === 'lws-fleet')
      return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error('cannot find the lws-fleet repository root above ' + __dirname);
    dir = up;
  }
}

/** `shared/` lies beside the repository (on developer machines and in CI alike); LWS_SHARED_DIR overrides. */
export function sharedDir(): string {
  return process.env.LWS_SHARED_DIR ?? resolve(repoRoot(), '..', 'shared');
}

export function examplesDir(): string {
  return join(sharedDir(), 'examples');
}
