// The pure half of publishing: link target from the owner's status, the desired product (with generated
// documentation) and status.publish, golden-tested (UPDATE_GOLDEN=1 to rewrite). Plus the samples.
import { describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';
import { himarketConnectionSchema } from '../api/v1alpha1/himarketconnection.js';
import { modelPoolSchema } from '../api/v1alpha1/modelpool.js';
import { publishSpecSchema } from '../api/v1alpha1/publish.js';
import { HiMarketError } from '../himarket/errors.js';
import { SyncError, type SyncOutcome } from '../himarket/sync.js';
import { expectGolden } from '../../test/support/golden.js';
import { desiredProduct, failureCondition, linkTargetFromGenerated, resolvePortals, statusFromError, statusFromOutcome, type PublishOwner } from './himarket-publish.js';

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
const conn = { gatewayId: 'higress-1', portals: new Map([['default', 'portal-1'], ['partners', 'portal-2']]), gatewayUrl: 'https://gw.example.com' };

describe('linkTargetFromGenerated', () => {
  it('prefers the console AI route ConfigMap, then the pool Ingress; MCP servers come from mcp-server-<n>.internal', () => {
    const gen = [
      { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', namespace: 'gw', name: 'aiop-a' },
      { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'gw', name: 'ai-route-team-a-chat' },
    ];
    expect(linkTargetFromGenerated('MODEL_API', gen)).toBe('team-a-chat');
    expect(linkTargetFromGenerated('MODEL_API', gen.slice(0, 1))).toBe('aiop-a');
    expect(linkTargetFromGenerated('MODEL_API', [{ ...gen[0]!, error: 'rejected' }])).toBeUndefined();
    expect(linkTargetFromGenerated('MCP_SERVER', [{ apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', namespace: 'gw', name: 'mcp-server-docs.internal' }])).toBe('docs');
  });
});

describe('desired product and status (golden)', () => {
  it('model API with generated documentation', () => {
    const d = desiredProduct(owner(), conn, ['category-llm'], resolvePortals(owner().publish, conn).ids);
    expect(d.document).toMatch(/<!-- managed-by: higress-ai-operator uid=uid-1 -->\n$/);
    expectGolden(GOLDEN_DIR, 'himarket-desired-model-api', stringify(d, { lineWidth: 0, aliasDuplicateObjects: false }));
  });

  it('MCP server documentation has the MCP client snippet with the discovered tools', () => {
    const o = owner({ defaultType: 'MCP_SERVER', linkTarget: 'docs', models: undefined, tools: [{ name: 'search', description: 'Search the knowledge base' }] });
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
    const ok = statusFromOutcome(undefined, owner(), outcome, { portals: conn.portals, subscriptions: 2, portalUrl: 'http://portal-1.himarket.local', now: NOW });
    const conflict = statusFromError(ok, owner(), new HiMarketError('Conflict', 'POST /products: HTTP 409 CONFLICT: Resource conflict: Product with name x already exists', { httpStatus: 409, code: 'CONFLICT' }), NOW);
    const down = statusFromError(ok, owner(), new HiMarketError('Unreachable', 'GET /admins: fetch failed'), NOW);
    expect(failureCondition(new SyncError('NameConflict', 'taken')).reason).toBe('NameConflict');
    expectGolden(GOLDEN_DIR, 'himarket-status', stringify({ ok, conflict, down }, { lineWidth: 0, aliasDuplicateObjects: false }));
  });

  it('portals the connection does not know are reported, not silently dropped', () => {
    expect(resolvePortals(publishSpecSchema.parse({ connectionRef: { name: 'x' }, portals: ['default', 'nope'] }), conn)).toEqual({ ids: ['portal-1'], unknown: ['nope'] });
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
