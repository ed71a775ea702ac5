import type { KubeClient } from '../../kube/client.js';
import type { KubeObject } from '../../kube/object.js';
import { customResource, Resources } from '../../kube/resources.js';
import { himarketConnectionCrd } from '../../api/v1alpha1/himarketconnection.js';
import { API_GROUP, API_VERSION } from '../../api/v1alpha1/group.js';
import type { PublishStatus } from '../../api/v1alpha1/publish.js';
import { ConsoleTestServer } from './console-server.js';
import { HiMarketContractServer } from './contract-server.js';

/**
 * TEST/DEMO ONLY. `make demo` in local mode has no HiMarket: this starts the HiMarket contract server and
 * the console test server on loopback, writes the Secrets and a HiMarketConnection pointing at them and
 * adds `spec.publish` to one ModelPool, so the demo ends with a published product. Against a real
 * HiMarket you write those objects yourself (docs/himarket.md).
 */

const connectionResource = customResource(API_GROUP, API_VERSION, himarketConnectionCrd.kind, himarketConnectionCrd.plural);
const poolResource = customResource(API_GROUP, API_VERSION, 'ModelPool', 'modelpools');

export interface DemoHiMarket {
  url: string;
  /** Wait until the pool's product is published (or `timeoutMs` passes); returns the publish status seen last. */
  waitPublished(timeoutMs: number): Promise<PublishStatus | undefined>;
  stop(): Promise<void>;
}

export async function startDemoHiMarket(
  client: KubeClient,
  opts: { namespace: string; pool: string; gatewayNamespace: string; target?: string },
): Promise<DemoHiMarket> {
  const adminPassword = `demo-${Math.random().toString(36).slice(2)}`;
  const consolePassword = `demo-${Math.random().toString(36).slice(2)}`;
  const himarket = new HiMarketContractServer({ admin: adminPassword });
  const console = new ConsoleTestServer({ client, namespace: opts.gatewayNamespace, username: 'admin', password: consolePassword });
  const url = await himarket.start();
  await console.start();
  const { namespace: ns } = opts;
  const secret = (name: string, password: string) =>
    ({ apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: ns }, stringData: { username: 'admin', password } }) as KubeObject;
  await client.apply(Resources.Secret, secret('himarket-admin', adminPassword), { fieldManager: 'higress-ai-operator-demo', force: true });
  await client.apply(Resources.Secret, secret('higress-console-admin', consolePassword), { fieldManager: 'higress-ai-operator-demo', force: true });
  const connection = {
    apiVersion: `${API_GROUP}/${API_VERSION}`,
    kind: 'HiMarketConnection',
    metadata: { name: 'himarket', namespace: ns },
    spec: {
      server: url,
      credentialsSecretRef: { name: 'himarket-admin' },
      gateway: {
        name: 'higress-demo',
        consoleAddress: console.url,
        consoleCredentialsSecretRef: { name: 'higress-console-admin' },
        gatewayAddress: 'http://localhost:8080',
      },
      portals: ['default'],
    },
  };
  await client.apply(connectionResource, connection, { fieldManager: 'higress-ai-operator-demo', force: true });
  // The demo pool serves two models and no alias: a product links one route, so it names which (docs/himarket.md).
  const publish = {
    connectionRef: { name: 'himarket' },
    target: opts.target,
    description: 'Chat models behind the Higress AI gateway',
    categories: ['llm'],
    cancelSubscriptions: true,
  };
  await client.patch(poolResource, opts.pool, ns, { spec: { publish } }, 'merge');

  const waitPublished = async (timeoutMs: number): Promise<PublishStatus | undefined> => {
    const deadline = Date.now() + timeoutMs;
    let last: PublishStatus | undefined;
    for (;;) {
      const pool = await client.get<KubeObject & { status?: { publish?: PublishStatus; generatedObjects?: Array<{ kind: string; name: string }> } }>(
        poolResource,
        opts.pool,
        ns,
      );
      last = pool?.status?.publish;
      if (last?.conditions?.some((c) => c.type === 'Published' && c.status === 'True')) return last;
      if (pool) await ensureConsoleRoute(client, opts.gatewayNamespace, pool.status?.generatedObjects).catch(() => undefined);
      if (Date.now() > deadline) return last;
      await new Promise((r) => setTimeout(r, 300));
    }
  };
  return { url, waitPublished, stop: async () => void (await Promise.all([himarket.stop(), console.stop()])) };
}

/**
 * Until the ModelPool controller writes console-native AI routes (issue 10), its status names its Ingress
 * route; this writes the console form HiMarket reads for it — ConfigMap `ai-route-<n>` with the AiRoute JSON
 * (higress.md §11). Does nothing when the status already names a console ConfigMap. Returns the route name.
 */
export async function ensureConsoleRoute(
  client: KubeClient,
  gatewayNamespace: string,
  generated: ReadonlyArray<{ kind: string; name: string }> | undefined,
): Promise<string | undefined> {
  const objs = generated ?? [];
  const native = objs.find((o) => o.kind === 'ConfigMap' && o.name.startsWith('ai-route-'));
  if (native) return native.name.slice('ai-route-'.length);
  const route = objs.find((o) => o.kind === 'Ingress')?.name;
  if (!route) return undefined;
  if (!(await client.get(Resources.ConfigMap, `ai-route-${route}`, gatewayNamespace))) await writeConsoleAiRoute(client, gatewayNamespace, route, []);
  return route;
}

/** ConfigMap `ai-route-<name>` as the console writes it: two labels, `data.data` = AiRoute JSON named <name>. */
export async function writeConsoleAiRoute(client: KubeClient, gatewayNamespace: string, name: string, providers: readonly string[]): Promise<void> {
  const aiRoute = {
    name,
    domains: [],
    pathPredicate: { matchType: 'PRE', matchValue: '/', caseSensitive: false },
    upstreams: providers.map((provider) => ({ provider, weight: 100 })),
  };
  await client.create(Resources.ConfigMap, {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: `ai-route-${name}`,
      namespace: gatewayNamespace,
      labels: { 'higress.io/config-map-type': 'ai-route', 'higress.io/resource-definer': 'higress' },
    },
    data: { data: JSON.stringify(aiRoute) },
  } as KubeObject);
}
