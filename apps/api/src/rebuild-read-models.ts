/**
 * `npm run rebuild-read-models`: drops every read model of the API and replays it from the event
 * log (DATABASE_URL), printing progress. Safe while the API runs: appends wait for the rebuild.
 */
import { runRebuildCli } from '../../../libs/events/src/cli/rebuild';
import { readModelProjections } from './app.module';

runRebuildCli(readModelProjections).catch((error: unknown) => {
  console.error(`rebuild-read-models: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
