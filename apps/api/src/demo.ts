/**
 * `npm run demo`: the control plane (API + workers) with a simulated fleet of two clusters, east and
 * west, registered, so a newcomer can apply an example at once. Uses its own database (`lws_demo`,
 * created afresh each run, since the simulated clusters are new each time).
 */
import { readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { dropDatabase, withDatabase } from '../../../libs/events/src';
import { KubeSim } from '../../../libs/kube-sim/src';
import { startWorkers } from '../../worker/src/start-workers';
import { ClustersService } from './clusters/clusters.service';
import { loadConfigOrExit } from './config';
import { createLogger } from './logger';
import { startApiServer } from './server';
import { EventStore } from '../../../libs/events/src';
import { readModelProjections } from './app.module';

const CLUSTERS = ['east', 'west'];

async function main(): Promise<void> {
  let config = loadConfigOrExit();
  config = {
    ...config,
    databaseUrl: process.env.DATABASE_URL
      ? config.databaseUrl
      : withDatabase(config.databaseUrl, 'lws_demo'),
  };
  const logger = createLogger(process.env.LOG_LEVEL ?? 'warn');
  const kubeconfigDir = join(config.dataDir, 'kubeconfig');
  const say = (line = '') => process.stdout.write(`${line}\n`);

  say('lws-fleet demo: starting a simulated fleet (east, west), the API and the workers…');
  if (!process.env.DATABASE_URL) await dropDatabase(config.databaseUrl).catch(() => undefined);
  const sim = await KubeSim.start({ clusters: CLUSTERS, profile: 'demo', kubeconfigDir });
  let server;
  try {
    server = await startApiServer(config, logger);
  } catch (error) {
    await sim.stop();
    console.error(`lws-fleet demo: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
  const store = new EventStore(server.dataSource, { projections: readModelProjections });
  const clusters = new ClustersService(server.dataSource, store, server.secretBox);
  for (const cluster of sim.clusters) {
    if (!(await clusters.get(cluster.name))) {
      await clusters.register(
        { name: cluster.name, kubeconfig: readFileSync(cluster.kubeconfigPath, 'utf8') },
        { actor: 'demo', correlationId: 'demo-setup' },
      );
    }
  }
  const workers = await startWorkers(config, server.dataSource, server.secretBox, logger);

  const examples = resolve(__dirname, '..', '..', '..', '..', '..', 'shared', 'examples');
  const sample = relative(process.cwd(), join(examples, 'sample.yaml'));
  const east = relative(process.cwd(), join(kubeconfigDir, 'east.yaml'));
  say();
  say(`  GraphQL      ${server.url}`);
  for (const cluster of sim.clusters)
    say(
      `  cluster      ${cluster.name.padEnd(6)} ${cluster.url}  kubeconfig ${relative(process.cwd(), cluster.kubeconfigPath)}`,
    );
  say(`  database     ${config.databaseUrl.replace(/:[^:@/]*@/, '@')} (recreated for this demo)`);
  say();
  say('Try this, in another terminal:');
  say();
  say("  # apply the concept document's example (3 groups of 4 pods) to cluster east");
  say(
    `  jq -n --rawfile m ${sample} '{query: "mutation($i: ApplyLeaderWorkerSetInput!) { applyLeaderWorkerSet(input: $i) { name uid generation cluster } }", variables: {i: {manifest: $m, cluster: "east"}}}' \\`,
  );
  say(
    `    | curl -s ${server.url} -H 'content-type: application/json' -H 'x-lws-actor: demo-user' --data-binary @-`,
  );
  say();
  say(
    '  # its pods, as upstream LWS would have made them (12 pods, 1/1 Running after a few seconds)',
  );
  say(
    `  kubectl --kubeconfig ${east} get pods -l leaderworkerset.sigs.k8s.io/name=leaderworkerset-sample`,
  );
  say();
  say('  # its status and history');
  say(
    `  curl -s ${server.url} -H 'content-type: application/json' --data '{"query":"{ leaderWorkerSet(name: \\"leaderworkerset-sample\\") { status { readyReplicas conditions { type status } } events(last: 5) { edges { node { type actor } } } } }"}'`,
  );
  say();
  say('Ctrl-C stops everything.');

  const stop = async () => {
    say('\nstopping…');
    await workers.stop();
    await server.close();
    await sim.stop();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

void main();
