// One image, several entrypoints: `operator` (default), `router`, `simulator`, `rag`.
import { hostname } from 'node:os';
import { parseArgs } from 'node:util';
import { higressNamespaceFromEnv } from './higress/namespace.js';
import { KubeConfigError, loadKubeConfig, loadKubeConfigFiles, type LoadedKubeConfig } from './kube/kubeconfig.js';
import { installShutdownHandlers } from './kube/shutdown.js';
import { startOperator } from './operator.js';
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
      // kubebuilder's ports, which the manifests and the chart declare: probes :8081, metrics :8080.
      // controller-runtime's flag: this one file, instead of KUBECONFIG / in-cluster / ~/.kube/config.
      kubeconfig: { type: 'string' },
      'health-port': { type: 'string', default: process.env.HEALTH_PORT ?? '8081' },
      'metrics-port': { type: 'string', default: process.env.METRICS_PORT ?? '8080' },
      concurrency: { type: 'string', default: process.env.CONCURRENCY ?? '8' },
      'no-leader-elect': { type: 'boolean', default: process.env.LEADER_ELECT === 'false' },
      // Fallback chains as routes + EnvoyFilter redirects; opt out where EnvoyFilters are not wanted.
      'no-fallback-routes': { type: 'boolean', default: process.env.FALLBACK_ROUTES === 'false' },
      // Default: POD_NAMESPACE, else the ServiceAccount's namespace in cluster (as controller-runtime), else the chart's.
      'lease-namespace': { type: 'string', default: process.env.POD_NAMESPACE },
      // A standby takes over at most lease + retry after the leader died: 10 s + 2 s, inside the 15 s target.
      'lease-duration-seconds': { type: 'string', default: process.env.LEASE_DURATION_SECONDS ?? '10' },
      'renew-deadline-seconds': { type: 'string', default: process.env.RENEW_DEADLINE_SECONDS ?? '7' },
      'retry-period-seconds': { type: 'string', default: process.env.RETRY_PERIOD_SECONDS ?? '2' },
      'plugin-image-tag': { type: 'string', default: process.env.HIGRESS_PLUGIN_IMAGE_TAG },
      'resync-seconds': { type: 'string', default: process.env.RESYNC_SECONDS ?? '600' },
      'gateway-batch-ms': { type: 'string', default: process.env.GATEWAY_BATCH_MS ?? '0' },
      // Watch gateway kinds only in HIGRESS_NAMESPACE (the chart's higress.watchNamespaceOnly), so their reads
      // need a Role there instead of a ClusterRole.
      'higress-namespace-only': { type: 'boolean', default: process.env.HIGRESS_NAMESPACE_ONLY === 'true' },
      // Let the operator set `mcpServer.enable: true` in a gateway's higress-config (gateway-wide, so opt-in;
      // without it RagPipeline condition GatewayMcp only reports the setting).
      'enable-gateway-mcp-server': { type: 'boolean', default: process.env.ENABLE_GATEWAY_MCP_SERVER === 'true' },
    },
  });
  const log = createLogger('operator');
  // Our own loader (src/kube/kubeconfig.ts): @kubernetes/client-node is imported only for exec/auth-provider users.
  let kubeConfig: LoadedKubeConfig;
  try {
    kubeConfig = values.kubeconfig ? loadKubeConfigFiles([values.kubeconfig]) : loadKubeConfig();
  } catch (e) {
    // The message names the file and entry at fault; a stack trace would only bury it.
    if (!(e instanceof KubeConfigError)) throw e;
    log.fatal({ reason: e.reason }, e.message);
    process.exitCode = 1;
    return;
  }
  const identity = process.env.POD_NAME ?? `${hostname()}-${process.pid}`;
  const leaderElect = !values['no-leader-elect'];
  const higressNamespace = higressNamespaceFromEnv();
  const seconds = (flag: string): number => Number(values[flag as keyof typeof values]) * 1000;
  const operator = await startOperator({
    kubeConfig,
    log,
    concurrency: Number(values.concurrency),
    healthPort: Number(values['health-port']),
    metricsPort: Number(values['metrics-port']),
    resyncPeriodMs: seconds('resync-seconds'),
    fallbackRoutes: !values['no-fallback-routes'],
    gatewayBatchMs: Number(values['gateway-batch-ms']),
    ...(values['higress-namespace-only'] ? { gatewayNamespace: higressNamespace } : {}),
    ...(values['plugin-image-tag'] ? { pluginImage: { tag: values['plugin-image-tag'] } } : {}),
    ...(values['enable-gateway-mcp-server'] ? { rag: { enableGatewayMcpServer: true } } : {}),
    ...(leaderElect
      ? {
          leaderElection: {
            namespace: values['lease-namespace'] ?? (kubeConfig.inCluster ? kubeConfig.namespace : 'higress-ai-operator-system'),
            name: 'higress-ai-operator',
            identity,
            leaseDurationMs: seconds('lease-duration-seconds'),
            renewDeadlineMs: seconds('renew-deadline-seconds'),
            retryPeriodMs: seconds('retry-period-seconds'),
          },
          // A replica that lost the lease must not keep writing: exit and let the Deployment restart it
          // as a fresh standby (its caches and queues start clean).
          onLeadershipLost: () => void operator.stop().then(() => process.exit(1)),
        }
      : {}),
  });
  installShutdownHandlers([{ name: 'operator', run: () => operator.stop() }], { logger: log });
  log.info(
    {
      identity,
      kubeconfig: kubeConfig.source,
      context: kubeConfig.contextName,
      server: kubeConfig.cluster.server,
      leaderElection: leaderElect,
      health: operator.healthAddress?.port,
      metrics: operator.metricsAddress?.port,
      higressNamespace,
      higressNamespaceOnly: values['higress-namespace-only'],
    },
    'operator started',
  );
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
