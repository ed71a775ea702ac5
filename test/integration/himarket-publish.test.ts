// spec.publish on ModelPool, end to end on the real API server: the operator (in process) publishes to
// the HiMarket contract server, which links through the Higress-console test server reading the real
// API server. Every product count is read from the HiMarket side: "exactly one" is the point.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { PRODUCT_ID_ANNOTATION, PUBLISH_FINALIZER } from '../../src/api/v1alpha1/publish.js';
import { himarketConnectionResource, type HiMarketConnectionObject } from '../../src/controllers/himarket-connection.js';
import { modelPoolResource } from '../../src/controllers/resources.js';
import { startOperator, type Operator } from '../../src/operator.js';
import { Resources } from '../../src/kube/resources.js';
import type { KubeObject } from '../../src/kube/object.js';
import { createLogger } from '../../src/util/log.js';
import {
  client,
  CONSOLE_PASSWORD,
  createPool,
  ensureConsoleRoute,
  getPool,
  HIMARKET_PASSWORD,
  patchPool,
  poolSpec,
  publishedReason,
  startHiMarketEnv,
  waitConnection,
  waitPublish,
  type HiMarketEnv,
} from './himarket-fixture.js';
import { testKubeConfig, waitFor } from './support/kube.js';

const logLines: string[] = [];
let operator: Operator;
let env: HiMarketEnv;

beforeAll(async () => {
  env = await startHiMarketEnv('hm-pub');
  const sink = { write: (s: string) => void logLines.push(s) };
  operator = await startOperator({ kubeConfig: testKubeConfig(), resyncPeriodMs: 0, log: createLogger('operator', 'debug', sink) });
  await operator.synced;
  await waitConnection(env);
});
afterAll(async () => {
  await operator?.stop();
  await env?.stop();
});

const publish = (over: Record<string, unknown> = {}) => ({ connectionRef: { name: 'himarket' }, description: 'Chat models', categories: ['llm'], ...over });

/** Create a pool, give it a console route, wait until its product is linked and published. */
async function published(name: string, extra: Record<string, unknown> = {}) {
  await createPool(env.ns, name, poolSpec(env.gw, { publish: publish(extra) }));
  const route = await ensureConsoleRoute(env.ns, name, env.gw);
  const pool = await waitPublish(env.ns, name, (p) => publishedReason(p) === 'Published', `${name} Published`);
  return { route, pool, productId: pool.status!.publish!.productId! };
}

describe('HiMarketConnection', () => {
  it('registers the gateway (found again by name) and the portals; status carries ids, never the password', async () => {
    const conn = await client.get<HiMarketConnectionObject>(himarketConnectionResource, 'himarket', env.ns);
    expect(conn?.status).toMatchObject({ reachable: true, authenticated: true, gatewayId: expect.stringMatching(/^higress-/) });
    expect(conn?.status?.portals?.map((p) => p.name)).toEqual(['default', 'partners']);
    expect(env.himarket.gateways).toHaveLength(1);
    expect(env.himarket.gateways[0]!.higressConfig.address).toBe(env.console.url);
  });
});

describe('ModelPool spec.publish', () => {
  it('create → linked to the console AI route → published to every portal; one product, id in status and annotation', async () => {
    const { route, pool, productId } = await published('chat');
    const st = pool.status!.publish!;
    expect(st).toMatchObject({
      productName: `${env.ns}-chat`,
      linkState: 'Linked',
      linkTarget: { modelRouteName: route },
      subscriptions: 0,
      productStatus: 'PUBLISHED',
    });
    expect(st.publications?.map((p) => [p.portal, p.published])).toEqual([
      ['default', true],
      ['partners', true],
    ]);
    expect(st.portalUrl).toMatch(/^http:\/\/portal-[0-9a-f]+\.himarket\.local$/);
    expect(pool.metadata.annotations?.[PRODUCT_ID_ANNOTATION]).toBe(productId);
    expect(pool.metadata.finalizers).toContain(PUBLISH_FINALIZER);
    expect(env.himarket.productsNamed(`${env.ns}-chat`)).toHaveLength(1);
    const row = env.himarket.products.get(productId)!;
    expect(row.type).toBe('MODEL_API');
    expect(row.document).toContain('curl -sS http://gw.example.com/v1/chat/completions');
    expect(env.console.requests).toContain(`GET /v1/ai/routes/${route}`);
    // The pool's own controller keeps writing its status; ours must survive it.
    expect(pool.status?.conditions?.some((c) => c.type === 'Ready')).toBe(true);
  });

  it('update: a new description is PUT with the categories kept; rename keeps the product id', async () => {
    const { productId } = await published('upd');
    const catIds = env.himarket.products.get(productId)!.categoryIds;
    expect(catIds).toHaveLength(1);
    await patchPool(env.ns, 'upd', { spec: { publish: { description: 'Better chat models' } } });
    await waitFor(() => env.himarket.products.get(productId)?.description === 'Better chat models', { timeoutMs: 20_000, description: 'description updated' });
    expect(env.himarket.products.get(productId)!.categoryIds).toEqual(catIds);
    await patchPool(env.ns, 'upd', { spec: { publish: { productName: 'Renamed Chat' } } });
    const renamed = await waitPublish(env.ns, 'upd', (p) => p.status?.publish?.productName === 'Renamed Chat', 'renamed');
    expect(renamed.status!.publish!.productId).toBe(productId);
    expect(env.himarket.products.size).toBe(new Set([...env.himarket.products.values()].map((p) => p.name.toLowerCase())).size);
    expect(env.himarket.products.get(productId)!.categoryIds).toEqual(catIds);
  });

  it('portals: remove one, add it back', async () => {
    const { productId } = await published('portals');
    await patchPool(env.ns, 'portals', { spec: { publish: { portals: ['partners'] } } });
    await waitFor(() => env.himarket.publications.filter((p) => p.productId === productId).length === 1, { timeoutMs: 20_000, description: 'one publication' });
    const only = await waitPublish(env.ns, 'portals', (p) => p.status?.publish?.publications?.length === 1, 'status lists one portal');
    expect(only.status!.publish!.publications![0]).toMatchObject({ portal: 'partners', published: true });
    await patchPool(env.ns, 'portals', { spec: { publish: { portals: ['default', 'partners'] } } });
    await waitFor(() => env.himarket.publications.filter((p) => p.productId === productId).length === 2, {
      timeoutMs: 20_000,
      description: 'two publications',
    });
  });

  it('delete with cancelSubscriptions: subscriptions cancelled (grants revoked), product deleted, finalizer released', async () => {
    const { productId } = await published('del-subs', { cancelSubscriptions: true });
    const sub = env.himarket.subscribe(productId);
    await client.delete(modelPoolResource, 'del-subs', env.ns);
    await waitFor(async () => (await getPool(env.ns, 'del-subs')) === undefined, { timeoutMs: 30_000, description: 'pool gone' });
    expect(env.himarket.products.has(productId)).toBe(false);
    expect(env.himarket.grants.has(`${sub.consumerId}/${productId}`)).toBe(false);
  });

  it('delete without cancelSubscriptions: product deleted, Higress grants left as HiMarket leaves them', async () => {
    const { productId } = await published('del-plain');
    const sub = env.himarket.subscribe(productId);
    await client.delete(modelPoolResource, 'del-plain', env.ns);
    await waitFor(async () => (await getPool(env.ns, 'del-plain')) === undefined, { timeoutMs: 30_000, description: 'pool gone' });
    expect(env.himarket.products.has(productId)).toBe(false);
    expect(env.himarket.grants.has(`${sub.consumerId}/${productId}`)).toBe(true);
  });

  it('subscription count in status follows HiMarket', async () => {
    const { productId } = await published('subs');
    env.himarket.subscribe(productId);
    env.himarket.subscribe(productId);
    await patchPool(env.ns, 'subs', { metadata: { labels: { poke: '1' } } });
    await waitPublish(env.ns, 'subs', (p) => p.status?.publish?.subscriptions === 2, 'subscriptions = 2');
  });

  it('409 path: a foreign product with the same name (ignoring case) is a NameConflict condition, not a duplicate', async () => {
    await fetchAdmin('/products', { name: `${env.ns}-CLASH`, type: 'MODEL_API', document: 'made by hand' });
    await createPool(env.ns, 'clash', poolSpec(env.gw, { publish: publish() }));
    const p = await waitPublish(env.ns, 'clash', (x) => publishedReason(x) === 'NameConflict', 'NameConflict');
    expect(p.status!.publish!.conditions![0]!.message).toMatch(/not managed by this resource/);
    expect([...env.himarket.products.values()].filter((x) => x.name.toLowerCase() === `${env.ns}-clash`)).toHaveLength(1);
  });

  it('HiMarket down for a while → HiMarketUnreachable condition → recovers with one product', async () => {
    env.himarket.faults.down = true;
    try {
      await createPool(env.ns, 'outage', poolSpec(env.gw, { publish: publish() }));
      await waitPublish(env.ns, 'outage', (p) => publishedReason(p) === 'HiMarketUnreachable', 'HiMarketUnreachable');
    } finally {
      env.himarket.faults.down = false;
    }
    await ensureConsoleRoute(env.ns, 'outage', env.gw);
    await waitPublish(env.ns, 'outage', (p) => publishedReason(p) === 'Published', 'recovered', 60_000);
    expect(env.himarket.productsNamed(`${env.ns}-outage`)).toHaveLength(1);
  });

  it('HiMarket stores the product, the answer is lost and HiMarket stays down a while → recovers with that one product', async () => {
    let stored: string | undefined;
    env.himarket.faults.afterCreate = (productId) => {
      delete env.himarket.faults.afterCreate;
      stored = productId;
      env.himarket.faults.down = true;
      return 'drop' as const;
    };
    try {
      await createPool(env.ns, 'midway', poolSpec(env.gw, { publish: publish() }));
      await waitFor(() => stored, { timeoutMs: 30_000, description: 'HiMarket stored the product, then went down' });
      await waitPublish(env.ns, 'midway', (p) => publishedReason(p) === 'HiMarketUnreachable', 'HiMarketUnreachable after the lost answer');
      // Down for a while: the retries with backoff hit a dead server more than once.
      await new Promise((r) => setTimeout(r, 3000));
    } finally {
      delete env.himarket.faults.afterCreate;
      env.himarket.faults.down = false;
    }
    await ensureConsoleRoute(env.ns, 'midway', env.gw);
    const pool = await waitPublish(env.ns, 'midway', (p) => publishedReason(p) === 'Published', 'recovered', 60_000);
    expect(env.himarket.productsNamed(`${env.ns}-midway`)).toHaveLength(1);
    expect(pool.status!.publish!.productId).toBe(stored);
    expect(pool.metadata.annotations?.[PRODUCT_ID_ANNOTATION]).toBe(stored);
  });

  it('two operator replicas racing: both find no product and both POST it → exactly one product, both agree on its id', async () => {
    const sink = { write: (s: string) => void logLines.push(s) };
    const second = await startOperator({ kubeConfig: testKubeConfig(), resyncPeriodMs: 0, log: createLogger('operator-2', 'debug', sink) });
    let arrived = 0;
    let release!: () => void;
    const both = new Promise<void>((r) => (release = r));
    // Hold the first create until the other replica's create arrives (bounded, so a lost race cannot hang the test).
    const bound = setTimeout(() => release(), 8000);
    env.himarket.faults.beforeCreate = async () => {
      if (++arrived === 2) release();
      await both;
    };
    try {
      await second.synced;
      const { productId, pool } = await published('race');
      expect(arrived).toBe(2);
      expect(env.himarket.productsNamed(`${env.ns}-race`)).toHaveLength(1);
      expect(pool.metadata.annotations?.[PRODUCT_ID_ANNOTATION]).toBe(productId);
      // The loser's create was a 409; it adopted the winner's product instead of reporting a conflict.
      const settled = await waitPublish(env.ns, 'race', (p) => publishedReason(p) === 'Published', 'still Published with both replicas running');
      expect(settled.status!.publish!.productId).toBe(productId);
    } finally {
      clearTimeout(bound);
      delete env.himarket.faults.beforeCreate;
      await second.stop();
    }
  });

  it('bad credentials → connection condition HiMarketAuthenticationFailed, no crash loop; fixed Secret → Connected', async () => {
    const before = env.himarket.requests.filter((r) => r === 'POST /admins/login').length;
    await client.patch(Resources.Secret, 'himarket-admin', env.ns, { stringData: { password: 'wrong-password' } }, 'merge');
    const bad = await waitConnection(env, 'HiMarketAuthenticationFailed');
    expect(bad.status).toMatchObject({
      reachable: true,
      authenticated: false,
      lastError: { reason: 'AuthenticationFailed', httpStatus: 401, code: 'UNAUTHORIZED' },
    });
    await new Promise((r) => setTimeout(r, 2000));
    // A refused login waits for the poll or a Secret change; it does not hammer HiMarket.
    expect(env.himarket.requests.filter((r) => r === 'POST /admins/login').length - before).toBeLessThan(6);
    const refused = await waitPublish(env.ns, 'chat', (p) => publishedReason(p) === 'HiMarketAuthenticationFailed', 'pool shows the refusal');
    expect(refused.status!.publish!.conditions![0]!.message).toMatch(/^HiMarketConnection himarket: POST \/admins\/login: HTTP 401 UNAUTHORIZED/);
    await client.patch(Resources.Secret, 'himarket-admin', env.ns, { stringData: { password: HIMARKET_PASSWORD } }, 'merge');
    await waitConnection(env, 'Connected');
    await waitPublish(env.ns, 'chat', (p) => publishedReason(p) === 'Published', 'pool published again');
  });

  it('secret-grep: neither password appears in logs, events or any status', async () => {
    const events = await client.list<KubeObject & { message?: string }>(Resources.Event, { namespace: env.ns });
    const pools = await client.list(modelPoolResource, { namespace: env.ns });
    const conns = await client.list(himarketConnectionResource, { namespace: env.ns });
    const haystack = [
      logLines.join(''),
      JSON.stringify(events.items),
      JSON.stringify(pools.items.map((p) => (p as { status?: unknown }).status)),
      JSON.stringify(conns.items.map((c) => (c as { status?: unknown }).status)),
    ].join('\n');
    expect(logLines.length).toBeGreaterThan(0);
    expect(events.items.length).toBeGreaterThan(0);
    for (const secret of [HIMARKET_PASSWORD, CONSOLE_PASSWORD, 'wrong-password']) expect(haystack).not.toContain(secret);
    // Tokens are secrets too.
    expect(haystack).not.toMatch(/eyJ[A-Za-z0-9_-]{20,}/);
  });
});

async function fetchAdmin(path: string, body: unknown): Promise<void> {
  const login = await fetch(`${env.himarket.url}/admins/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password: HIMARKET_PASSWORD }),
  });
  const token = ((await login.json()) as { data: { access_token: string } }).data.access_token;
  const res = await fetch(`${env.himarket.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${path}: ${res.status}`);
}
