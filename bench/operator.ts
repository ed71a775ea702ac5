// npm run bench:operator -- --count 500 --out FILE.json [--concurrency 16] [--models 2]
//
// Starts the embedded control plane (or uses --kubeconfig), runs the operator as a child process, creates
// `count` ModelPools and measures: apply→Ready per pool (p50/p99), time until all are Ready, write requests
// the operator makes in steady state (across at least one periodic resync), and the operator's RSS.
// The burst and the one-at-a-time applies run at the image's resync period (--resync-seconds, 600 s as in
// src/main.ts); the steady-state count restarts the operator at --steady-resync-seconds (10 s) so that its
// window holds a start-up (every object reconciled from a cold cache) and a periodic resync.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { request as httpsRequest } from 'node:https';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { ApiextensionsV1Api, KubeConfig } from '@kubernetes/client-node';
import { startControlPlane, type ControlPlane } from '../hack/lib/control-plane.js';
import { freeLoopbackPort } from '../src/util/free-port.js';
import type { ModelPoolObject } from '../src/controllers/modelpool.js';
import { modelPoolResource } from '../src/controllers/resources.js';
import { KubeClient } from '../src/kube/client.js';
import { Informer } from '../src/kube/informer.js';
import { keyOf } from '../src/kube/object.js';
import { Resources } from '../src/kube/resources.js';
import { DEFAULT_HIGRESS_NAMESPACE } from '../src/higress/namespace.js';
import { mark, TIMELINE, traced } from '../src/kube/timeline.js';
import { createLogger } from '../src/util/log.js';
import { percentile } from '../src/util/stats.js';

const { values } = parseArgs({
  options: {
    count: { type: 'string', default: '500' },
    models: { type: 'string', default: '2' },
    concurrency: { type: 'string', default: '16' },
    out: { type: 'string', default: 'reports/bench-operator.json' },
    kubeconfig: { type: 'string' },
    // The image's default (src/main.ts): a 10 s resync in the measured phases re-checked all 500 pools 3–4 times
    // during the paced applies, 60× as often as a deployed operator does (docs/evaluation/operator.md, row 48).
    'resync-seconds': { type: 'string', default: '600' },
    'steady-resync-seconds': { type: 'string', default: '10' },
    'timeout-seconds': { type: 'string', default: '300' },
    // What the Deployment sets (NODE_OPTIONS and MALLOC_ARENA_MAX in config/manager/manager.yaml and the chart): the same here, so the RSS is comparable.
    'node-options': { type: 'string', default: '--max-old-space-size=128 --max-semi-space-size=8' },
    paced: { type: 'string', default: '50' },
    restarts: { type: 'string', default: '1' },
  },
});
const count = Number(values.count);
const modelsPerPool = Number(values.models);
const resyncSeconds = Number(values['resync-seconds']);
const steadyResyncSeconds = Number(values['steady-resync-seconds']);
const log = createLogger('bench-operator', 'warn');
const pprofDir = process.env.BENCH_APISERVER_PPROF;
const pprofSeconds = Number(process.env.BENCH_APISERVER_PPROF_SECONDS ?? '20');
// BENCH_APISERVER_PPROF_PHASE=paced profiles the one-at-a-time applies instead of the burst.
const pprofPhase = process.env.BENCH_APISERVER_PPROF_PHASE === 'paced' ? 'paced' : 'burst';

/**
 * VmRSS splits into anonymous memory (V8's heap, malloc, stacks) and file pages mapped from the node binary and its
 * libraries (`anonMb`, `fileMb`). The file part is shared and reclaimable, and it stayed at 56 MB from run to run on
 * one machine (the node binary's code and read-only data). The anonymous part moved by 20–30 MB between runs of the
 * same code.
 */
async function rss(pid: number): Promise<{ rssMb: number; peakRssMb: number; anonMb: number; fileMb: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? NaN);
  const mb = (field: string) => Math.round(kb(field) / 1024);
  return { rssMb: mb('VmRSS'), peakRssMb: mb('VmHWM'), anonMb: mb('RssAnon'), fileMb: mb('RssFile') };
}

/** CPU seconds (user + system) the operator process has used so far: its own cost, less dependent on load. */
async function cpuSeconds(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime are fields 14 and 15 of proc(5), in clock ticks (USER_HZ, 100 on Linux).
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** CPU seconds of each process that does the burst's work: who bounds it on a machine with few cores. */
async function cpuByProcess(): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  if (controlPlane) {
    out.etcd = await cpuSeconds(controlPlane.pids.etcd);
    out.kubeApiserver = await cpuSeconds(controlPlane.pids.kubeApiserver);
  }
  if (operator?.pid) out.operator = await cpuSeconds(operator.pid);
  const self = process.cpuUsage();
  out.bench = (self.user + self.system) / 1e6;
  return out;
}

/**
 * BENCH_APISERVER_PPROF=dir: a CPU profile of the API server over the burst (`go tool pprof -top FILE`), fetched
 * with the admin credentials from its /debug/pprof (the harness starts it with --profiling=false otherwise).
 */
function apiserverProfile(kc: KubeConfig, seconds: number, file: string): Promise<void> {
  const cluster = kc.getCurrentCluster()!;
  const url = new URL(`/debug/pprof/profile?seconds=${seconds}`, cluster.server);
  const ca = cluster.caData ? Buffer.from(cluster.caData, 'base64') : undefined;
  return new Promise((resolve, reject) => {
    const req = httpsRequest(url, { ca, headers: { authorization: `Bearer ${kc.getCurrentUser()!.token}` } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        if (res.statusCode !== 200) reject(new Error(`pprof: HTTP ${res.statusCode}: ${Buffer.concat(chunks).toString().slice(0, 200)}`));
        else void writeFile(file, Buffer.concat(chunks)).then(resolve, reject);
      });
    });
    req.on('error', reject);
    req.end();
  });
}

/** The operator's API requests so far, by `verb resource` (its higress_ai_operator_kube_requests_total). */
async function operatorRequests(metricsUrl: string): Promise<Map<string, { n: number; write: boolean }>> {
  const text = await (await fetch(metricsUrl)).text();
  const out = new Map<string, { n: number; write: boolean }>();
  for (const line of text.split('\n')) {
    const m = /^higress_ai_operator_kube_requests_total\{verb="([^"]+)",resource="([^"]+)",write="(true|false)"\} (\S+)$/.exec(line);
    if (m) out.set(`${m[1]} ${m[2]}`, { n: Number(m[4]), write: m[3] === 'true' });
  }
  return out;
}

/** Sizes of the shared objects in the bench's gateway namespace (the pools set none: the default one). */
async function sharedObjectSizes(client: KubeClient): Promise<Record<string, { bytes: number; annotationBytes: number; ownersBytes: number }>> {
  const objects = [
    ...(await client.list(Resources.WasmPlugin, { namespace: DEFAULT_HIGRESS_NAMESPACE })).items,
    ...(await client.list(Resources.McpBridge, { namespace: DEFAULT_HIGRESS_NAMESPACE })).items,
  ];
  const bytes = (s: string) => Buffer.byteLength(s, 'utf8');
  const out: Record<string, { bytes: number; annotationBytes: number; ownersBytes: number }> = {};
  for (const o of objects.sort((a, b) => keyOf(a).localeCompare(keyOf(b)))) {
    const annotations = Object.entries(o.metadata.annotations ?? {});
    out[`${o.kind ?? ''}/${o.metadata.name}`] = {
      bytes: bytes(JSON.stringify(o)),
      annotationBytes: annotations.reduce((n, [k, v]) => n + bytes(k) + bytes(v), 0),
      ownersBytes: annotations.filter(([k]) => k.endsWith('-owners')).reduce((n, [, v]) => n + bytes(v), 0),
    };
  }
  return out;
}

/** Where the operator's RSS is (prom-client's default Node metrics), in MB: V8 heap by space, external memory. */
async function operatorMemory(metricsUrl: string): Promise<Record<string, number>> {
  const text = await (await fetch(metricsUrl)).text();
  const out: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const m =
      /^nodejs_(heap_size_total_bytes|heap_size_used_bytes|external_memory_bytes) (\S+)$/.exec(line) ??
      /^nodejs_heap_space_size_total_bytes\{space="([^"]+)"\} (\S+)$/.exec(line);
    if (m) out[m[1]!] = round(Number(m[2]) / 2 ** 20, 1);
  }
  return out;
}

/** Sum of a counter of the operator's /metrics by one label (e.g. reconciles by controller). */
async function operatorCounter(metricsUrl: string, name: string, label: string): Promise<Map<string, number>> {
  const text = await (await fetch(metricsUrl)).text();
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    const value = new RegExp(`${label}="([^"]+)"`).exec(line)?.[1];
    const n = Number(line.slice(line.lastIndexOf(' ') + 1));
    if (value !== undefined) out.set(value, (out.get(value) ?? 0) + n);
  }
  return out;
}

/** ModelPool reconciles (pool and gateway items) and gateway passes by outcome, load-independent. */
async function operatorWork(metricsUrl: string): Promise<Map<string, number>> {
  const reconciles = await operatorCounter(metricsUrl, 'controller_runtime_reconcile_total', 'controller');
  const passes = await operatorCounter(metricsUrl, 'higress_ai_operator_modelpool_gateway_passes_total', 'outcome');
  // Of the pool reconciles (not being deleted): those that returned at once, nothing they read having changed.
  const pool = await operatorCounter(metricsUrl, 'higress_ai_operator_modelpool_pool_reconciles_total', 'outcome');
  return new Map([
    ['modelpool reconciles', reconciles.get('modelpool') ?? 0],
    ['pool reconciles unchanged', pool.get('unchanged') ?? 0],
    ...[...passes].map(([k, v]) => [`gateway passes ${k}`, v] as [string, number]),
  ]);
}

function workPer(before: Map<string, number>, after: Map<string, number>, per: number): Record<string, number> {
  return Object.fromEntries([...after].map(([k, v]) => [k, round((v - (before.get(k) ?? 0)) / per, 2)]));
}

/** Requests between two snapshots, per apply: the round trips one apply costs, independent of machine load. */
function requestsPer(before: Map<string, { n: number }>, after: Map<string, { n: number }>, applies: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of [...after].sort(([a], [b]) => a.localeCompare(b))) {
    const d = v.n - (before.get(k)?.n ?? 0);
    if (d > 0) out[k] = round(d / applies, 2);
  }
  return out;
}

async function waitUntil(what: string, fn: () => Promise<boolean> | boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await fn())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function startOperatorProcess(kubeconfig: string, healthPort: number, metricsPort: number, resync: number, logLevel = 'error'): ChildProcess {
  const child = spawn(
    process.execPath,
    // The compiled build, as the image runs it (`npm run bench:operator` builds first): tsx's runtime
    // transpiler would add its own memory to the RSS we report.
    [
      ...(process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : []),
      // Flags NODE_OPTIONS refuses (e.g. --trace-gc), for investigation only.
      ...(process.env.BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? []),
      'dist/main.js',
      'operator',
      '--no-leader-elect',
      `--health-port=${healthPort}`,
      `--metrics-port=${metricsPort}`,
      `--resync-seconds=${resync}`,
    ],
    {
      env: {
        ...process.env,
        KUBECONFIG: kubeconfig,
        LOG_LEVEL: logLevel,
        NODE_OPTIONS: values['node-options'],
        MALLOC_ARENA_MAX: process.env.MALLOC_ARENA_MAX ?? '2',
      },
      stdio: ['ignore', 'inherit', 'inherit'],
    },
  );
  child.on('exit', (code, signal) => {
    if (!stopping) {
      process.stderr.write(`operator exited unexpectedly (${code ?? signal}); aborting the benchmark\n`);
      process.exitCode = 1;
      void controlPlane?.stop().then(() => process.exit(1));
    }
  });
  return child;
}

/**
 * kube-apiserver holds every create of a custom resource for 2 s while its CRD's Established condition is less than
 * 2 s old (an HA-consistency delay: apiextensions-apiserver `pkg/apiserver/customresource_handler.go`,
 * `serveResource`, case "create"). The control plane installs the CRDs seconds before the burst, so without this
 * wait the first creates of the burst (ours of ModelPools, the operator's of the shared WasmPlugins and McpBridge)
 * sleep 2 s that a cluster whose CRDs were installed earlier never sees. The condition's time is stored in whole
 * seconds, so wait until 2 s after the latest of those stored times. Returns the wait in ms.
 */
async function untilCreatesServedAtOnce(kc: KubeConfig, crdNames: string[]): Promise<number> {
  const api = kc.makeApiClient(ApiextensionsV1Api);
  let latest = 0;
  for (const name of crdNames) {
    const crd = await api.readCustomResourceDefinition({ name });
    const established = crd.status?.conditions?.find((c) => c.type === 'Established' && c.status === 'True');
    if (!established?.lastTransitionTime) throw new Error(`CRD ${name} is not Established`);
    latest = Math.max(latest, new Date(established.lastTransitionTime).getTime());
  }
  const waitMs = Math.max(0, latest + 2_000 + 100 - Date.now());
  await new Promise((r) => setTimeout(r, waitMs));
  return waitMs;
}

function makePool(namespace: string, i: number): ModelPoolObject {
  const models = Array.from({ length: modelsPerPool }, (_, m) =>
    m % 2 === 0
      ? { name: `p${i}-gpt-${m}`, provider: { type: 'openai', credentials: { secretRef: { name: 'bench', key: 'token' } } } }
      : { name: `p${i}-local-${m}`, provider: { type: 'vllm', endpoint: `http://vllm-${i}.inference.svc:8000/v1` } },
  );
  return {
    apiVersion: 'ai.higress.io/v1alpha1',
    kind: 'ModelPool',
    metadata: { name: `pool-${i}`, namespace },
    spec: { models },
  } as unknown as ModelPoolObject;
}

let controlPlane: ControlPlane | undefined;
let operator: ChildProcess | undefined;
let stopping = false;
try {
  let kubeconfigPath = values.kubeconfig;
  if (!kubeconfigPath) {
    const t = Date.now();
    controlPlane = await startControlPlane(pprofDir ? { apiserverArgs: ['--profiling=true'] } : {});
    kubeconfigPath = controlPlane.kubeconfigPath;
    process.stderr.write(`control plane ready in ${Date.now() - t} ms\n`);
  }
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfigPath);
  const client = KubeClient.fromKubeConfig(kc);
  const namespace = `bench-${randomBytes(3).toString('hex')}`;
  await client.create(Resources.Namespace, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
  await client.create(Resources.Secret, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'bench', namespace }, stringData: { token: 'sk-bench' } });

  const healthPort = await freeLoopbackPort();
  const metricsPort = await freeLoopbackPort();
  const base = `http://127.0.0.1:${healthPort}`;
  const metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
  const startOperator = async (resync: number, logLevel?: string) => {
    operator = startOperatorProcess(kubeconfigPath, healthPort, metricsPort, resync, logLevel);
    await waitUntil(
      'operator /readyz',
      () =>
        fetch(`${base}/readyz`).then(
          (r) => r.ok,
          () => false,
        ),
      60_000,
    );
  };
  const operatorPid = () => {
    if (operator?.pid === undefined) throw new Error('the operator is not running');
    return operator.pid;
  };
  const stopOperator = async () => {
    const child = operator;
    if (!child || child.exitCode !== null) return;
    stopping = true;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
    stopping = false;
  };
  await startOperator(resyncSeconds);

  // Observe readiness through a watch, as a user's `kubectl get -w` would.
  const createdAt = new Map<string, number>();
  const readyAt = new Map<string, number>();
  const pools = new Informer<ModelPoolObject>({ client, resource: modelPoolResource, namespace, logger: log });
  const observe = (p: ModelPoolObject) => {
    const key = keyOf(p);
    const c = p.status?.conditions?.find((x) => x.type === 'Ready');
    if (!readyAt.has(key) && c?.status === 'True' && c.observedGeneration === p.metadata.generation) {
      readyAt.set(key, performance.now());
      // KUBE_TRACE_TIMELINE (src/kube/timeline.ts): the bench's own ends of each apply, on the operator's clock.
      if (TIMELINE && traced(key)) mark('bench.ready', { key });
    }
  };
  pools.addEventHandler({ onAdd: observe, onUpdate: (_o, n) => observe(n) });
  pools.start();
  await pools.waitForSync();

  const burstRequestsBefore = await operatorRequests(metricsUrl);
  const burstWorkBefore = await operatorWork(metricsUrl);
  const burstCpuByProcessBefore = await cpuByProcess();
  const profile = async (phase: 'burst' | 'paced'): Promise<string | undefined> => {
    if (!pprofDir || phase !== pprofPhase) return undefined;
    await mkdir(pprofDir, { recursive: true });
    const file = join(pprofDir, `apiserver-${phase}-${namespace}.pprof`);
    return apiserverProfile(kc, pprofSeconds, file).then(
      () => file,
      (e: unknown) => `failed: ${String(e)}`,
    );
  };
  const crdSettleWaitMs = await untilCreatesServedAtOnce(
    kc,
    [modelPoolResource, Resources.WasmPlugin, Resources.McpBridge].map((r) => `${r.plural}.${r.group}`),
  );
  const profiledBurst = profile('burst');
  const t0 = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: Number(values.concurrency) }, async () => {
      while (next < count) {
        const i = next++;
        const pool = makePool(namespace, i);
        const started = performance.now();
        await client.create(modelPoolResource, pool);
        createdAt.set(`${namespace}/${pool.metadata.name}`, started);
      }
    }),
  );
  const applied = performance.now();
  process.stderr.write(
    `created ${count} pools in ${((applied - t0) / 1000).toFixed(1)} s (started ${round(crdSettleWaitMs)} ms later, once creates are no longer held); waiting for Ready\n`,
  );
  // A miss is a result too: recorded (readyCount, timeouts) and reported, never a run without a report.
  const burstConverged = await waitUntil(`${count} pools Ready`, () => readyAt.size >= count, Number(values['timeout-seconds']) * 1000).then(
    () => true,
    () => false,
  );
  const converged = performance.now();
  const burstReady = readyAt.size;
  const latencies = [...createdAt].flatMap(([k, t]) => (readyAt.has(k) ? [readyAt.get(k)! - t] : [])).sort((a, b) => a - b);
  const afterConverge = await rss(operatorPid());
  const burstRequests = requestsPer(burstRequestsBefore, await operatorRequests(metricsUrl), count);
  const burstWork = workPer(burstWorkBefore, await operatorWork(metricsUrl), count);
  const burstCpuByProcessAfter = await cpuByProcess();
  const burstCpuByProcess = Object.fromEntries(Object.entries(burstCpuByProcessAfter).map(([k, v]) => [k, round(v - (burstCpuByProcessBefore[k] ?? 0), 2)]));
  const burstCpuSeconds = burstCpuByProcess.operator ?? 0;
  const burstProfileFile = await profiledBurst;

  // Paced: one apply at a time into a cluster that already holds every pool above, once the burst's trailing
  // events have settled.
  await new Promise((r) => setTimeout(r, 5000));
  const burstRss = await rss(operatorPid());
  const requestsBefore = await operatorRequests(metricsUrl);
  const pacedWorkBefore = await operatorWork(metricsUrl);
  const pacedCpuByProcessBefore = await cpuByProcess();
  const profiledPaced = profile('paced');
  const paced: number[] = [];
  const pacedTimeouts: string[] = [];
  for (let i = count; i < count + Number(values.paced); i++) {
    const pool = makePool(namespace, i);
    const key = `${namespace}/${pool.metadata.name}`;
    const started = performance.now();
    if (TIMELINE && traced(key)) mark('bench.create', { key });
    await client.create(modelPoolResource, pool);
    const ok = await waitUntil(`paced pool ${key} Ready`, () => readyAt.has(key), 30_000).then(
      () => true,
      () => false,
    );
    if (ok) paced.push(readyAt.get(key)! - started);
    else {
      // What the pool said when we gave up: a stall and a slow machine look different here.
      const ready = pools.store.get(key)?.status?.conditions?.find((c) => c.type === 'Ready');
      pacedTimeouts.push(`${key} (${ready ? `${ready.status} ${ready.reason}: ${ready.message}` : 'no Ready condition'})`);
    }
  }
  paced.sort((a, b) => a - b);
  // Trailing work of the last apply (its gateway pass, a Ready write) lands just after Ready is observed.
  await new Promise((r) => setTimeout(r, 1000));
  const pacedRequests = requestsPer(requestsBefore, await operatorRequests(metricsUrl), paced.length);
  const pacedWork = workPer(pacedWorkBefore, await operatorWork(metricsUrl), paced.length);
  const pacedCpuByProcessAfter = await cpuByProcess();
  const pacedCpuMsPerApplyByProcess = Object.fromEntries(
    Object.entries(pacedCpuByProcessAfter).map(([k, v]) => [k, round(((v - (pacedCpuByProcessBefore[k] ?? 0)) * 1000) / paced.length)]),
  );
  const pacedCpuMsPerApply = pacedCpuMsPerApplyByProcess.operator ?? 0;
  const pacedProfileFile = await profiledPaced;
  const end = await rss(operatorPid());
  const memoryAfterPaced = await operatorMemory(metricsUrl);
  await pools.stop();
  const sharedObjects = await sharedObjectSizes(client);

  // Steady state: a restarted operator (every object reconciled from a cold cache) then a periodic resync at
  // --steady-resync-seconds; every write the new process makes counts, its start-up included. --restarts N repeats
  // it (a start-up race shows in some restarts only); BENCH_STEADY_LOG_LEVEL sets the restarted operators' log level.
  const windowMs = (steadyResyncSeconds * 1.5 + 2) * 1000;
  const steadyStateWritesPerRestart: number[] = [];
  const steadyStateWritesByRequest: Record<string, number> = {};
  for (let r = 0; r < Number(values.restarts); r++) {
    await stopOperator();
    await startOperator(steadyResyncSeconds, process.env.BENCH_STEADY_LOG_LEVEL);
    await new Promise((res) => setTimeout(res, windowMs));
    // Which writes, when there are any: a restart that rewrites something is a bug to find, not a number.
    const writes = [...(await operatorRequests(metricsUrl))].filter(([, q]) => q.write && q.n > 0);
    for (const [k, q] of writes) steadyStateWritesByRequest[k] = (steadyStateWritesByRequest[k] ?? 0) + q.n;
    steadyStateWritesPerRestart.push(writes.reduce((a, [, q]) => a + q.n, 0));
  }
  const steadyStateWrites = steadyStateWritesPerRestart.reduce((a, n) => a + n, 0);
  const steadyRss = await rss(operatorPid());

  const report = {
    count,
    modelsPerPool,
    // Burst: all `count` pools created as fast as `concurrency` clients can; latency includes queueing.
    applyToReadyMs: { p50: round(percentile(latencies, 50)), p99: round(percentile(latencies, 99)), max: round(latencies.at(-1) ?? NaN) },
    pacedApplyToReadyMs: { count: paced.length, p50: round(percentile(paced, 50)), p99: round(percentile(paced, 99)) },
    // API requests the operator made per paced apply (includes any periodic resync that fell in the window).
    pacedRequestsPerApply: pacedRequests,
    // API requests the operator made per pool from the burst's start until all were Ready (or the timeout).
    burstRequestsPerPool: burstRequests,
    // Reconciles and gateway passes per pool in the burst / per paced apply (the paced ones include resyncs).
    burstWorkPerPool: burstWork,
    pacedWorkPerApply: pacedWork,
    // The operator's CPU time for the whole burst, and per paced apply (includes resyncs and GC).
    burstCpuSeconds,
    pacedCpuMsPerApply,
    // CPU seconds of etcd, the API server, the operator and this process from the burst's start until all were Ready.
    burstCpuByProcess,
    // CPU ms of etcd, the API server, the operator and this process per paced apply: on 2 cores, the API
    // server's share bounds how fast one apply can be.
    pacedCpuMsPerApplyByProcess,
    ...(burstProfileFile ? { apiserverProfileFile: burstProfileFile } : {}),
    ...(pacedProfileFile ? { apiserverPacedProfileFile: pacedProfileFile } : {}),
    // The machine's 1-minute load average at the end, with its CPU count: the latencies above depend on it.
    machine: { loadAverage1m: round(loadavg()[0]!, 2), cpus: cpus().length },
    // null when not all pools were Ready within --timeout-seconds; burstReady says how many were.
    convergeSeconds: burstConverged ? round((converged - t0) / 1000, 2) : null,
    burstReady,
    // Pools Ready by each second after the burst's start: whether they trickle in or arrive together at the end.
    burstReadyBySecond: Array.from(
      { length: Math.ceil((converged - t0) / 1000) },
      (_, s) => [...readyAt.values()].filter((t) => t - t0 <= (s + 1) * 1000).length,
    ),
    pacedTimeouts,
    createSeconds: round((applied - t0) / 1000, 2),
    crdSettleWaitMs: round(crdSettleWaitMs),
    steadyStateWrites,
    steadyStateWritesByRequest,
    steadyStateWritesPerRestart,
    steadyStateWindowSeconds: windowMs / 1000,
    resyncSeconds,
    steadyResyncSeconds,
    // The restarted operator's RSS after its start-up and a resync.
    steadyRssMb: steadyRss.rssMb,
    // After the paced applies (count + paced pools); rssAfterBurstMb: after the burst had settled.
    rssMb: end.rssMb,
    rssSplitMb: { anon: end.anonMb, file: end.fileMb },
    peakRssMb: Math.max(end.peakRssMb, afterConverge.peakRssMb),
    rssAfterBurstMb: burstRss.rssMb,
    memoryAfterPaced,
    nodeOptions: values['node-options'],
    // Bytes of the gateway's shared objects at the end (JSON as read back), of all their annotations, and of the
    // owners record (docs/evaluation/operator.md, owners16): each apply rewrites these objects whole.
    sharedObjects,
    // Issue 9: one apply with `count` pools present p50 ≤ 150 / p99 ≤ 400 ms; a burst all Ready ≤ 5 s.
    targets: { pacedApplyToReadyP50Ms: 150, pacedApplyToReadyP99Ms: 400, convergeSeconds: 5, steadyStateWrites: 0, rssMb: 200 },
  };
  await mkdir(dirname(values.out), { recursive: true });
  await writeFile(values.out, `${JSON.stringify(report, null, 2)}\n`);
  process.stdout.write(
    [
      `pools                 ${count} (${modelsPerPool} models each)`,
      `apply→Ready p50/p99   ${report.applyToReadyMs.p50} / ${report.applyToReadyMs.p99} ms in the burst (includes queueing)`,
      `  one at a time       ${report.pacedApplyToReadyMs.p50} / ${report.pacedApplyToReadyMs.p99} ms (${paced.length} applies with ${count} pools present; target ≤ 150 / ≤ 400 ms)`,
      `all Ready after       ${report.convergeSeconds !== null ? `${report.convergeSeconds} s` : `NOT CONVERGED (${burstReady}/${count} Ready after ${values['timeout-seconds']} s)`}   (burst of ${count}; target ≤ 5 s)`,
      ...(pacedTimeouts.length ? [`paced timeouts        ${pacedTimeouts.length} pools not Ready within 30 s: ${pacedTimeouts.join(', ')}`] : []),
      `steady-state writes   ${steadyStateWrites} in ${steadyStateWritesPerRestart.length} × ${windowMs / 1000} s after a restart, incl. a ${steadyResyncSeconds} s resync   (target 0)${
        steadyStateWrites
          ? `: ${Object.entries(steadyStateWritesByRequest)
              .map(([k, v]) => `${k}=${v}`)
              .join(', ')}`
          : ''
      }`,
      `operator RSS          ${report.rssMb} MB, peak ${report.peakRssMb} MB   (target ≤ 200 MB; anonymous ${report.rssSplitMb.anon} MB + file-backed ${report.rssSplitMb.file} MB; after the burst ${report.rssAfterBurstMb} MB, restarted ${report.steadyRssMb} MB)`,
      `operator memory (MB)  ${Object.entries(memoryAfterPaced)
        .map(([k, v]) => `${k}=${v}`)
        .join(', ')}   (after the paced applies)`,
      `requests per pool     ${Object.entries(burstRequests)
        .map(([k, v]) => `${k}=${v}`)
        .join(', ')}   (burst)`,
      `requests per apply    ${Object.entries(pacedRequests)
        .map(([k, v]) => `${k}=${v}`)
        .join(', ')}`,
      `work per pool         ${Object.entries(burstWork)
        .map(([k, v]) => `${k}=${v}`)
        .join(', ')}   (burst)`,
      `work per apply        ${Object.entries(pacedWork)
        .map(([k, v]) => `${k}=${v}`)
        .join(', ')}`,
      `operator CPU          ${burstCpuSeconds} s for the burst, ${pacedCpuMsPerApply} ms per paced apply`,
      `paced CPU (ms/apply)  ${Object.entries(pacedCpuMsPerApplyByProcess)
        .map(([k, v]) => `${k}=${v}`)
        .join(', ')}`,
      `shared objects        ${Object.entries(sharedObjects)
        .map(([k, v]) => `${k} ${v.bytes} B (owners ${v.ownersBytes} B)`)
        .join(', ')}`,
      `burst CPU (s)         ${Object.entries(burstCpuByProcess)
        .map(([k, v]) => `${k}=${v}`)
        .join(', ')}`,
      ...(burstProfileFile ? [`apiserver profile     ${burstProfileFile}`] : []),
      ...(pacedProfileFile ? [`apiserver profile     ${pacedProfileFile} (paced)`] : []),
      `machine               load ${report.machine.loadAverage1m} on ${report.machine.cpus} CPUs`,
      `report                ${values.out}`,
    ].join('\n') + '\n',
  );
} finally {
  stopping = true;
  operator?.kill('SIGTERM');
  await controlPlane?.stop();
}

function round(x: number, digits = 0): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
