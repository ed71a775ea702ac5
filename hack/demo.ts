// `make demo`: the operator end to end on a real control plane.
//
// Without KUBECONFIG: builds (first run only) and starts an embedded kube-apiserver + etcd on loopback.
// With KUBECONFIG: uses that cluster (installs our CRDs; Higress CRD fixtures only where Higress is absent).
// Then: applies config/samples (and the AgentProduct sample, adapted: see applyAgentProduct), runs the operator, shows a live table until every sample is Ready,
// prints the generated Higress objects (tokens masked) and keeps running until Ctrl-C.
// `--once` exits after printing (used by the e2e test).
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { KubeConfig } from '@kubernetes/client-node';
import { parseAllDocuments, stringify } from 'yaml';
import type { AgentProductSpecIn } from '../src/api/v1alpha1/agentproduct.js';
import { CRDS } from '../src/api/v1alpha1/index.js';
import { ENTRY_OWNERS_ANNOTATION } from '../src/higress/console/shared-plugins.js';
import { DEFAULT_HIGRESS_NAMESPACE } from '../src/higress/namespace.js';
import { KubeClient } from '../src/kube/client.js';
import type { KubeObject } from '../src/kube/object.js';
import type { SemanticRouterObject } from '../src/controllers/semanticrouter.js';
import { managedSelector } from '../src/kube/owner.js';
import { customResource, Resources, type ResourceType } from '../src/kube/resources.js';
import { startOperator } from '../src/operator.js';
import { startDemoHiMarket } from '../src/himarket/testing/demo-env.js';
import { createLogger } from '../src/util/log.js';
import { renderQuestion } from '../src/simulator/data.js';
import { startSimulator } from '../src/simulator/server.js';
import { startTraffic } from '../src/simulator/traffic.js';
import { defaultCrdFiles, installCrds, startControlPlane, type ControlPlane } from './lib/control-plane.js';

const ROOT = join(import.meta.dirname, '..');
const SAMPLES = join(ROOT, 'config/samples');
const { values } = parseArgs({ options: { once: { type: 'boolean', default: false }, 'timeout-seconds': { type: 'string', default: '120' } } });
const tty = process.stdout.isTTY === true;
// No kubelet runs pods here: the operator starts each RagPipeline's runtime as a loopback child process.
process.env.RAG_LOCAL_PROCESS ??= '1';
// Likewise each SemanticRouter's router, with the model-matrix simulator standing in for the pool's models.
process.env.ROUTER_LOCAL_PROCESS ??= '1';
const say = (line = '') => process.stdout.write(`${line}\n`);

interface Status {
  conditions?: Array<{ type: string; status: string; reason?: string; message?: string }>;
}
type Resource = KubeObject & { status?: Status };

const OUR_KINDS: ResourceType[] = CRDS.map((c) => customResource(c.group, c.version, c.kind, c.plural));

async function connect(): Promise<{ kubeconfigPath: string; controlPlane?: ControlPlane }> {
  const given = process.env.KUBECONFIG;
  if (given) {
    say(`Using the cluster in KUBECONFIG=${given}`);
    const files = await defaultCrdFiles();
    const kc = new KubeConfig();
    kc.loadFromFile(given);
    const client = KubeClient.fromKubeConfig(kc);
    const higressInstalled = (await client.get(Resources.CustomResourceDefinition, 'wasmplugins.extensions.higress.io')) !== undefined;
    const wanted = files.filter((f) => higressInstalled === false || !f.includes('higress-crds'));
    if (!higressInstalled) say('Higress CRDs not found: installing the WasmPlugin/McpBridge fixtures so the demo can run.');
    await installCrds(given, wanted);
    return { kubeconfigPath: given };
  }
  say('Starting an embedded kube-apiserver + etcd (the first run builds them from the Kubernetes Go modules: several minutes)…');
  const started = Date.now();
  const controlPlane = await startControlPlane({ log: (l) => say(`  ${l}`) });
  say(`Control plane ready at ${controlPlane.server} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return { kubeconfigPath: controlPlane.kubeconfigPath, controlPlane };
}

function resourceFor(obj: KubeObject): ResourceType {
  if (obj.kind === 'Namespace') return Resources.Namespace;
  if (obj.kind === 'Secret') return Resources.Secret;
  if (obj.kind === 'ConfigMap') return Resources.ConfigMap;
  const ours = OUR_KINDS.find((r) => r.kind === obj.kind);
  if (!ours) throw new Error(`config/samples: unsupported kind ${obj.kind}`);
  return ours;
}

/**
 * The AgentProduct sample (config/samples/agentproduct/petstore.yaml) as the demo can run it. The sample reads
 * the Petstore's document from its in-cluster URL, uses a pool `chat` in team-a and counts tokens in a Redis;
 * a loopback control plane has no Pods and no cluster DNS, so the demo keeps everything else and changes
 * three things: the same real Petstore document (test/fixtures/openapi/petstore.yaml) comes from a ConfigMap,
 * the product lives beside the `openai` sample pool in ai-demo, and a Service object stands for the Redis
 * (the operator checks that it exists; no gateway runs here to talk to it).
 */
async function applyAgentProduct(client: KubeClient): Promise<{ rt: ResourceType; namespace: string; name: string }> {
  const ns = 'ai-demo';
  const docs = parseAllDocuments(await readFile(join(SAMPLES, 'agentproduct/petstore.yaml'), 'utf8')).map(
    (d) => d.toJS() as KubeObject & { spec?: AgentProductSpecIn },
  );
  const fm = { fieldManager: 'higress-ai-operator-demo', force: true };
  const document = await readFile(join(ROOT, 'test/fixtures/openapi/petstore.yaml'), 'utf8');
  await client.apply(
    Resources.ConfigMap,
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'petstore-openapi', namespace: ns }, data: { 'openapi.yaml': document } } as KubeObject,
    fm,
  );
  for (const secret of docs.filter((d) => d.kind === 'Secret'))
    await client.apply(Resources.Secret, { ...secret, metadata: { ...secret.metadata, namespace: ns } }, fm);
  const sample = docs.find((d) => d.kind === 'AgentProduct')!;
  const spec = structuredClone(sample.spec!);
  for (const t of spec.tools) {
    if (!t.openapi?.url) continue;
    delete t.openapi.url;
    t.openapi.configMap = { name: 'petstore-openapi', key: 'openapi.yaml' };
  }
  if (spec.agent) spec.agent.model = { pool: 'openai', name: 'gpt-4o' };
  const redis = spec.access?.redis?.service;
  if (redis) {
    const service = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: redis.name, namespace: redis.namespace ?? DEFAULT_HIGRESS_NAMESPACE },
      spec: { ports: [{ name: 'redis', port: 6379 }] },
    };
    await client.apply(Resources.Service, service, fm);
  }
  const rt = resourceFor(sample);
  await client.apply(rt, { ...sample, metadata: { name: sample.metadata.name, namespace: ns }, spec } as KubeObject, fm);
  return { rt, namespace: ns, name: sample.metadata.name ?? '' };
}

async function applySamples(client: KubeClient): Promise<Array<{ rt: ResourceType; namespace: string; name: string }>> {
  const files = (await readdir(SAMPLES)).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml').sort();
  const applied: Array<{ rt: ResourceType; namespace: string; name: string }> = [];
  for (const file of files) {
    for (const doc of parseAllDocuments(await readFile(join(SAMPLES, file), 'utf8'))) {
      const obj = doc.toJS() as KubeObject;
      const rt = resourceFor(obj);
      await client.apply(rt, obj, { fieldManager: 'higress-ai-operator-demo', force: true });
      if (OUR_KINDS.includes(rt)) applied.push({ rt, namespace: obj.metadata.namespace ?? 'default', name: obj.metadata.name ?? '' });
    }
  }
  return applied;
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ')).join('\n');
}

async function statusTable(client: KubeClient, samples: Array<{ rt: ResourceType; namespace: string; name: string }>, since: number) {
  const rows = [['KIND', 'NAMESPACE', 'NAME', 'READY', 'REASON', 'MESSAGE']];
  let ready = 0;
  for (const s of samples) {
    const obj = await client.get<Resource>(s.rt, s.name, s.namespace);
    const c = obj?.status?.conditions?.find((x) => x.type === 'Ready');
    if (c?.status === 'True') ready++;
    rows.push([s.rt.kind, s.namespace, s.name, c?.status ?? '-', c?.reason ?? '-', (c?.message ?? '').slice(0, 70)]);
  }
  const text = `${table(rows)}\n\n${ready}/${samples.length} Ready after ${((Date.now() - since) / 1000).toFixed(1)} s`;
  return { text, allReady: ready === samples.length };
}

/**
 * Copies with API tokens and consumer keys (key-auth `credentials`) masked: the demo prints objects, and
 * printed objects end up in terminals and logs.
 */
function masked(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(masked);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, (k === 'apiTokens' || k === 'credentials') && Array.isArray(v) ? v.map(() => '***') : masked(v)]),
    );
  }
  return value;
}

function printable(obj: KubeObject): unknown {
  const { metadata } = obj;
  const trimmed = { name: metadata.name, namespace: metadata.namespace, labels: metadata.labels, annotations: metadata.annotations };
  const { apiVersion, kind, spec } = obj as KubeObject & { spec?: unknown };
  return masked({ apiVersion, kind, metadata: trimmed, spec });
}

async function printGenerated(client: KubeClient, namespaces: string[]): Promise<void> {
  for (const ns of namespaces) {
    const bridge = await client.get(Resources.McpBridge, 'default', ns);
    // The console's own WasmPlugins that hold entries of ours (ADR 0003).
    const plugins = (await client.list(Resources.WasmPlugin, { namespace: ns })).items.filter((p) => p.metadata.annotations?.[ENTRY_OWNERS_ANNOTATION]);
    const ingresses = (await client.list(Resources.Ingress, { namespace: ns, labelSelector: managedSelector })).items;
    say(`\n# Generated Higress objects in ${ns}: McpBridge/default, ${plugins.length} WasmPlugins, ${ingresses.length} Ingresses (API tokens masked)`);
    for (const obj of [...(bridge ? [bridge] : []), ...plugins, ...ingresses]) say(`---\n${stringify(printable(obj)).trimEnd()}`);
  }
}

/** Sends the simulator's questions to each SemanticRouter as model "auto" and shows its columns move. */
async function showRouterLearning(
  client: KubeClient,
  samples: Array<{ rt: ResourceType; namespace: string; name: string }>,
  simUrl: string,
  forMs: number,
  stopEarly: boolean,
) {
  type RouterView = Resource & {
    status?: { endpoint?: string; routingAccuracy?: string; datasetSize?: number; modelVersion?: string; spend?: string; effectiveKnob?: string };
  };
  const routers = samples.filter((s) => s.rt.kind === 'SemanticRouter');
  if (routers.length === 0) return;
  say('\n# SemanticRouter learning from traffic (model "auto", questions from the simulator)');
  const traffic = [];
  for (const r of routers) {
    const endpoint = (await client.get<RouterView>(r.rt, r.name, r.namespace))?.status?.endpoint;
    if (endpoint) traffic.push(startTraffic({ baseUrl: endpoint, simulatorUrl: simUrl, concurrency: 4 }));
  }
  const until = Date.now() + forMs;
  let last = '';
  const first = new Map<string, number>();
  const latest = new Map<string, { dataset: number; accuracy: string | undefined }>();
  while (Date.now() < until) {
    const rows = [['NAME', 'READY', 'ACCURACY', 'DATASET', 'MODEL', 'SPEND', 'KNOB']];
    for (const r of routers) {
      const o = await client.get<RouterView>(r.rt, r.name, r.namespace);
      const s = o?.status;
      const id = `${r.namespace}/${r.name}`;
      if (typeof s?.datasetSize === 'number') {
        if (!first.has(id)) first.set(id, s.datasetSize);
        latest.set(id, { dataset: s.datasetSize, accuracy: s.routingAccuracy });
      }
      rows.push([
        id,
        s?.conditions?.find((c) => c.type === 'Ready')?.status ?? '-',
        s?.routingAccuracy ?? '-',
        String(s?.datasetSize ?? '-'),
        s?.modelVersion ?? '-',
        s?.spend ?? '-',
        s?.effectiveKnob ?? '-',
      ]);
    }
    const text = table(rows);
    if (text !== last)
      say(`${text}
`);
    last = text;
    // Once every router's columns moved there is nothing more to show in --once mode.
    if (stopEarly && routers.every((r) => moved(first.get(`${r.namespace}/${r.name}`), latest.get(`${r.namespace}/${r.name}`)))) break;
    await new Promise((r) => setTimeout(r, 2000));
  }
  for (const t of traffic) t.stop();
  // The README's claim, checked on every run: DATASET grows and ACCURACY appears while the flywheel runs.
  const stuck = routers.map((r) => `${r.namespace}/${r.name}`).filter((id) => !moved(first.get(id), latest.get(id)));
  if (stuck.length) {
    throw new Error(
      `SemanticRouter columns did not move in ${forMs / 1000} s: ${stuck.map((id) => `${id} DATASET ${first.get(id) ?? '-'} → ${latest.get(id)?.dataset ?? '-'}, ACCURACY ${latest.get(id)?.accuracy ?? '-'}`).join('; ')}`,
    );
  }
  for (const [id, l] of latest) say(`SemanticRouter ${id}: columns moved (DATASET ${first.get(id)} → ${l.dataset}, ACCURACY ${l.accuracy})`);
}

/**
 * The sample router's spec.cache, shown working: one question the traffic above did not send, asked twice through
 * the router's OpenAI endpoint (x-cache: miss, then hit-exact), then the hit as the router's /status reports it
 * into status.cache (the CACHE column of `kubectl get sr -o wide`) and the Cached condition. Fails when the second
 * answer is not the first one served from the cache.
 */
async function showRouterCache(client: KubeClient, samples: Array<{ rt: ResourceType; namespace: string; name: string }>, question: string) {
  for (const r of samples.filter((s) => s.rt.kind === 'SemanticRouter')) {
    const router = await client.get<SemanticRouterObject>(r.rt, r.name, r.namespace);
    const endpoint = router?.status?.endpoint;
    if (!endpoint || !router.status?.cache) continue; // no spec.cache: nothing to show
    const id = `${r.namespace}/${r.name}`;
    say(`\n# SemanticRouter ${id} semantic cache (spec.cache): one question asked twice`);
    const answers: string[] = [];
    const before = router.status.cache.exactHits ?? 0;
    for (const n of [1, 2]) {
      const res = await fetch(`${endpoint}/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'auto', messages: [{ role: 'user', content: question }] }),
      });
      const body = (await res.json()) as { model?: string; choices?: Array<{ message?: { content?: string } }> };
      answers.push(body.choices?.[0]?.message?.content ?? '');
      say(`request ${n}: HTTP ${res.status}, x-cache: ${res.headers.get('x-cache') ?? '-'}, model ${body.model ?? '-'}`);
      if (n === 2 && (res.headers.get('x-cache') !== 'hit-exact' || answers[1] !== answers[0])) {
        throw new Error(`SemanticRouter ${id}: the repeated question was not served from the cache (x-cache ${res.headers.get('x-cache')})`);
      }
    }
    // The router's /status reaches status.cache on the next poll (spec.statusPollSeconds).
    const counted = await waitUntil(async () => {
      const o = await client.get<SemanticRouterObject>(r.rt, r.name, r.namespace);
      return (o?.status?.cache?.exactHits ?? 0) > before ? o : undefined;
    }, 30_000);
    if (!counted) throw new Error(`SemanticRouter ${id}: status.cache did not count the hit in 30 s`);
    const c = counted.status!.cache!;
    say(
      table([
        ['NAME', 'CACHE', 'LOOKUPS', 'EXACT HITS', 'ENTRIES', 'TOKENS SAVED', 'USD SAVED'],
        [id, c.hitRate, String(c.lookups ?? '-'), String(c.exactHits ?? '-'), String(c.entries ?? '-'), String(c.tokensSaved ?? '-'), c.usdSaved ?? '-'],
      ]),
    );
    const cached = counted.status!.conditions?.find((x) => x.type === 'Cached');
    say(`Cached=${cached?.status ?? '-'} ${cached?.reason ?? ''}: ${cached?.message ?? ''}`);
    say(`SemanticRouter ${id}: the repeated question was served from the cache (hit counted in status.cache)`);
  }
}

/** Polls `read` until it returns a value, or undefined after `ms`. */
async function waitUntil<T>(read: () => Promise<T | undefined>, ms: number): Promise<T | undefined> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await read();
    if (v !== undefined || Date.now() > until) return v;
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** DATASET grew and ACCURACY appeared. */
function moved(first: number | undefined, latest: { dataset: number; accuracy: string | undefined } | undefined): boolean {
  return first !== undefined && latest !== undefined && latest.dataset > first && latest.accuracy !== undefined;
}

let controlPlane: ControlPlane | undefined;
let stopOperator: (() => Promise<void>) | undefined;
const shutdown = async (code: number) => {
  await stopOperator?.();
  await controlPlane?.stop();
  process.exit(code);
};
process.once('SIGINT', () => void shutdown(0));
process.once('SIGTERM', () => void shutdown(0));

try {
  const conn = await connect();
  controlPlane = conn.controlPlane;
  const kc = new KubeConfig();
  kc.loadFromFile(conn.kubeconfigPath);
  const client = KubeClient.fromKubeConfig(kc);
  const sim = await startSimulator({ timeScale: 0.01 });
  const operator = await startOperator({
    kubeConfig: kc,
    log: createLogger('operator', process.env.LOG_LEVEL ?? 'error'),
    router: { local: { upstreamUrl: `${sim.url}/v1` } },
  });
  stopOperator = () => operator.stop();
  await operator.synced;
  say('Operator running. Applying config/samples …\n');
  const since = Date.now();
  const samples = [...(await applySamples(client)), await applyAgentProduct(client)];
  const deadline = since + Number(values['timeout-seconds']) * 1000;
  let last = '';
  for (;;) {
    const { text, allReady } = await statusTable(client, samples, since);
    if (tty) process.stdout.write(`\x1b[2J\x1b[H${text}\n`);
    else if (text.split('\n\n')[0] !== last) say(`${text}\n`);
    last = text.split('\n\n')[0]!;
    if (allReady) break;
    if (Date.now() > deadline) {
      say('Not every sample became Ready in time; the REASON/MESSAGE columns say why.');
      await shutdown(1);
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  await printGenerated(client, [DEFAULT_HIGRESS_NAMESPACE]);
  await showRouterLearning(client, samples, sim.url, values.once ? 60_000 : 120_000, values.once === true);
  // The traffic sends the simulator's questions in order from the first: the last one is new to the cache.
  await showRouterCache(client, samples, renderQuestion(sim.questions.at(-1)!));
  // HiMarket: the contract server stands in for a real HiMarket (docs/himarket.md); ModelPool ai-demo/openai gets spec.publish.
  const himarket = await startDemoHiMarket(client, { namespace: 'ai-demo', pool: 'openai', gatewayNamespace: DEFAULT_HIGRESS_NAMESPACE, target: 'gpt-4o' });
  const onStop = stopOperator;
  stopOperator = async () => void (await onStop?.(), await himarket.stop());
  const pub = await himarket.waitPublished(30_000);
  say(`---\n# HiMarket (contract server at ${himarket.url}): ModelPool ai-demo/openai status.publish\n${stringify({ publish: pub ?? null }).trimEnd()}`);
  if (values.once) await shutdown(0);
  say(
    `\nEverything is Ready. The operator keeps reconciling: try\n  export KUBECONFIG=${conn.kubeconfigPath}\n  kubectl get modelpools -A\nCtrl-C stops the operator${controlPlane ? ' and the control plane' : ''}.`,
  );
} catch (err) {
  process.stderr.write(`demo failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  await shutdown(1);
}
