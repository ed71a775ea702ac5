import { Counter, Gauge, Histogram, register, type Registry } from 'prom-client';

/**
 * Get-or-create metrics on one registry: several controllers (and jest module re-evaluation) may ask
 * for the same metric, and prom-client throws on duplicate registration.
 */
export function counter<L extends string>(name: string, help: string, labelNames: readonly L[], registry: Registry = register): Counter<L> {
  const existing = registry.getSingleMetric(name);
  if (existing) return existing as Counter<L>;
  return new Counter<L>({ name, help, labelNames, registers: [registry] });
}

export function gauge<L extends string>(
  name: string,
  help: string,
  labelNames: readonly L[],
  registry: Registry = register,
  collect?: (this: Gauge<L>) => void,
): Gauge<L> {
  const existing = registry.getSingleMetric(name);
  if (existing) return existing as Gauge<L>;
  return new Gauge<L>({ name, help, labelNames, registers: [registry], ...(collect ? { collect } : {}) });
}

export function histogram<L extends string>(
  name: string,
  help: string,
  labelNames: readonly L[],
  buckets: number[],
  registry: Registry = register,
): Histogram<L> {
  const existing = registry.getSingleMetric(name);
  if (existing) return existing as Histogram<L>;
  return new Histogram<L>({ name, help, labelNames, buckets, registers: [registry] });
}

// ---- controller-runtime / client-go names ---------------------------------------------------------------
// The same names, labels and buckets as sigs.k8s.io/controller-runtime/pkg/internal/controller/metrics and
// k8s.io/client-go/util/workqueue (via controller-runtime/pkg/metrics/workqueue.go), so the dashboards and
// alerts written for Go operators work on this one unchanged.

/** controller-runtime's reconcile-time buckets (pkg/internal/controller/metrics/metrics.go). */
const RECONCILE_BUCKETS = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.25, 1.5, 1.75, 2.0, 2.5, 3.0, 3.5, 4.0, 4.5, 5, 6, 7, 8,
  9, 10, 15, 20, 25, 30, 40, 50, 60,
];
/** client-go workqueue buckets: 10^-8 … 10^1 seconds (prometheus.ExponentialBuckets(10e-9, 10, 10)). */
const WORKQUEUE_BUCKETS = Array.from({ length: 10 }, (_, i) => 1e-8 * 10 ** i);

/** Result label values of `controller_runtime_reconcile_total`, as controller-runtime spells them. */
export type ReconcileResultLabel = 'success' | 'error' | 'requeue' | 'requeue_after';

export const controllerRuntimeMetrics = {
  reconcileTotal: counter('controller_runtime_reconcile_total', 'Total number of reconciliations per controller', ['controller', 'result'] as const),
  reconcileErrors: counter('controller_runtime_reconcile_errors_total', 'Total number of reconciliation errors per controller', ['controller'] as const),
  reconcileTime: histogram(
    'controller_runtime_reconcile_time_seconds',
    'Length of time per reconciliation per controller',
    ['controller'] as const,
    RECONCILE_BUCKETS,
  ),
  maxConcurrentReconciles: gauge('controller_runtime_max_concurrent_reconciles', 'Maximum number of concurrent reconciles per controller', [
    'controller',
  ] as const),
  activeWorkers: gauge('controller_runtime_active_workers', 'Number of currently used workers per controller', ['controller'] as const),
  /** Not a controller-runtime name: the reason a reconcile failed (a small fixed set of CamelCase reasons). */
  reconcileErrorsByReason: counter('higress_ai_operator_reconcile_errors_by_reason_total', 'Failed reconciles by controller and error reason', [
    'controller',
    'reason',
  ] as const),
};

/** client-go's leader-election gauge: 1 on the replica holding the lease, 0 on the others. */
export const leaderElectionMasterStatus = gauge(
  'leader_election_master_status',
  "Gauge of if the reporting system is master of the relevant lease, 0 indicates backup, 1 indicates master. 'name' is the string used to identify the lease.",
  ['name'] as const,
);

/** Hooks a {@link WorkQueue} calls; {@link workqueueMetrics} gives the client-go-named implementation. */
export interface WorkQueueMetrics {
  add(): void;
  depth(n: number): void;
  /** Seconds the key waited in the queue before a worker took it. */
  queued(seconds: number): void;
  /** Seconds a worker spent on the key. */
  worked(seconds: number): void;
  retry(): void;
  /** Start times (performance.now() ms) of keys being worked on now — for the unfinished/longest gauges. */
  trackInFlight(startTimes: () => Iterable<number>): void;
}

const wq = {
  depth: gauge('workqueue_depth', 'Current depth of workqueue', ['controller', 'name'] as const),
  adds: counter('workqueue_adds_total', 'Total number of adds handled by workqueue', ['controller', 'name'] as const),
  queueLatency: histogram(
    'workqueue_queue_duration_seconds',
    'How long in seconds an item stays in workqueue before being requested',
    ['controller', 'name'] as const,
    WORKQUEUE_BUCKETS,
  ),
  workDuration: histogram(
    'workqueue_work_duration_seconds',
    'How long in seconds processing an item from workqueue takes.',
    ['controller', 'name'] as const,
    WORKQUEUE_BUCKETS,
  ),
  retries: counter('workqueue_retries_total', 'Total number of retries handled by workqueue', ['controller', 'name'] as const),
};
const inFlightSources = new Map<string, () => Iterable<number>>();
function inFlightSeconds(name: string): number[] {
  const now = performance.now();
  return [...(inFlightSources.get(name)?.() ?? [])].map((t) => (now - t) / 1000);
}
gauge(
  'workqueue_unfinished_work_seconds',
  "How many seconds of work has been done that is in progress and hasn't been observed by work_duration. Large values indicate stuck threads.",
  ['controller', 'name'] as const,
  register,
  function collect() {
    for (const name of inFlightSources.keys())
      this.set(
        { controller: name, name },
        inFlightSeconds(name).reduce((a, b) => a + b, 0),
      );
  },
);
gauge(
  'workqueue_longest_running_processor_seconds',
  'How many seconds has the longest running processor for workqueue been running.',
  ['controller', 'name'] as const,
  register,
  function collect() {
    for (const name of inFlightSources.keys()) this.set({ controller: name, name }, Math.max(0, ...inFlightSeconds(name)));
  },
);

/** Metrics for the work queue of controller `name`, labelled as controller-runtime labels them. */
export function workqueueMetrics(name: string): WorkQueueMetrics {
  const labels = { controller: name, name };
  return {
    add: () => wq.adds.inc(labels),
    depth: (n) => wq.depth.set(labels, n),
    queued: (s) => wq.queueLatency.observe(labels, s),
    worked: (s) => wq.workDuration.observe(labels, s),
    retry: () => wq.retries.inc(labels),
    trackInFlight: (startTimes) => void inFlightSources.set(name, startTimes),
  };
}

// ---- domain metrics ------------------------------------------------------------------------------------
// Gauges the runtimes and controllers set; named here once so the dashboard (config/grafana/) and the code
// agree. Labels are resource names, which are bounded by what exists in the cluster.

export const domainMetrics = {
  /** Fraction of evaluated requests routed to the model the evaluation preferred (router eval / flywheel). */
  routingAccuracy: gauge('higress_ai_routing_accuracy_ratio', 'Routing accuracy on the last evaluation, 0..1', ['router'] as const),
  /** Records in a router's flywheel data set. */
  datasetRecords: gauge('higress_ai_dataset_records', 'Records in the routing data set', ['router'] as const),
  /** Indexed documents / chunks of a RagPipeline, as its runtime reports them. */
  ragIndexDocuments: gauge('higress_ai_rag_index_documents', 'Documents indexed by a RagPipeline', ['namespace', 'name'] as const),
  ragIndexChunks: gauge('higress_ai_rag_index_chunks', 'Chunks indexed by a RagPipeline', ['namespace', 'name'] as const),
};

// ---- bounded labels ------------------------------------------------------------------------------------
export { boundedLabel, OTHER_LABEL } from '../util/bounded-label.js';
