// The HiMarket contract server against the typed client: every behaviour below is a line of
// himarket.md §12 ("Verified on a live server"), quoted in the test name, so the server cannot drift from
// the contract and the client is proven to survive it. Linking (which needs the console and a real API
// server) is covered in test/integration/himarket-contract.test.ts.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HiMarketClient } from './client.js';
import { HiMarketError } from './errors.js';
import { HiMarketContractServer } from './testing/contract-server.js';
import { parseHiMarketTime, TIMESTAMP } from './types.js';

const server = new HiMarketContractServer({ admin: 'admin-pw', other: 'other-pw' });
let url = '';
const client = () => new HiMarketClient({ baseUrl: url, username: 'admin', password: 'admin-pw', attempts: 1 });

beforeAll(async () => {
  url = await server.start();
});
afterAll(async () => {
  await server.stop();
});

async function raw(path: string, init: RequestInit = {}): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url + path, init);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function token(username = 'admin', password = 'admin-pw'): Promise<string> {
  const r = await raw('/admins/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) });
  return (r.body.data as { access_token: string }).access_token;
}

async function rejection(p: Promise<unknown>): Promise<HiMarketError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof HiMarketError) return e;
    throw e;
  }
  throw new Error('expected a HiMarketError');
}

describe('§12 authentication', () => {
  it('"Missing, malformed, wrongly signed, expired or logged-out token → 403 with Spring\'s plain body"', async () => {
    const r = await raw('/admins', { headers: { authorization: 'Bearer nope' } });
    expect(r.status).toBe(403);
    expect(r.body).toMatchObject({ status: 403, error: 'Forbidden', path: '/admins' });
    expect(r.body).not.toHaveProperty('code');
  });

  it('"A lowercase bearer prefix is rejected; the auth_token cookie is accepted"', async () => {
    const t = await token();
    expect((await raw('/admins', { headers: { authorization: `bearer ${t}` } })).status).toBe(403);
    expect((await raw('/admins', { headers: { cookie: `auth_token=${t}` } })).status).toBe(200);
  });

  it('"A developer token on an admin endpoint → 500 Access Denied" — reason AccessDenied', async () => {
    const r = await raw('/portals', { headers: { authorization: `Bearer ${server.developerToken()}` } });
    expect(r.status).toBe(500);
    expect(r.body).toMatchObject({ code: 'INTERNAL_ERROR', message: 'Internal server error: Access Denied' });
  });

  it('"Public reads with a bad token silently run as anonymous (empty list, 404 on detail)"', async () => {
    const c = client();
    const p = await c.createProduct({ name: 'anon-check', type: 'MODEL_API' });
    const list = await raw('/products?name=anon-check', { headers: { authorization: 'Bearer expired' } });
    expect(list.status).toBe(200);
    expect((list.body.data as { content: unknown[] }).content).toEqual([]);
    expect((await raw(`/products/${p.productId}`, { headers: { authorization: 'Bearer expired' } })).status).toBe(404);
  });

  it('a token refused mid-life (403) makes the client log in again once, not fail or loop', async () => {
    const c = client();
    await c.whoAmI();
    server.expireAllTokens();
    const logins = server.requests.filter((r) => r === 'POST /admins/login').length;
    await expect(c.whoAmI()).resolves.toMatchObject({ username: 'admin' });
    expect(server.requests.filter((r) => r === 'POST /admins/login').length).toBe(logins + 1);
  });

  it('wrong password → 401 → reason AuthenticationFailed with HiMarket code and message', async () => {
    const e = await rejection(new HiMarketClient({ baseUrl: url, username: 'admin', password: 'wrong', attempts: 1 }).whoAmI());
    expect(e.reason).toBe('AuthenticationFailed');
    expect(e.details).toMatchObject({ httpStatus: 401, code: 'UNAUTHORIZED' });
    expect(e.message).not.toContain('wrong'.repeat(2));
  });
});

describe('§12 paging and the name filter', () => {
  it('"Paging is 1-based (page, size; response number = 1, totalElements); page=0 acts as 1, size=0 gives 100, size is capped at 2000"', async () => {
    const t = await token();
    const h = { authorization: `Bearer ${t}` };
    const p0 = (await raw('/products?page=0&size=0', { headers: h })).body.data as { number: number; size: number };
    expect(p0).toMatchObject({ number: 1, size: 100 });
    const big = (await raw('/products?size=5000', { headers: h })).body.data as { size: number };
    expect(big.size).toBe(2000);
  });

  it('"The product name filter is a case-insensitive substring match in which _ and % act as SQL wildcards: … comparing names exactly"', async () => {
    const c = client();
    for (const n of ['weather_tools', 'WEATHERxTOOLS', 'my-weather_tools-2']) await c.createProduct({ name: n, type: 'MCP_SERVER' });
    const page = await c.listProducts({ name: 'weather_tools' });
    expect(page.content.map((p) => p.name).sort()).toEqual(['WEATHERxTOOLS', 'my-weather_tools-2', 'weather_tools']);
    const { exact } = await c.findProductsByName('weather_tools');
    expect(exact.map((p) => p.name)).toEqual(['weather_tools']);
  });

  it('the client pages through every result (1-based) before deciding', async () => {
    const c = client();
    for (let i = 0; i < 3; i++) await c.createProduct({ name: `pg-${i}`, type: 'MODEL_API' });
    const seen = [];
    for (let n = 1; n <= 3; n++) seen.push(...(await c.listProducts({ name: 'pg-', page: n, size: 1 })).content.map((p) => p.name));
    expect(seen).toEqual(['pg-2', 'pg-1', 'pg-0']); // "default order is newest first"
  });
});

describe('§12 duplicates', () => {
  it('"Duplicate product name → 409 Resource conflict: Product with name \'x\' already exists; the check ignores case and trailing spaces"', async () => {
    const c = client();
    await c.createProduct({ name: 'Weather-Tools', type: 'MCP_SERVER' });
    for (const n of ['Weather-Tools', 'weather-tools ']) {
      const e = await rejection(c.createProduct({ name: n, type: 'MCP_SERVER' }));
      expect(e.reason).toBe('Conflict');
      expect(e.details).toMatchObject({ httpStatus: 409, code: 'CONFLICT' });
    }
    const { exact, clashes } = await c.findProductsByName('weather-tools');
    expect(exact).toEqual([]);
    expect(clashes.map((p) => p.name)).toEqual(['Weather-Tools']);
  });

  it('"The same name created by another admin → 500 whose message leaks the SQL (Duplicate entry … for key \'uk_name\')" — still reason Conflict', async () => {
    await client().createProduct({ name: 'shared-name', type: 'MODEL_API' });
    const other = new HiMarketClient({ baseUrl: url, username: 'other', password: 'other-pw', attempts: 1 });
    const e = await rejection(other.createProduct({ name: 'shared-name', type: 'MODEL_API' }));
    expect(e.details.httpStatus).toBe(500);
    expect(e.message).toMatch(/Duplicate entry 'shared-name' for key 'uk_name'/);
    expect(e.reason).toBe('Conflict');
  });

  it('"renaming onto an existing name → 500"', async () => {
    const c = client();
    await c.createProduct({ name: 'rename-a', type: 'MODEL_API' });
    const b = await c.createProduct({ name: 'rename-b', type: 'MODEL_API' });
    const e = await rejection(c.updateProduct(b.productId, { name: 'rename-a', categories: [] }));
    expect([e.details.httpStatus, e.reason]).toEqual([500, 'Conflict']);
  });
});

describe('§12 product updates', () => {
  it('"a PUT without categories drops all categories: always send them"; "Unknown category ids … are silently dropped"', async () => {
    const c = client();
    const cat = await c.ensureCategory('weather');
    const p = await c.createProduct({ name: 'cats', type: 'MODEL_API', categories: [cat.categoryId, 'category-unknown'] });
    expect(p.categories?.map((x) => x.categoryId)).toEqual([cat.categoryId]);
    const t = await token();
    const put = await raw(`/products/${p.productId}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${t}`, 'content-type': 'application/json' },
      body: JSON.stringify({ description: 'x' }),
    });
    expect((put.body.data as { categories: unknown[] }).categories).toEqual([]);
    const kept = await c.updateProduct(p.productId, { description: 'y', categories: [cat.categoryId] });
    expect(kept.categories?.map((x) => x.categoryId)).toEqual([cat.categoryId]);
  });

  it('"enableConsumerAuth is ignored on create (set it with a PUT)"', async () => {
    const t = await token();
    const r = await raw('/products', {
      method: 'POST',
      headers: { authorization: `Bearer ${t}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'eca', type: 'MODEL_API', enableConsumerAuth: true }),
    });
    expect((r.body.data as { enableConsumerAuth: boolean }).enableConsumerAuth).toBe(false);
  });

  it('"Timestamps vary in precision: create/update responses carry nanoseconds, reads up to milliseconds with trailing zeros trimmed" — both parse', async () => {
    const c = client();
    const created = await c.createProduct({ name: 'ts', type: 'MODEL_API' });
    expect(created.createAt).toMatch(/\.\d{9}$/);
    const read = await c.getProduct(created.productId);
    expect(read!.createAt).toMatch(TIMESTAMP);
    expect(read!.createAt).not.toMatch(/\.\d*0$/);
    expect(parseHiMarketTime(created.createAt).getTime()).toBe(parseHiMarketTime(read!.createAt).getTime());
    expect(parseHiMarketTime('2026-11-30T08:45:00.9').toISOString()).toBe('2026-11-30T08:45:00.900Z');
    expect(parseHiMarketTime('2026-11-30T08:44:55.474721212').toISOString()).toBe('2026-11-30T08:44:55.474Z');
  });

  it('"A bad enum value → 500 in a JSON body, 400 INVALID_PARAMETER in a query parameter"', async () => {
    const t = await token();
    const h = { authorization: `Bearer ${t}`, 'content-type': 'application/json' };
    expect((await raw('/products', { method: 'POST', headers: h, body: JSON.stringify({ name: 'enum', type: 'NOPE' }) })).status).toBe(500);
    const q = await raw('/products?type=NOPE', { headers: h });
    expect([q.status, q.body.code]).toEqual([400, 'INVALID_PARAMETER']);
  });
});

describe('§12 link and publication (without a console)', () => {
  it('"Link: PUT /products/{id}/ref (POST → 500 Request method \'POST\' is not supported)"; "unknown gateway id → 404 Gateway:<id>"', async () => {
    const c = client();
    const p = await c.createProduct({ name: 'link-errors', type: 'MODEL_API' });
    const t = await token();
    const post = await raw(`/products/${p.productId}/ref`, {
      method: 'POST',
      headers: { authorization: `Bearer ${t}`, 'content-type': 'application/json' },
      body: '{}',
    });
    expect([post.status, post.body.message]).toEqual([500, "Internal server error: Request method 'POST' is not supported"]);
    const e = await rejection(c.putRef(p.productId, { sourceType: 'GATEWAY', gatewayId: 'higress-missing', higressRefConfig: { modelRouteName: 'r' } }));
    expect([e.reason, e.message]).toEqual(['NotFound', expect.stringContaining('Gateway:higress-missing')]);
    expect(await c.getRef(p.productId)).toBeNull();
  });

  it('"Unlink (DELETE …/ref) → … 400 when not linked"', async () => {
    const c = client();
    const p = await c.createProduct({ name: 'unlink-none', type: 'MODEL_API' });
    const e = await rejection(c.deleteRef(p.productId));
    expect([e.reason, e.details.httpStatus]).toEqual(['InvalidRequest', 400]);
  });

  it('"Publishing is idempotent and returns no id; unpublishing the last portal puts the product back to READY — so READY does not mean linked"', async () => {
    const c = client();
    const portal = await c.ensurePortal('idem');
    const p = await c.createProduct({ name: 'idem-pub', type: 'MODEL_API' });
    await c.publish(p.productId, portal.portalId);
    await c.publish(p.productId, portal.portalId);
    const pubs = await c.listPublications(p.productId);
    expect(pubs).toHaveLength(1);
    expect((await c.getProduct(p.productId))!.status).toBe('PUBLISHED');
    await c.unpublish(p.productId, pubs[0]!.publicationId);
    expect((await c.getProduct(p.productId))!.status).toBe('READY');
    expect(await c.getRef(p.productId)).toBeNull();
  });

  it('"POST /gateways returns no id (list and match by name); names are unique across admins"; "without gatewayType → 500 HV000090"', async () => {
    const c = client();
    const param = { gatewayName: 'gw-a', gatewayType: 'HIGRESS' as const, higressConfig: { address: 'console.local:8080/', username: 'u', password: 'p' } };
    const first = await c.ensureGateway(param);
    expect(first.created).toBe(true);
    expect(first.gateway.gatewayId).toMatch(/^higress-[0-9a-f]{32}$/);
    expect(first.gateway.higressConfig?.address).toBe('http://console.local:8080');
    expect(JSON.stringify(first.gateway)).not.toContain('"password"');
    expect((await c.ensureGateway(param)).gateway.gatewayId).toBe(first.gateway.gatewayId);
    // A moved console is re-registered in place (PUT /gateways/{id}): same id, new address.
    const moved = await c.ensureGateway({ ...param, higressConfig: { ...param.higressConfig, address: 'http://console2.local' } });
    expect([moved.gateway.gatewayId, moved.gateway.higressConfig?.address]).toEqual([first.gateway.gatewayId, 'http://console2.local']);
    expect(server.requests.filter((r) => r.startsWith('PUT /gateways/'))).toHaveLength(1);
    const other = new HiMarketClient({ baseUrl: url, username: 'other', password: 'other-pw', attempts: 1 });
    expect((await rejection(other.ensureGateway(param))).reason).toBe('Conflict');
    const t = await token();
    const r = await raw('/gateways', {
      method: 'POST',
      headers: { authorization: `Bearer ${t}`, 'content-type': 'application/json' },
      body: JSON.stringify({ gatewayName: 'x' }),
    });
    expect([r.status, r.body.message]).toEqual([500, 'Internal server error: HV000090: Unable to access isGatewayConfigValid.']);
  });

  it('"An unknown path → 500 No static resource with a valid token, 403 without one"', async () => {
    const t = await token();
    expect((await raw('/nope', { headers: { authorization: `Bearer ${t}` } })).body).toMatchObject({
      code: 'INTERNAL_ERROR',
      message: 'Internal server error: No static resource nope.',
    });
    expect((await raw('/nope')).status).toBe(403);
  });

  it('"POST /products/import answers 200 with a failures list — check it"', async () => {
    const e = await rejection(
      client().importProducts({ source: 'GATEWAY', productType: 'MCP_SERVER', sourceConfig: { instanceId: 'higress-none' }, items: [{ resourceName: 'imp' }] }),
    );
    expect(e.reason).toBe('BadResponse');
    expect(e.message).toMatch(/imp: Resource not found: Gateway:higress-none/);
  });

  it('"Deleting a product does not revoke the consumer grants it made in Higress; cancelling a subscription … does"', async () => {
    const c = client();
    const p = await c.createProduct({ name: 'grants', type: 'MODEL_API' });
    const s1 = server.subscribe(p.productId);
    const s2 = server.subscribe(p.productId);
    await c.cancelSubscription(s1.consumerId, s1.subscriptionId);
    await c.deleteProduct(p.productId);
    expect(server.grants.has(`${s1.consumerId}/${p.productId}`)).toBe(false);
    expect(server.grants.has(`${s2.consumerId}/${p.productId}`)).toBe(true);
  });
});

describe('client transport', () => {
  it('an unreachable server is reason Unreachable after the configured attempts', async () => {
    server.faults.down = true;
    try {
      const c = new HiMarketClient({ baseUrl: url, username: 'admin', password: 'admin-pw', attempts: 2, backoffMs: 10 });
      expect((await rejection(c.whoAmI())).reason).toBe('Unreachable');
    } finally {
      server.faults.down = false;
    }
  });

  it('a 503 on a repeatable call is retried; POST /products is never repeated', async () => {
    const c = new HiMarketClient({ baseUrl: url, username: 'admin', password: 'admin-pw', attempts: 3, backoffMs: 5 });
    await c.whoAmI();
    server.faults.failNext.push({ match: /^GET \/admins$/, count: 2, status: 503 });
    await expect(c.whoAmI()).resolves.toMatchObject({ username: 'admin' });
    server.faults.failNext.push({ match: /^POST \/products$/, count: 1, status: 503 });
    expect((await rejection(c.createProduct({ name: 'once', type: 'MODEL_API' }))).reason).toBe('ServerError');
    expect(server.productsNamed('once')).toHaveLength(0);
  });

  it('"answers 200 with a failures list — check it": any 200 whose data lists failures is an error naming them, not a success', async () => {
    // No §12 endpoint but import does this today; a server answering so elsewhere must not pass for a success either.
    const odd = createServer((req, res) => {
      const data =
        req.url === '/admins/login' ? { access_token: 'tok' } : { productId: 'p1', failures: [{ resourceName: 'portal-a', errorMessage: 'not published' }] };
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ code: 'SUCCESS', message: null, data }));
    });
    await new Promise<void>((r) => odd.listen(0, '127.0.0.1', r));
    try {
      const c = new HiMarketClient({
        baseUrl: `http://127.0.0.1:${(odd.address() as AddressInfo).port}`,
        username: 'admin',
        password: 'admin-pw',
        attempts: 1,
      });
      const e = await rejection(c.publish('p1', 'portal-a'));
      expect(e.reason).toBe('BadResponse');
      expect(e.message).toMatch(/HTTP 200 reported 1 failure\(s\): portal-a: not published/);
    } finally {
      await new Promise((r) => odd.close(r));
    }
  });
});

// The §12 lines the operator does not act on, pinned anyway so the contract server stays a faithful stand-in.
describe('§12 lines the sync engine does not rely on', () => {
  const admin = async () => ({ authorization: `Bearer ${await token()}`, 'content-type': 'application/json' });
  /** A gateway whose console nobody answers: anything that reaches the console fails. */
  const deadConsoleGateway = async (name: string) =>
    (await client().ensureGateway({ gatewayName: name, gatewayType: 'HIGRESS', higressConfig: { address: '127.0.0.1:1', username: 'u', password: 'p' } }))
      .gateway.gatewayId;

  it('"Linking AGENT_API or REST_API to a Higress gateway → 500; HTTP_API only stores the reference"', async () => {
    const c = client();
    const gatewayId = await deadConsoleGateway('gw-types');
    for (const type of ['AGENT_API', 'REST_API'] as const) {
      const p = await c.createProduct({ name: `link-${type}`, type });
      const e = await rejection(c.putRef(p.productId, { sourceType: 'GATEWAY', gatewayId, higressRefConfig: { modelRouteName: 'r' } }));
      expect([type, e.details.httpStatus]).toEqual([type, 500]);
      expect(await c.getRef(p.productId)).toBeNull();
    }
    const http = await c.createProduct({ name: 'link-http', type: 'HTTP_API' });
    await c.putRef(http.productId, { sourceType: 'GATEWAY', gatewayId, higressRefConfig: { modelRouteName: 'no-such-route' } });
    expect((await c.getRef(http.productId))?.higressRefConfig).toMatchObject({ modelRouteName: 'no-such-route' });
  });

  it('"GET /products/{id}/ref is public: it shows the link of unpublished products to anyone"', async () => {
    const c = client();
    const gatewayId = await deadConsoleGateway('gw-public-ref');
    const p = await c.createProduct({ name: 'public-ref', type: 'HTTP_API' });
    await c.putRef(p.productId, { sourceType: 'GATEWAY', gatewayId, higressRefConfig: { modelRouteName: 'r' } });
    const anonymous = await raw(`/products/${p.productId}/ref`);
    expect(anonymous.status).toBe(200);
    expect(anonymous.body.data).toMatchObject({ productId: p.productId, gatewayId });
    // The product itself stays hidden from anonymous readers.
    expect((await raw(`/products/${p.productId}`)).status).toBe(404);
  });

  it('"Deleting a portal drops its publications"', async () => {
    const c = client();
    const portal = await c.ensurePortal('short-lived');
    const p = await c.createProduct({ name: 'on-short-lived', type: 'MODEL_API' });
    await c.publish(p.productId, portal.portalId);
    expect(await c.listPublications(p.productId)).toHaveLength(1);
    expect((await raw(`/portals/${portal.portalId}`, { method: 'DELETE', headers: await admin() })).status).toBe(200);
    expect(await c.listPublications(p.productId)).toHaveLength(0);
    expect((await c.getProduct(p.productId))!.status).toBe('READY');
  });

  it('"GET /portals/{id}/subscriptions is always empty (subscriptions are stored without a portal id)"', async () => {
    const c = client();
    const portal = await c.ensurePortal('subs-portal');
    const p = await c.createProduct({ name: 'subs-on-portal', type: 'MODEL_API' });
    await c.publish(p.productId, portal.portalId);
    server.subscribe(p.productId);
    expect(await c.listSubscriptions(p.productId)).toHaveLength(1);
    const r = await raw(`/portals/${portal.portalId}/subscriptions`, { headers: await admin() });
    expect(r.body.data).toMatchObject({ content: [], totalElements: 0 });
  });

  it('"Developers get an automatically created consumer named primary-consumer"', async () => {
    const c = client();
    const p = await c.createProduct({ name: 'primary', type: 'MODEL_API' });
    server.subscribe(p.productId);
    const r = await raw(`/products/${p.productId}/subscriptions`, { headers: await admin() });
    expect((r.body.data as { content: Array<{ consumerName: string }> }).content.map((s) => s.consumerName)).toEqual(['primary-consumer']);
  });

  it('"GET /products/{id}/tools needs a subscribed developer consumer; an admin gets 400 Invalid request: No consumer found for developer: admin-…"', async () => {
    const p = await client().createProduct({ name: 'tools-admin', type: 'MCP_SERVER' });
    const r = await raw(`/products/${p.productId}/tools`, { headers: await admin() });
    expect(r.status).toBe(400);
    expect(r.body.message).toMatch(/^Invalid request: No consumer found for developer: admin-/);
  });

  it('"Unknown category ids and unknown feature keys are silently dropped. Changing type clears feature"', async () => {
    const h = await admin();
    const modelFeature = { model: 'qwen-max', streaming: true };
    const created = await raw('/products', {
      method: 'POST',
      headers: h,
      body: JSON.stringify({ name: 'feat', type: 'MODEL_API', feature: { modelFeature, bogus: { x: 1 } } }),
    });
    const pid = (created.body.data as { productId: string }).productId;
    expect((await raw(`/products/${pid}`, { headers: h })).body.data).toMatchObject({ feature: { modelFeature } });
    expect(((await raw(`/products/${pid}`, { headers: h })).body.data as { feature: object }).feature).not.toHaveProperty('bogus');
    await raw(`/products/${pid}`, { method: 'PUT', headers: h, body: JSON.stringify({ type: 'MCP_SERVER', categories: [] }) });
    expect((await raw(`/products/${pid}`, { headers: h })).body.data).toMatchObject({ type: 'MCP_SERVER', feature: null });
  });

  it('"pageNum/pageSize are ignored"', async () => {
    const h = await admin();
    const r = (await raw('/products?pageNum=3&pageSize=1', { headers: h })).body.data as { number: number; size: number };
    expect(r).toMatchObject({ number: 1, size: 100 });
  });

  it('"autoApprove: null falls back to the portal\'s setting"', async () => {
    const c = client();
    const h = await admin();
    const strict = (
      await raw('/portals', { method: 'POST', headers: h, body: JSON.stringify({ name: 'strict', portalSettingConfig: { autoApproveSubscriptions: false } }) })
    ).body.data as { portalId: string; portalSettingConfig: { autoApproveSubscriptions: boolean } };
    expect(strict.portalSettingConfig.autoApproveSubscriptions).toBe(false);
    const open = await c.ensurePortal('open');
    const p = await c.createProduct({ name: 'auto-null', type: 'MODEL_API' });
    expect((await raw(`/products/${p.productId}`, { headers: h })).body.data).toMatchObject({ autoApprove: null });
    expect(server.subscribe(p.productId, strict.portalId).status).toBe('PENDING');
    expect(server.subscribe(p.productId, open.portalId).status).toBe('APPROVED');
    // The product's own setting wins over the portal's.
    const yes = await c.createProduct({ name: 'auto-yes', type: 'MODEL_API', autoApprove: true });
    expect(server.subscribe(yes.productId, strict.portalId).status).toBe('APPROVED');
  });

  it('"there is no GET /gateways/{id}" — with a token it is the unknown-path 500', async () => {
    const gatewayId = await deadConsoleGateway('gw-no-detail');
    const r = await raw(`/gateways/${gatewayId}`, { headers: await admin() });
    expect([r.status, r.body.message]).toEqual([500, expect.stringMatching(/No static resource/)]);
  });

  it('"Towards the Higress console HiMarket sends chunked request bodies (no Content-Length), calls /v1/mcpServer/consumers/ with a trailing slash, and retries login once on a 401"', async () => {
    const seen: Array<{ method: string; url: string; chunked: boolean; length: string | undefined }> = [];
    let logins = 0;
    const consoleStub = createServer((req, res) => {
      seen.push({
        method: req.method ?? '',
        url: req.url ?? '',
        chunked: req.headers['transfer-encoding'] === 'chunked',
        length: req.headers['content-length'],
      });
      req.resume();
      req.on('end', () => {
        if (req.url === '/session/login') {
          logins++;
          if (logins === 1) return void res.writeHead(401).end();
          res.writeHead(201, { 'content-type': 'application/json', 'set-cookie': '_hi_sess=s; Path=/' });
          return void res.end(JSON.stringify({ username: 'admin' }));
        }
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ success: true, data: { name: 'route-x' } }));
      });
    });
    await new Promise<void>((r) => consoleStub.listen(0, '127.0.0.1', r));
    try {
      const c = client();
      const { gateway } = await c.ensureGateway({
        gatewayName: 'gw-chunked',
        gatewayType: 'HIGRESS',
        higressConfig: { address: `127.0.0.1:${(consoleStub.address() as AddressInfo).port}`, username: 'admin', password: 'console-pw' },
      });
      const p = await c.createProduct({ name: 'chunked-link', type: 'MODEL_API' });
      await c.putRef(p.productId, { sourceType: 'GATEWAY', gatewayId: gateway.gatewayId, higressRefConfig: { modelRouteName: 'route-x' } });
      const loginCalls = seen.filter((s) => s.url === '/session/login');
      expect(loginCalls).toHaveLength(2);
      expect(loginCalls.every((s) => s.chunked && s.length === undefined)).toBe(true);
      expect(seen.at(-1)).toMatchObject({ method: 'GET', url: '/v1/ai/routes/route-x' });
      // Approving a subscription to an MCP server grants it with the trailing-slash path, body chunked.
      const mcp = await c.createProduct({ name: 'chunked-mcp', type: 'MCP_SERVER' });
      await c.putRef(mcp.productId, { sourceType: 'GATEWAY', gatewayId: gateway.gatewayId, higressRefConfig: { mcpServerName: 'tools-x' } });
      await server.approveSubscription(mcp.productId);
      expect(seen.find((x) => x.method === 'PUT' && x.url.startsWith('/v1/mcpServer/consumers'))).toMatchObject({
        url: '/v1/mcpServer/consumers/',
        chunked: true,
        length: undefined,
      });
    } finally {
      await new Promise((r) => consoleStub.close(r));
    }
  });
});
