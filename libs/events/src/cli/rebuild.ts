import * as path from 'node:path';
import { migrations } from '../../../../migrations';
import { DEFAULT_DATABASE_URL, createDataSource, redactUrl, runMigrations } from '../database';
import { EventStore } from '../event-store';
import { rebuildReadModels } from '../rebuild';
import type { Projection } from '../types';

export type ProjectionSource =
  readonly Projection[] | (() => readonly Projection[] | Promise<readonly Projection[]>);

export interface RebuildCliOptions {
  /** Default: `DATABASE_URL`, else postgres://postgres@127.0.0.1:5432/lws. */
  url?: string;
  /** Where progress goes (default: stdout). */
  log?: (line: string) => void;
}

/**
 * Drops and replays the given projections' read models from the event log (migrating the
 * database first), printing progress. The app passes its projections:
 * `runRebuildCli(() => allProjections).catch(...)`.
 */
export async function runRebuildCli(
  source: ProjectionSource,
  options: RebuildCliOptions = {},
): Promise<{ events: number; elapsedMs: number }> {
  const log = options.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const url = options.url ?? process.env.DATABASE_URL ?? DEFAULT_DATABASE_URL;
  const projections = typeof source === 'function' ? await source() : source;
  const dataSource = await createDataSource(url, { migrations, applicationName: 'lws-rebuild' });
  try {
    await runMigrations(dataSource);
    const names = projections.map((p) => p.name).join(', ') || '(none)';
    log(`rebuilding read models in ${redactUrl(url)}: ${names}`);
    let lastLog = 0;
    const result = await rebuildReadModels(new EventStore(dataSource), projections, {
      onProgress: ({ events, elapsedMs }) => {
        if (elapsedMs - lastLog >= 1000) {
          lastLog = elapsedMs;
          log(`  replayed ${events} events (${(elapsedMs / 1000).toFixed(1)} s)`);
        }
      },
    });
    const rate = result.elapsedMs > 0 ? Math.round((result.events * 1000) / result.elapsedMs) : 0;
    log(
      `rebuilt ${projections.length} projection(s) from ${result.events} events ` +
        `in ${result.elapsedMs} ms (${rate} events/s)`,
    );
    return result;
  } finally {
    await dataSource.destroy();
  }
}

/** `node rebuild.js --projections <module>`: the module exports `projections` (array or function). */
async function main(argv: string[]): Promise<void> {
  const at = argv.indexOf('--projections');
  const modulePath = at >= 0 ? argv[at + 1] : undefined;
  if (!modulePath) {
    process.stderr.write(
      'usage: node dist/libs/events/src/cli/rebuild.js --projections <module>\n' +
        '  <module> exports `projections`: Projection[] or () => Projection[]\n',
    );
    process.exitCode = 2;
    return;
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const loaded = require(path.resolve(modulePath)) as { projections?: ProjectionSource };
  if (!loaded.projections) throw new Error(`${modulePath} exports no \`projections\``);
  await runRebuildCli(loaded.projections);
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    process.stderr.write(`rebuild failed: ${(err as Error)?.message ?? err}\n`);
    process.exitCode = 1;
  });
}
