// The link half of the HiMarket contract (himarket.md §12) — it needs the Higress console, and the
// console test server answers from the REAL API server's objects (higress.md §11). Each test names the
// §12 / §11 line it pins; the sync engine's link moves run here too, against the same servers.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { HiMarketClient } from '../../src/himarket/client.js';
import { HiMarketError } from '../../src/himarket/errors.js';
import { ownershipMarker, syncProduct, type DesiredProduct } from '../../src/himarket/sync.js';
import { ConsoleTestServer } from '../../src/himarket/testing/console-server.js';
import { HiMarketContractServer } from '../../src/himarket/testing/contract-server.js';
import { Resources } from '../../src/kube/resources.js';
import type { KubeObject } from '../../src/kube/object.js';
import { client, consoleAiRoute } from './himarket-fixture.js';
import { uniqueNamespace } from './support/kube.js';

let gw = '';
const himarket = new HiMarketContractServer({ admin: 'pw' });
let console: ConsoleTestServer;
let c: HiMarketClient;
let gatewayId = '';
let portalId = '';

beforeAll(async () => {
  gw = await uniqueNamespace('hm-contract-gw');
  console = new ConsoleTestServer({ client, namespace: gw, username: 'admin', password: 'console-pw' });
  await console.start();
  await himarket.start();
  c = new HiMarketClient({ baseUrl: himarket.url, username: 'admin', password: 'pw', attempts: 1 });
  gatewayId = (
    await c.ensureGateway({ gatewayName: 'hg', gatewayType: 'HIGRESS', higressConfig: { address: console.url, username: 'admin', password: 'console-pw' } })
  ).gateway.gatewayId;
  portalId = (await c.ensurePortal('default')).portalId;
  await consoleAiRoute(gw, 'route-a', ['p']);
  await consoleAiRoute(gw, 'route-b', ['p']);
  await mcpServerIngress('weather', 'OPEN_API');
});
afterAll(async () => {
  await himarket.stop();
  await console.stop();
});

async function mcpServerIngress(name: string, type: string | undefined): Promise<void> {
  await client.create(Resources.Ingress, {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: {
      name: `mcp-server-${name}.internal`,
      namespace: gw,
      labels: { 'higress.io/biz-type': 'mcp-server', 'higress.io/resource-definer': 'higress', ...(type ? { 'higress.io/mcp-server-type': type } : {}) },
    },
    spec: {
      ingressClassName: 'higress',
      rules: [
        {
          host: 'mcp.example.com',
          http: {
            paths: [
              {
                path: `/mcp-servers/${name}`,
                pathType: 'Prefix',
                backend: { resource: { apiGroup: 'networking.higress.io', kind: 'McpBridge', name: 'default' } },
              },
            ],
          },
        },
      ],
    },
  } as KubeObject);
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

const modelLink = (target: string) => ({ sourceType: 'GATEWAY' as const, gatewayId, higressRefConfig: { modelRouteName: target } });

describe('§12 link, through the console test server', () => {
  it('§11 "POST /session/login → 201 with a bare user object and cookie _hi_sess"; the AI route is ConfigMap ai-route-<n>', async () => {
    const res = await fetch(`${console.url}/session/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: 'console-pw' }),
    });
    expect(res.status).toBe(201);
    expect(res.headers.get('set-cookie')).toMatch(/^_hi_sess=/);
    expect(await res.json()).not.toHaveProperty('data');
    const p = await c.createProduct({ name: 'model-a', type: 'MODEL_API' });
    await c.putRef(p.productId, modelLink('route-a'));
    expect(await c.getRef(p.productId)).toMatchObject({ gatewayId, higressRefConfig: { modelRouteName: 'route-a' } });
    expect((await c.getProduct(p.productId))!.status).toBe('READY');
    expect(console.requests).toContain('GET /v1/ai/routes/route-a');
  });

  it('"a second PUT while linked → 409"', async () => {
    const p = await c.createProduct({ name: 'model-409', type: 'MODEL_API' });
    await c.putRef(p.productId, modelLink('route-a'));
    const e = await rejection(c.putRef(p.productId, modelLink('route-b')));
    expect([e.reason, e.details.httpStatus, e.message]).toEqual(['Conflict', 409, expect.stringContaining('Product is already linked to an API')]);
  });

  it('"a Higress resource that does not exist → 500 carrying the console\'s 404"; "a failed link stores nothing"', async () => {
    const p = await c.createProduct({ name: 'model-missing', type: 'MODEL_API' });
    const e = await rejection(c.putRef(p.productId, modelLink('no-such-route')));
    expect([e.reason, e.details.httpStatus]).toEqual(['ServerError', 500]);
    expect(e.message).toMatch(/404/);
    expect(await c.getRef(p.productId)).toBeNull();
  });

  it('§11 "A missing [MCP] server answers 502, not 404"; a server without higress.io/mcp-server-type is a 500', async () => {
    const p = await c.createProduct({ name: 'mcp-missing', type: 'MCP_SERVER' });
    expect((await rejection(c.putRef(p.productId, { sourceType: 'GATEWAY', gatewayId, higressRefConfig: { mcpServerName: 'nope' } }))).message).toMatch(/502/);
    await mcpServerIngress('untyped', undefined);
    expect((await rejection(c.putRef(p.productId, { sourceType: 'GATEWAY', gatewayId, higressRefConfig: { mcpServerName: 'untyped' } }))).message).toMatch(
      /500/,
    );
    await c.putRef(p.productId, { sourceType: 'GATEWAY', gatewayId, higressRefConfig: { mcpServerName: 'weather' } });
    expect((await c.getRef(p.productId))?.higressRefConfig?.mcpServerName).toBe('weather');
  });

  it('"Linking an MCP_SERVER product with only modelRouteName makes HiMarket call the console for /v1/mcpServer/null"', async () => {
    const p = await c.createProduct({ name: 'mcp-wrong-field', type: 'MCP_SERVER' });
    await rejection(c.putRef(p.productId, modelLink('route-a')));
    expect(console.requests).toContain('GET /v1/mcpServer/null');
  });

  it('"Unlink (DELETE …/ref) → 400 while published"', async () => {
    const p = await c.createProduct({ name: 'unlink-published', type: 'MODEL_API' });
    await c.putRef(p.productId, modelLink('route-a'));
    await c.publish(p.productId, portalId);
    const e = await rejection(c.deleteRef(p.productId));
    expect([e.reason, e.details.httpStatus, e.message]).toEqual(['InvalidRequest', 400, expect.stringContaining('API product already published')]);
  });

  it('"to move a link, unpublish, unlink, link, publish" — the sync engine does exactly that', async () => {
    const want = (target: string): DesiredProduct => ({
      name: 'movable',
      type: 'MODEL_API',
      document: `# movable\n${ownershipMarker('uid-move')}`,
      categoryIds: [],
      link: { gatewayId, target },
      portalIds: [portalId],
      ownerUid: 'uid-move',
    });
    const first = await syncProduct(c, want('route-a'), undefined);
    expect(first.actions).toEqual(['create', 'link {"modelRouteName":"route-a"}', `publish ${portalId}`]);
    const moved = await syncProduct(c, want('route-b'), first.observed.product.productId);
    expect(moved.actions).toEqual([`unpublish ${portalId}`, 'unlink', 'link {"modelRouteName":"route-b"}', `publish ${portalId}`]);
    expect(moved.observed.ref?.higressRefConfig?.modelRouteName).toBe('route-b');
    expect(moved.observed.product.status).toBe('PUBLISHED');
    expect(himarket.productsNamed('movable')).toHaveLength(1);
  });
});
