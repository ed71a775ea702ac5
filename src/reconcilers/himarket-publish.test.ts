// The pure half of publishing: link target from the owner's status, the desired product (with generated
// documentation) and status.publish, golden-tested (UPDATE_GOLDEN=1 to rewrite). Plus the samples.
import { describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';
import { himarketConnectionSchema } from '../api/v1alpha1/himarketconnection.js';
import { modelPoolSchema } from '../api/v1alpha1/modelpool.js';
import { publishSpecSchema } from '../api/v1alpha1/publish.js';
import { consoleName } from '../higress/console/meta.js';
import { HiMarketError } from '../himarket/errors.js';
import { consoleName as routerRouteName } from './semanticrouter-gateway.js';
import { SyncError, type SyncOutcome } from '../himarket/sync.js';
import { expectGolden } from '../../test/support/golden.js';
import { agentProductLink, modelPoolLink, semanticRouterLink } from './himarket-links.js';
import { desiredProduct, failureCondition, resolvePortals, statusFromError, statusFromOutcome, type PublishOwner } from './himarket-publish.js';

const GOLDEN_DIR = join(import.meta.dirname, '__golden__');
const NOW = new Date('2026-11-30T10:00:00Z');

const owner = (over: Partial<PublishOwner> = {}): PublishOwner => ({
  kind: 'ModelPool',
  namespace: 'team-a',
  name: 'chat',
  uid: 'uid-1',
  generation: 3,
  publish: publishSpecSchema.parse({ connectionRef: { name: 'himarket' }, description: 'Chat models', categories: ['llm'] }),
  defaultType: 'MODEL_API',
  linkTarget: 'ai-route-chat',
  models: ['chat', 'qwen-max', 'deepseek-chat'],
  ...over,
});
const conn = {
  gatewayId: 'higress-1',
  portals: new Map([
    ['default', 'portal-1'],
    ['partners', 'portal-2'],
  ]),
  gatewayUrl: 'https://gw.example.com',
};

describe('which resource a product links (one product, one route)', () => {
  const pub = (over: Record<string, unknown> = {}) => publishSpecSchema.parse({ connectionRef: { name: 'himarket' }, ...over });
  const cm = (name: string, error?: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'gw', name, ...(error ? { error } : {}) });
  const ing = (name: string) => ({ apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', namespace: 'gw', name });
  const routeOf = (...parts: string[]) => consoleName(['team-a', 'chat', ...parts]);
  const pool = (models: string[], alias?: string, listedRoutes: string[] = []) => ({
    metadata: { namespace: 'team-a', name: 'chat' },
    spec: { models: models.map((name) => ({ name })), ...(alias ? { alias } : {}) },
    status: { generatedObjects: listedRoutes.map((r) => cm(`ai-route-${r}`)) },
  });

  it('ModelPool: the only model, else the alias, else the named target; never the first of several', () => {
    const one = modelPoolLink(pool(['qwen'], undefined, [routeOf('qwen')]), pub());
    expect(one).toEqual({ defaultType: 'MODEL_API', linkTarget: routeOf('qwen'), models: ['qwen'] });
    const aliased = modelPoolLink(pool(['qwen', 'gpt'], 'chat', [routeOf('qwen'), routeOf('gpt'), routeOf('alias', 'chat')]), pub());
    expect(aliased).toMatchObject({ linkTarget: routeOf('alias', 'chat'), models: ['chat'] });
    const named = modelPoolLink(pool(['qwen', 'gpt'], 'chat', [routeOf('qwen'), routeOf('gpt')]), pub({ target: 'gpt' }));
    expect(named).toMatchObject({ linkTarget: routeOf('gpt'), models: ['gpt'] });
    const ambiguous = modelPoolLink(pool(['qwen', 'gpt'], undefined, [routeOf('qwen'), routeOf('gpt')]), pub());
    expect(ambiguous.invalid).toEqual({
      reason: 'LinkTargetAmbiguous',
      message: 'this ModelPool serves 2 endpoints (qwen, gpt) and a HiMarket product links exactly one: set spec.publish.target',
    });
    expect(modelPoolLink(pool(['qwen', 'gpt']), pub({ target: 'claude' })).invalid).toEqual({
      reason: 'UnknownLinkTarget',
      message: 'spec.publish.target "claude" is not a model or the alias of this ModelPool (qwen, gpt)',
    });
    expect(modelPoolLink(pool(['qwen']), pub({ type: 'MCP_SERVER' })).invalid?.reason).toBe('TypeNotServed');
  });

  it('links only what the owner status lists without an error (the console lists only what exists)', () => {
    expect(modelPoolLink(pool(['qwen']), pub()).linkTarget).toBeUndefined();
    const rejected = { ...pool(['qwen']), status: { generatedObjects: [cm(`ai-route-${routeOf('qwen')}`, 'rejected')] } };
    expect(modelPoolLink(rejected, pub()).linkTarget).toBeUndefined();
  });

  it('SemanticRouter: one virtual model, or the named one', () => {
    const owner = { kind: 'SemanticRouter', namespace: 'team-a', name: 'auto' };
    const router = (virtualModels: string[]) => ({
      metadata: { namespace: 'team-a', name: 'auto' },
      spec: { virtualModels },
      status: { generatedObjects: virtualModels.map((v) => cm(`ai-route-${routerRouteName(owner, v)}`)) },
    });
    expect(semanticRouterLink(router(['auto']), pub())).toEqual({ defaultType: 'MODEL_API', linkTarget: routerRouteName(owner, 'auto'), models: ['auto'] });
    expect(semanticRouterLink(router(['auto', 'cheap']), pub()).invalid?.reason).toBe('LinkTargetAmbiguous');
    expect(semanticRouterLink(router(['auto', 'cheap']), pub({ target: 'cheap' })).linkTarget).toBe(routerRouteName(owner, 'cheap'));
  });

  it('AgentProduct: the agent as MODEL_API by default; a tool source as MCP_SERVER', () => {
    const server = (source: string) => `team-a-shop-${source}`;
    const product = (agent: boolean, sources: string[]) => ({
      metadata: { namespace: 'team-a', name: 'shop' },
      spec: { tools: sources.map((name) => ({ name, transport: 'http' })) as never, ...(agent ? { agent: { model: { pool: 'chat', name: 'qwen' } } } : {}) },
      status: {
        mcpServers: sources.map((s) => ({ source: s, name: server(s), type: 'OPEN_API' as const, path: `/mcp-servers/${server(s)}`, tools: [`${s}_list`] })),
        agentEndpoint: '/agents/team-a-shop',
        generatedObjects: [...sources.map((s) => ing(`mcp-server-${server(s)}.internal`)), ...(agent ? [cm('ai-route-team-a-shop-agent')] : [])],
      },
    });
    expect(agentProductLink(product(true, ['pets']), pub())).toEqual({
      defaultType: 'MODEL_API',
      linkTarget: 'team-a-shop-agent',
      models: ['qwen'],
      endpointPath: '/agents/team-a-shop',
    });
    expect(agentProductLink(product(true, ['pets']), pub({ type: 'MCP_SERVER' }))).toEqual({
      defaultType: 'MODEL_API',
      linkTarget: server('pets'),
      tools: [{ name: 'pets_list' }],
    });
    expect(agentProductLink(product(false, ['pets', 'docs']), pub()).invalid?.reason).toBe('LinkTargetAmbiguous');
    expect(agentProductLink(product(false, ['pets', 'docs']), pub({ target: 'docs' })).linkTarget).toBe(server('docs'));
    expect(agentProductLink(product(false, ['pets']), pub({ type: 'MODEL_API' })).invalid?.reason).toBe('TypeNotServed');
  });
});

describe('desired product and status (golden)', () => {
  it('model API with generated documentation', () => {
    const d = desiredProduct(owner(), conn, ['category-llm'], resolvePortals(owner().publish, conn).ids);
    expect(d.document).toMatch(/<!-- managed-by: higress-ai-operator uid=uid-1 -->\n$/);
    expectGolden(GOLDEN_DIR, 'himarket-desired-model-api', stringify(d, { lineWidth: 0, aliasDuplicateObjects: false }));
  });

  it('MCP server documentation has the MCP client snippet with the discovered tools', () => {
    const o = owner({
      defaultType: 'MCP_SERVER',
      linkTarget: 'docs',
      models: undefined,
      tools: [{ name: 'search', description: 'Search the knowledge base' }],
    });
    const d = desiredProduct(o, conn, [], ['portal-1']);
    expect(d.document).toContain("callTool({ name: 'search'");
    expectGolden(GOLDEN_DIR, 'himarket-desired-mcp-server', stringify(d, { lineWidth: 0, aliasDuplicateObjects: false }));
  });

  it('status after a sync and after HiMarket errors', () => {
    const outcome: SyncOutcome = {
      created: true,
      actions: ['create'],
      observed: {
        product: { productId: 'product-1', name: 'team-a-chat', type: 'MODEL_API', status: 'PUBLISHED', createAt: '2026-11-30T08:44:55.474721212' },
        ref: { productId: 'product-1', sourceType: 'GATEWAY', gatewayId: 'higress-1', higressRefConfig: { modelRouteName: 'ai-route-chat' } },
        publications: [{ publicationId: 'pub-1', portalId: 'portal-1', portalName: 'default' }],
      },
    };
    const ok = statusFromOutcome(undefined, owner(), outcome, {
      portals: conn.portals,
      subscriptions: 2,
      portalUrl: 'http://portal-1.himarket.local',
      now: NOW,
    });
    const conflict = statusFromError(
      ok,
      owner(),
      new HiMarketError('Conflict', 'POST /products: HTTP 409 CONFLICT: Resource conflict: Product with name x already exists', {
        httpStatus: 409,
        code: 'CONFLICT',
      }),
      NOW,
    );
    const down = statusFromError(ok, owner(), new HiMarketError('Unreachable', 'GET /admins: fetch failed'), NOW);
    expect(failureCondition(new SyncError('NameConflict', 'taken')).reason).toBe('NameConflict');
    expectGolden(GOLDEN_DIR, 'himarket-status', stringify({ ok, conflict, down }, { lineWidth: 0, aliasDuplicateObjects: false }));
  });

  it('portals the connection does not know are reported, not silently dropped', () => {
    expect(resolvePortals(publishSpecSchema.parse({ connectionRef: { name: 'x' }, portals: ['default', 'nope'] }), conn)).toEqual({
      ids: ['portal-1'],
      unknown: ['nope'],
    });
  });
});

describe('config/samples/himarket', () => {
  const dir = join(import.meta.dirname, '../../config/samples/himarket');
  const docs = readdirSync(dir).flatMap((f) => parseAllDocuments(readFileSync(join(dir, f), 'utf8')).map((d) => d.toJS() as { kind: string }));
  it('holds a valid HiMarketConnection and a valid publishing ModelPool', () => {
    const conn = docs.find((d) => d.kind === 'HiMarketConnection');
    const pool = docs.find((d) => d.kind === 'ModelPool');
    expect(himarketConnectionSchema.safeParse(conn).error?.issues ?? []).toEqual([]);
    expect(modelPoolSchema.safeParse(pool).error?.issues ?? []).toEqual([]);
  });
});
