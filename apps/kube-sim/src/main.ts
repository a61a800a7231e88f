/**
 * `npm run sim -- --clusters east,west [--profile demo] [--kubeconfig-dir .data/kubeconfig] [--port 6443]`
 * Runs a simulated fleet until SIGINT/SIGTERM and prints how to reach each cluster.
 */
import { KubeSim, type ProfileName } from '../../../libs/kube-sim/src/index';

interface CliOptions {
  clusters: string[];
  profile: ProfileName;
  kubeconfigDir?: string;
  port?: number;
  clock: 'real' | 'manual';
}

const USAGE = `usage: kube-sim [--clusters east,west] [--profile fast|demo|test] [--kubeconfig-dir DIR] [--port FIRST_PORT]

  --clusters        comma-separated cluster names (default: east,west)
  --profile         controller timings (default: demo)
  --kubeconfig-dir  where <cluster>.yaml and fleet.yaml are written (default: .data/kubeconfig)
  --port            first port; clusters get consecutive ports (default: any free port)`;

export function parseArgs(argv: string[]): CliOptions {
  const out: CliOptions = { clusters: ['east', 'west'], profile: 'demo', clock: 'real' };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const [flag, inline] = arg.includes('=')
      ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)]
      : [arg, undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined || v.startsWith('--')) throw new Error(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case '--clusters':
        out.clusters = value()
          .split(',')
          .map((s) => s.trim())
          .filter((s) => s);
        break;
      case '--profile': {
        const p = value();
        if (p !== 'fast' && p !== 'demo' && p !== 'test') throw new Error(`unknown profile "${p}"`);
        out.profile = p;
        break;
      }
      case '--kubeconfig-dir':
        out.kubeconfigDir = value();
        break;
      case '--port': {
        const p = Number(value());
        if (!Number.isInteger(p) || p < 1 || p > 65535)
          throw new Error('--port must be a port number');
        out.port = p;
        break;
      }
      case '-h':
      case '--help':
        console.log(USAGE);
        process.exit(0);
        break;
      default:
        throw new Error(`unknown argument "${arg}"`);
    }
  }
  if (!out.clusters.length) throw new Error('--clusters needs at least one name');
  return out;
}

async function main(): Promise<void> {
  let options: CliOptions;
  try {
    options = parseArgs(process.argv.slice(2));
  } catch (err) {
    console.error(`kube-sim: ${(err as Error).message}\n\n${USAGE}`);
    process.exit(2);
  }
  const sim = await KubeSim.start({
    clusters: options.clusters.map((name, i) => ({
      name,
      port: options.port ? options.port + i : 0,
    })),
    profile: options.profile,
    clock: options.clock,
    kubeconfigDir: options.kubeconfigDir,
  });
  console.log(`kube-sim: ${sim.clusters.length} simulated cluster(s), profile ${options.profile}`);
  for (const c of sim.clusters) {
    const nodes = c.store.count('nodes');
    console.log(`  ${c.name.padEnd(12)} ${c.url}  ${nodes} nodes  kubeconfig ${c.kubeconfigPath}`);
  }
  console.log(`  merged kubeconfig (one context per cluster): ${sim.kubeconfigPath}`);
  const first = sim.clusters[0];
  console.log(`\ntry:  kubectl --kubeconfig ${first.kubeconfigPath} get nodes -L rack`);
  console.log(
    `      curl ${first.url}/__sim/    (admin API: faults, partitions, clock, request log)`,
  );
  console.log('Ctrl-C stops the fleet.');

  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    console.log(`\nkube-sim: ${signal}, stopping`);
    sim.stop().then(
      () => process.exit(0),
      (err) => {
        console.error(err);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

if (require.main === module) {
  main().catch((err) => {
    console.error(`kube-sim: ${(err as Error).stack ?? String(err)}`);
    process.exit(1);
  });
}
