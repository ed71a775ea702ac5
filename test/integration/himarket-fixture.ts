// Shared set-up for the HiMarket integration tests: a HiMarket contract server, a Higress-console test
// server reading the real API server, the Secrets and a HiMarketConnection in a fresh namespace.
import type { HiMarketConnectionSpecIn } from '../../src/api/v1alpha1/himarketconnection.js';
import type { ModelPoolSpecIn } from '../../src/api/v1alpha1/modelpool.js';
import { himarketConnectionResource, type HiMarketConnectionObject } from '../../src/controllers/himarket-connection.js';
import type { ModelPoolObject } from '../../src/controllers/modelpool.js';
import { modelPoolResource } from '../../src/controllers/resources.js';
import { ConsoleTestServer } from '../../src/himarket/testing/console-server.js';
import { HiMarketContractServer } from '../../src/himarket/testing/contract-server.js';
import { ensureConsoleRoute as sharedEnsureConsoleRoute, writeConsoleAiRoute } from '../../src/himarket/testing/demo-env.js';
import { KubeClient } from '../../src/kube/client.js';
import type { KubeObject } from '../../src/kube/object.js';
import { Resources } from '../../src/kube/resources.js';
import { gatewayNamespace, testKubeConfig, uniqueNamespace, waitFor } from './support/kube.js';

/** Distinctive secret values: the secret-grep looks for them in logs, events and status. */
export const HIMARKET_PASSWORD = 'hm-admin-S3cret-7f41c2';
export const CONSOLE_PASSWORD = 'console-S3cret-9a2b77';

export const client = KubeClient.fromKubeConfig(testKubeConfig());

export interface HiMarketEnv {
  ns: string;
  gw: string;
  himarket: HiMarketContractServer;
  console: ConsoleTestServer;
  connection: string;
  stop(): Promise<void>;
}

export async function startHiMarketEnv(prefix: string, opts: { port?: number; operatorRbac?: boolean } = {}): Promise<HiMarketEnv> {
  const ns = await uniqueNamespace(`${prefix}-ns`);
  // With operatorRbac the gateway namespace carries the operator's Higress-namespace grants (generated RBAC).
  const gw = opts.operatorRbac ? await gatewayNamespace(`${prefix}-gw`) : await uniqueNamespace(`${prefix}-gw`);
  const himarket = new HiMarketContractServer({ admin: HIMARKET_PASSWORD });
  const console = new ConsoleTestServer({ client, namespace: gw, username: 'admin', password: CONSOLE_PASSWORD });
  await himarket.start(opts.port ?? 0);
  await console.start();
  await secret(ns, 'himarket-admin', { username: 'admin', password: HIMARKET_PASSWORD });
  await secret(ns, 'console-admin', { username: 'admin', password: CONSOLE_PASSWORD });
  const spec: HiMarketConnectionSpecIn = {
    server: himarket.url,
    credentialsSecretRef: { name: 'himarket-admin' },
    gateway: {
      name: `higress-${gw}`,
      consoleAddress: console.url,
      consoleCredentialsSecretRef: { name: 'console-admin' },
      gatewayAddress: 'http://gw.example.com',
    },
    portals: ['default', 'partners'],
  };
  await client.create(himarketConnectionResource, {
    apiVersion: 'ai.higress.io/v1alpha1',
    kind: 'HiMarketConnection',
    metadata: { name: 'himarket', namespace: ns },
    spec,
  } as unknown as KubeObject);
  return { ns, gw, himarket, console, connection: 'himarket', stop: async () => void (await Promise.all([himarket.stop(), console.stop()])) };
}

export async function secret(ns: string, name: string, data: Record<string, string>): Promise<void> {
  await client.create(Resources.Secret, { apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: ns }, stringData: data } as KubeObject);
}

export async function waitConnection(env: HiMarketEnv, reason = 'Connected', timeoutMs = 30_000): Promise<HiMarketConnectionObject> {
  return waitFor(
    async () => {
      const c = await client.get<HiMarketConnectionObject>(himarketConnectionResource, env.connection, env.ns);
      return c?.status?.conditions?.find((x) => x.type === 'Ready')?.reason === reason ? c : undefined;
    },
    { timeoutMs, description: `HiMarketConnection Ready reason ${reason}` },
  );
}

/** A pool whose single model needs no Secret (passthrough). */
export function poolSpec(gw: string, extra: Partial<ModelPoolSpecIn> = {}): ModelPoolSpecIn {
  return { gateway: { namespace: gw }, models: [{ name: 'qwen-max', provider: { type: 'openai-compatible', endpoint: 'http://llm.local/v1' } }], ...extra };
}

export async function createPool(ns: string, name: string, spec: ModelPoolSpecIn): Promise<void> {
  await client.create(modelPoolResource, {
    apiVersion: 'ai.higress.io/v1alpha1',
    kind: 'ModelPool',
    metadata: { name, namespace: ns },
    spec,
  } as unknown as KubeObject);
}

export async function getPool(ns: string, name: string): Promise<ModelPoolObject | undefined> {
  return client.get<ModelPoolObject>(modelPoolResource, name, ns);
}

export async function patchPool(ns: string, name: string, patch: unknown): Promise<void> {
  await client.patch(modelPoolResource, name, ns, patch, 'merge');
}

/** The console AI route `ai-route-<name>` (higress.md §11), as the console — and so HiMarket — reads it. */
export async function consoleAiRoute(gw: string, name: string, providers: string[]): Promise<void> {
  await writeConsoleAiRoute(client, gw, name, providers);
}

/**
 * The console route HiMarket links for a pool: once the ModelPool controller writes console-native AI
 * routes (issue 10) its status names ConfigMap `ai-route-<n>` and nothing is created; until then the status
 * names the pool's Ingress route and the console form is written for it (plays the console branch).
 */
export async function ensureConsoleRoute(ns: string, name: string, gw: string, timeoutMs = 30_000): Promise<string> {
  return waitFor(async () => sharedEnsureConsoleRoute(client, gw, (await getPool(ns, name))?.status?.generatedObjects), {
    timeoutMs,
    description: `console route of ModelPool ${ns}/${name}`,
  });
}

export async function waitPublish(
  ns: string,
  name: string,
  pred: (p: ModelPoolObject) => boolean,
  description: string,
  timeoutMs = 30_000,
): Promise<ModelPoolObject> {
  return waitFor(
    async () => {
      const p = await getPool(ns, name);
      return p && pred(p) ? p : undefined;
    },
    { timeoutMs, description },
  );
}

export const publishedReason = (p: ModelPoolObject) => p.status?.publish?.conditions?.find((c) => c.type === 'Published')?.reason;
