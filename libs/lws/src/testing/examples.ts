// Test-only: finds /work/shared/examples relative to the repository, wherever it is cloned
// (`<repo>/../shared`), from source or from compiled output (dist/…, or an outDir elsewhere, in
// which case the working directory is searched too). Not exported from the library.
import * as fs from 'node:fs';
import * as path from 'node:path';

function findRepoRoot(start: string): string | undefined {
  let dir = path.resolve(start);
  for (;;) {
    const pkg = path.join(dir, 'package.json');
    if (fs.existsSync(pkg)) {
      try {
        if ((JSON.parse(fs.readFileSync(pkg, 'utf8')) as { name?: string }).name === 'lws-fleet') {
          return dir;
        }
      } catch {
        // not our package.json; keep walking up
      }
    }
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** `LWS_FLEET_SHARED_DIR` overrides the search (e.g. tests compiled to an outDir outside the repo). */
export function sharedDir(): string {
  const override = process.env.LWS_FLEET_SHARED_DIR;
  if (override) return path.resolve(override);
  const root = findRepoRoot(__dirname) ?? findRepoRoot(process.cwd());
  if (!root) {
    throw new Error(`cannot find the lws-fleet repository above ${__dirname} or ${process.cwd()}`);
  }
  return path.resolve(root, '..', 'shared');
}

export interface ExampleFile {
  name: string;
  path: string;
  text: string;
}

/** Every `*.yaml` in shared/examples (valid) or shared/examples/invalid. */
export function exampleFiles(kind: 'valid' | 'invalid'): ExampleFile[] {
  const dir = path.join(sharedDir(), 'examples', ...(kind === 'invalid' ? ['invalid'] : []));
  return fs
    .readdirSync(dir)
    .filter((name) => name.endsWith('.yaml') || name.endsWith('.yml'))
    .sort()
    .map((name) => {
      const file = path.join(dir, name);
      return { name, path: file, text: fs.readFileSync(file, 'utf8') };
    });
}
