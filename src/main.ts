// One image, several entrypoints: `operator` (default), `router`, `simulator`, `rag`.
import { hostname } from 'node:os';
import { parseArgs } from 'node:util';
import { KubeConfig } from '@kubernetes/client-node';
import { KubeClient } from './kube/client.js';
import { LeaderElector } from './kube/leader.js';
import { installShutdownHandlers } from './kube/shutdown.js';
import { startOperator, type Operator } from './operator.js';
import { createLogger } from './util/log.js';

const RUNTIMES: Record<string, string> = {
  router: './router/main.js',
  simulator: './simulator/main.js',
  rag: './rag/main.js',
};

async function runOperator(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      'health-port': { type: 'string', default: process.env.HEALTH_PORT ?? '8081' },
      concurrency: { type: 'string', default: process.env.CONCURRENCY ?? '8' },
      // node 20's parseArgs has no --no-x negation, so the opt-out is its own flag.
      'no-leader-elect': { type: 'boolean', default: process.env.LEADER_ELECT === 'false' },
      // Fallback chains as routes + EnvoyFilter redirects; opt out where EnvoyFilters are not wanted.
      'no-fallback-routes': { type: 'boolean', default: process.env.FALLBACK_ROUTES === 'false' },
      'lease-namespace': { type: 'string', default: process.env.POD_NAMESPACE ?? 'higress-ai-operator-system' },
      'plugin-image-tag': { type: 'string', default: process.env.HIGRESS_PLUGIN_IMAGE_TAG },
      'resync-seconds': { type: 'string', default: process.env.RESYNC_SECONDS ?? '600' },
    },
  });
  const log = createLogger('operator');
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromDefault();
  const identity = process.env.POD_NAME ?? `${hostname()}-${process.pid}`;
  const options = {
    kubeConfig,
    log,
    concurrency: Number(values.concurrency),
    healthPort: Number(values['health-port']),
    resyncPeriodMs: Number(values['resync-seconds']) * 1000,
    fallbackRoutes: !values['no-fallback-routes'],
    ...(values['plugin-image-tag'] ? { pluginImage: { tag: values['plugin-image-tag'] } } : {}),
  };

  let operator: Operator | undefined;
  const stopOperator = async () => {
    const op = operator;
    operator = undefined;
    await op?.stop();
  };
  let shuttingDown = false;
  let elector: LeaderElector | undefined;
  const leaderElect = !values['no-leader-elect'];
  if (leaderElect) {
    elector = new LeaderElector({
      client: KubeClient.fromKubeConfig(kubeConfig),
      namespace: values['lease-namespace'],
      name: 'higress-ai-operator',
      identity,
      logger: log,
      onStartedLeading: () => {
        void startOperator(options).then((op) => (operator = op));
      },
      // A replica that lost the lease must not keep writing: exit and let the Deployment restart it.
      onStoppedLeading: () => {
        if (shuttingDown) return; // we released the lease ourselves
        log.error('lost leadership; exiting so that only the leader writes');
        void stopOperator().then(() => process.exit(1));
      },
    });
    elector.start();
  } else {
    operator = await startOperator(options);
  }
  installShutdownHandlers(
    [
      {
        name: 'operator',
        run: () => {
          shuttingDown = true;
          return stopOperator();
        },
      },
      { name: 'leader-election', run: () => elector?.release() },
    ],
    { logger: log },
  );
  log.info({ identity, leaderElection: leaderElect }, 'operator started');
}

const [command = 'operator', ...rest] = process.argv.slice(2);
if (command === 'operator') {
  await runOperator(rest);
} else if (RUNTIMES[command]) {
  process.argv.splice(2, 1); // the runtime parses its own flags
  await import(RUNTIMES[command]);
} else {
  process.stderr.write(`unknown command ${command}; use one of: operator, ${Object.keys(RUNTIMES).join(', ')}\n`);
  process.exit(2);
}
