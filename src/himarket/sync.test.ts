// The sync engine: planSync is pure (observed vs desired → steps, in the order HiMarket accepts), and
// syncProduct against the contract server never creates a second product — lost answers, racing
// replicas and 5xx included. Links need a console and a real API server: test/integration/himarket-*.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { HiMarketClient } from './client.js';
import { HiMarketContractServer } from './testing/contract-server.js';
import { deleteProduct, ownershipMarker, planSync, syncProduct, SyncError, type DesiredProduct, type Observed } from './sync.js';
import type { Product } from './types.js';

const product = (over: Partial<Product> = {}): Product => ({
  productId: 'product-1',
  name: 'p',
  type: 'MODEL_API',
  status: 'READY',
  description: 'd',
  document: 'doc',
  categories: [{ categoryId: 'category-a', name: 'a' }],
  createAt: '2026-11-30T08:44:55.474721212',
  ...over,
});
const desired = (over: Partial<DesiredProduct> = {}): DesiredProduct => ({
  name: 'p',
  type: 'MODEL_API',
  description: 'd',
  document: 'doc',
  categoryIds: ['category-a'],
  link: { gatewayId: 'higress-1', target: 'route-a' },
  portalIds: ['portal-1'],
  ownerUid: 'uid-1',
  ...over,
});
const linked = (target: string): Observed['ref'] => ({
  productId: 'product-1',
  sourceType: 'GATEWAY',
  gatewayId: 'higress-1',
  higressRefConfig: { modelRouteName: target },
});

describe('planSync (pure)', () => {
  it('converged → no steps', () => {
    const obs: Observed = { product: product(), ref: linked('route-a'), publications: [{ publicationId: 'pub-1', portalId: 'portal-1' }] };
    expect(planSync(desired(), obs)).toEqual([]);
  });

  it('a changed description is one PUT that still carries the categories (a PUT without them drops them)', () => {
    const obs: Observed = { product: product(), ref: linked('route-a'), publications: [{ publicationId: 'pub-1', portalId: 'portal-1' }] };
    const steps = planSync(desired({ description: 'new' }), obs);
    expect(steps).toEqual([{ kind: 'update', changed: ['description'], body: expect.objectContaining({ description: 'new', categories: ['category-a'] }) }]);
  });

  it('unlinked → link with the field matching the type, then publish', () => {
    const obs: Observed = { product: product({ type: 'MCP_SERVER' }), ref: null, publications: [] };
    expect(planSync(desired({ type: 'MCP_SERVER' }), obs)).toEqual([
      { kind: 'link', param: { sourceType: 'GATEWAY', gatewayId: 'higress-1', higressRefConfig: { mcpServerName: 'route-a' } } },
      { kind: 'publish', portalId: 'portal-1' },
    ]);
  });

  it('moving the link: unpublish every portal → unlink → link → publish (unlink is a 400 while published)', () => {
    const obs: Observed = {
      product: product(),
      ref: linked('route-old'),
      publications: [
        { publicationId: 'pub-1', portalId: 'portal-1' },
        { publicationId: 'pub-2', portalId: 'portal-2' },
      ],
    };
    expect(planSync(desired(), obs).map((s) => s.kind)).toEqual(['unpublish', 'unpublish', 'unlink', 'link', 'publish']);
  });

  it('portals: publish the new, unpublish the dropped', () => {
    const obs: Observed = { product: product(), ref: linked('route-a'), publications: [{ publicationId: 'pub-1', portalId: 'portal-1' }] };
    expect(planSync(desired({ portalIds: ['portal-2'] }), obs)).toEqual([
      { kind: 'unpublish', portalId: 'portal-1', publicationId: 'pub-1' },
      { kind: 'publish', portalId: 'portal-2' },
    ]);
  });

  it('no link target yet: the product is kept as is, neither linked nor unlinked', () => {
    expect(planSync(desired({ link: undefined }), { product: product(), ref: null, publications: [{ publicationId: 'pub-1', portalId: 'portal-1' }] })).toEqual(
      [],
    );
  });
});

describe('syncProduct against the contract server', () => {
  const server = new HiMarketContractServer({ admin: 'pw' });
  let c: HiMarketClient;
  let portalA = '';
  let portalB = '';
  beforeAll(async () => {
    const url = await server.start();
    c = new HiMarketClient({ baseUrl: url, username: 'admin', password: 'pw', attempts: 2, backoffMs: 5 });
    portalA = (await c.ensurePortal('a')).portalId;
    portalB = (await c.ensurePortal('b')).portalId;
  });
  afterAll(() => server.stop());

  const want = (name: string, over: Partial<DesiredProduct> = {}): DesiredProduct =>
    desired({
      name,
      link: undefined,
      categoryIds: [],
      portalIds: [portalA],
      document: `# ${name}\n${ownershipMarker(`uid-${name}`)}`,
      ownerUid: `uid-${name}`,
      ...over,
    });

  it('creates and publishes once; a second run does nothing', async () => {
    const first = await syncProduct(c, want('s-create'), undefined);
    expect(first.created).toBe(true);
    expect(first.actions).toEqual(['create', `publish ${portalA}`]);
    const again = await syncProduct(c, want('s-create'), first.observed.product.productId);
    expect(again.actions).toEqual([]);
    expect(server.productsNamed('s-create')).toHaveLength(1);
  });

  it('a create whose answer is lost (timeout after it landed) adopts the product instead of creating a second', async () => {
    server.faults.afterCreate = () => 'drop';
    try {
      const out = await syncProduct(c, want('s-lost'), undefined);
      expect(out.actions[0]).toBe('adopt');
    } finally {
      delete server.faults.afterCreate;
    }
    expect(server.productsNamed('s-lost')).toHaveLength(1);
  });

  it('two replicas racing end with exactly one product', async () => {
    const c2 = new HiMarketClient({ baseUrl: server.url, username: 'admin', password: 'pw' });
    const results = await Promise.allSettled([syncProduct(c, want('s-race'), undefined), syncProduct(c2, want('s-race'), undefined)]);
    expect(results.every((r) => r.status === 'fulfilled')).toBe(true);
    expect(server.productsNamed('s-race')).toHaveLength(1);
  });

  it('finds a renamed product by its stored id and renames it; categories kept on every PUT', async () => {
    const cat = await c.ensureCategory('llm');
    const first = await syncProduct(c, want('s-old', { categoryIds: [cat.categoryId] }), undefined);
    const id = first.observed.product.productId;
    const renamed = await syncProduct(c, want('s-new', { categoryIds: [cat.categoryId], ownerUid: 'uid-s-old' }), id);
    expect(renamed.observed.product).toMatchObject({ productId: id, name: 's-new' });
    expect(renamed.observed.product.categories?.map((x) => x.categoryId)).toEqual([cat.categoryId]);
    expect(server.productsNamed('s-old')).toHaveLength(0);
  });

  it('add a portal, then remove one', async () => {
    const one = await syncProduct(c, want('s-portals', { portalIds: [portalA, portalB] }), undefined);
    expect(one.observed.publications.map((p) => p.portalId).sort()).toEqual([portalA, portalB].sort());
    const two = await syncProduct(c, want('s-portals', { portalIds: [portalB] }), one.observed.product.productId);
    expect(two.observed.publications.map((p) => p.portalId)).toEqual([portalB]);
  });

  it('a foreign product with the name (even differing only in case) is a NameConflict, never adopted or duplicated', async () => {
    await c.createProduct({ name: 'S-Foreign', type: 'MODEL_API', document: 'hand-made' });
    await expect(syncProduct(c, want('s-foreign'), undefined)).rejects.toBeInstanceOf(SyncError);
    await expect(syncProduct(c, want('S-Foreign'), undefined)).rejects.toMatchObject({ reason: 'NameConflict' });
  });

  it('a 500 on create that did not land is an error, and the next run creates', async () => {
    server.faults.failNext.push({ match: /^POST \/products$/, count: 1 });
    await expect(syncProduct(c, want('s-500'), undefined)).rejects.toMatchObject({ reason: 'ServerError' });
    await syncProduct(c, want('s-500'), undefined);
    expect(server.productsNamed('s-500')).toHaveLength(1);
  });

  it('delete cancels subscriptions first when asked (revoking grants), and is idempotent', async () => {
    const out = await syncProduct(c, want('s-del'), undefined);
    const id = out.observed.product.productId;
    const sub = server.subscribe(id);
    expect(await deleteProduct(c, id, { cancelSubscriptions: true })).toEqual([`cancel ${sub.subscriptionId}`, 'delete']);
    expect(server.grants.has(`${sub.consumerId}/${id}`)).toBe(false);
    expect(await deleteProduct(c, id, { cancelSubscriptions: true })).toEqual([]);
  });
});
