// `make demo`: the operator end to end on a real control plane.
//
// Without KUBECONFIG: builds (first run only) and starts an embedded kube-apiserver + etcd on loopback.
// With KUBECONFIG: uses that cluster (installs our CRDs; Higress CRD fixtures only where Higress is absent).
// Then: applies config/samples (and the AgentProduct sample, adapted: see applyAgentProduct), runs the operator, shows a live table until every sample is Ready,
// prints the generated Higress objects (tokens masked), then shows the runtimes answering (hack/lib/demo-dataplane.ts:
// the router learning from traffic, its cache, the RAG server over MCP) and HiMarket publishing, and keeps running
// until Ctrl-C.
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
import { managedSelector } from '../src/kube/owner.js';
import { customResource, Resources, type ResourceType } from '../src/kube/resources.js';
import { startOperator } from '../src/operator.js';
import { startDemoHiMarket } from '../src/himarket/testing/demo-env.js';
import { createLogger } from '../src/util/log.js';
import { renderQuestion } from '../src/simulator/data.js';
import { startSimulator } from '../src/simulator/server.js';
import { defaultCrdFiles, installCrds, startControlPlane, type ControlPlane } from './lib/control-plane.js';
import { showRagSearch, showRouterCache, showRouterLearning } from './lib/demo-dataplane.js';
import { say, table, type Sample } from './lib/demo-print.js';

const ROOT = join(import.meta.dirname, '..');
const SAMPLES = join(ROOT, 'config/samples');
const { values } = parseArgs({ options: { once: { type: 'boolean', default: false }, 'timeout-seconds': { type: 'string', default: '120' } } });
const tty = process.stdout.isTTY === true;
// No kubelet runs pods here: the operator starts each RagPipeline's runtime as a loopback child process.
process.env.RAG_LOCAL_PROCESS ??= '1';
// Likewise each SemanticRouter's router, with the model-matrix simulator standing in for the pool's models.
process.env.ROUTER_LOCAL_PROCESS ??= '1';

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

async function applySamples(client: KubeClient): Promise<Sample[]> {
  const files = (await readdir(SAMPLES)).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml').sort();
  const applied: Sample[] = [];
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

async function statusTable(client: KubeClient, samples: Sample[], since: number) {
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
  // The traffic sends the simulator's questions once, in order, all but the last: the cache section asks that one.
  await showRouterLearning(client, samples, sim.url, values.once ? 60_000 : 120_000, values.once === true, sim.questions.length - 1);
  await showRouterCache(client, samples, renderQuestion(sim.questions.at(-1)!));
  await showRagSearch(client, samples, 'How do I rotate a provider API key?', 'handbook/api-keys.md');
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
