import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

// One registry per router instance, so tests and benchmarks can run several routers in one process.

export interface RouterMetrics {
  registry: Registry;
  requests: Counter<'model' | 'reason'>;
  fallbacks: Counter<'from'>;
  upstreamErrors: Counter<'kind'>;
  badRequests: Counter;
  decisionSeconds: Histogram;
  flywheelEnqueued: Counter;
  flywheelDropped: Counter<'why'>;
  flywheelRecorded: Counter;
  flywheelFailed: Counter<'stage'>;
  flywheelQueueDepth: Gauge;
  datasetSize: Gauge;
  trainerRuns: Counter<'outcome'>;
}

export function createRouterMetrics(withDefaults = false): RouterMetrics {
  const registry = new Registry();
  if (withDefaults) collectDefaultMetrics({ register: registry });
  const registers = [registry];
  return {
    registry,
    requests: new Counter({ name: 'router_requests_total', help: 'Chat requests routed, by chosen model', labelNames: ['model', 'reason'], registers }),
    fallbacks: new Counter({ name: 'router_fallbacks_total', help: 'Upstream attempts abandoned for the next ranked model', labelNames: ['from'], registers }),
    upstreamErrors: new Counter({ name: 'router_upstream_errors_total', help: 'Upstream failures by kind', labelNames: ['kind'], registers }),
    badRequests: new Counter({ name: 'router_bad_requests_total', help: 'Requests refused with 4xx by the router', registers }),
    decisionSeconds: new Histogram({
      name: 'router_decision_seconds',
      help: 'Time spent deciding the model',
      buckets: [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.01, 0.05],
      registers,
    }),
    flywheelEnqueued: new Counter({ name: 'router_flywheel_enqueued_total', help: 'Shadow jobs queued', registers }),
    flywheelDropped: new Counter({ name: 'router_flywheel_dropped_total', help: 'Shadow jobs dropped', labelNames: ['why'], registers }),
    flywheelRecorded: new Counter({ name: 'router_flywheel_records_total', help: 'Flywheel records durably stored', registers }),
    flywheelFailed: new Counter({ name: 'router_flywheel_failures_total', help: 'Shadow jobs that failed', labelNames: ['stage'], registers }),
    flywheelQueueDepth: new Gauge({ name: 'router_flywheel_queue_depth', help: 'Shadow jobs waiting or running', registers }),
    datasetSize: new Gauge({ name: 'router_dataset_records', help: 'Records in the flywheel store', registers }),
    trainerRuns: new Counter({ name: 'router_trainer_runs_total', help: 'Trainer runs by outcome', labelNames: ['outcome'], registers }),
  };
}

export async function metricTotal(m: Counter<string> | Gauge<string>): Promise<number> {
  const snapshot = await m.get();
  return snapshot.values.reduce((sum, v) => sum + v.value, 0);
}
