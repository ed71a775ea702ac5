import { describe, expect, it } from '@jest/globals';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';
import { agentProductSchema, type AgentProduct } from '../api/v1alpha1/agentproduct.js';
import { proxyMcpServerConfigSchema, restMcpServerConfigSchema } from '../agent/mcp-config.js';
import { sameSpec, sharedPluginMerger } from './agentproduct-gateway.js';
import { consoleName } from '../higress/console/meta.js';
import { parseDestination } from '../controllers/agentproduct.js';
import { renderAgentProduct, type AgentObserved } from './agentproduct.js';

const HERE = import.meta.dirname ?? process.cwd();
const GOLDEN_DIR = join(HERE, '__golden__');
const PETSTORE = readFileSync(join(HERE, '../../test/fixtures/openapi/petstore.yaml'), 'utf8');
const SAMPLE = parseAllDocuments(readFileSync(join(HERE, '../../config/samples/agentproduct/petstore.yaml'), 'utf8')).map(
  (d) => d.toJS() as { kind: string; spec?: unknown },
);

function expectGolden(name: string, text: string): void {
  const file = join(GOLDEN_DIR, `agentproduct-${name}.yaml`);
  if (process.env.UPDATE_GOLDEN === '1' || !existsSync(file)) {
    if (process.env.CI && !existsSync(file)) throw new Error(`missing golden ${file}`);
    mkdirSync(GOLDEN_DIR, { recursive: true });
    writeFileSync(file, text);
  }
  const same = text === readFileSync(file, 'utf8');
  if (!same) writeFileSync(`${file}.actual`, text);
  expect(same ? 'matches' : `differs from ${file}`).toBe('matches');
}

const product = (spec: unknown, name = 'petstore'): AgentProduct =>
  agentProductSchema.parse({ apiVersion: 'ai.higress.io/v1alpha1', kind: 'AgentProduct', metadata: { namespace: 'team-a', name, uid: 'u1' }, spec });

const secrets: Record<string, string> = {
  'petstore-agent-keys/petstore-api-key': 'pk-1',
  'petstore-agent-keys/alice': 'sk-alice',
  'petstore-agent-keys/bob': 'sk-bob',
};
const CHAT_PROVIDER = consoleName(['team-a', 'chat', 'gpt-4o']);
const observed = (over: Partial<AgentObserved> = {}): AgentObserved => ({
  documents: { pets: { text: PETSTORE } },
  secret: (r) => secrets[`${r.name}/${r.key}`],
  ragServices: { docs: 'docs-rag.team-a.svc.cluster.local:8080' },
  redisExists: true,
  // The route ModelPool team-a/chat wrote for gpt-4o (reconcilers/modelpool.ts names its provider so).
  agentModel: {
    upstreams: [{ provider: CHAT_PROVIDER, weight: 100 }],
    services: { [CHAT_PROVIDER]: { name: `llm-${CHAT_PROVIDER}.internal.dns`, port: 443 } },
  },
  ...over,
});

function renderAll(p: AgentProduct, o: AgentObserved): string {
  const r = renderAgentProduct(p, o);
  const shared = r.shared.map((e) => sharedPluginMerger.merge(undefined, e));
  const status = {
    mcpServers: r.mcpServers,
    tools: r.tools,
    agentEndpoint: r.agentEndpoint,
    agentTools: r.agentTools,
    consumers: r.consumers,
    toolsetRevision: r.toolsetRevision,
    problems: r.problems,
  };
  return [...r.ingresses, ...r.configMaps, ...shared, ...r.owned, { '# status parts': status }]
    .map((d) => stringify(d, { lineWidth: 0, aliasDuplicateObjects: false }))
    .join('---\n');
}

const SAMPLE_SPEC = SAMPLE.find((d) => d.kind === 'AgentProduct')?.spec;

describe('renderAgentProduct golden snapshots (UPDATE_GOLDEN=1 to rewrite)', () => {
  it('sample: OpenAPI tools, agent, consumers, token limit', () => {
    const r = renderAgentProduct(product(SAMPLE_SPEC), observed());
    expect(r.problems).toEqual([]);
    for (const rule of r.shared[0]!.rules) restMcpServerConfigSchema.parse(rule.config);
    expectGolden('sample', renderAll(product(SAMPLE_SPEC), observed()));
  });

  it('rag pipeline + mcp-proxy sources, open access', () => {
    const p = product(
      {
        tools: [
          { name: 'docs', ragPipeline: { name: 'docs' } },
          { name: 'gh', mcpServer: { url: 'http://github-mcp.tools.svc.cluster.local:8080/mcp', allowTools: ['search_issues'] } },
        ],
        agent: { model: { router: 'smart', name: 'auto' }, language: 'CH' },
      },
      'kb',
    );
    const r = renderAgentProduct(p, observed());
    proxyMcpServerConfigSchema.parse(r.shared[0]!.rules[0]!.config);
    expect(r.agentTools).toEqual(['docs_search']);
    expectGolden('rag-and-proxy', renderAll(p, observed()));
  });
});

describe('status problems name the field at fault', () => {
  it('bad $ref, missing Secret keys, missing Redis', () => {
    const broken = PETSTORE.replaceAll("$ref: '#/components/schemas/Pet'", "$ref: '#/components/schemas/Pett'");
    const r = renderAgentProduct(
      product(SAMPLE_SPEC),
      observed({
        documents: { pets: { text: broken } },
        secret: (ref) => (ref.key === 'bob' ? undefined : secrets[`${ref.name}/${ref.key}`]),
        redisExists: false,
      }),
    );
    expect(r.problems.map((p) => [p.reason, p.field])).toEqual([
      ['BadRef', expect.stringMatching(/^spec\.tools\[0\]\.openapi \(#\/paths\/~1pet[^ ]*\/\$ref\)$/)],
      ['SecretKeyMissing', 'spec.access.consumers[1].keySecretRef'],
      ['AgentHasNoTools', 'spec.agent'],
      ['RedisMissing', 'spec.access.redis.service'],
    ]);
    expect(JSON.stringify(r)).not.toContain('sk-bob');
  });

  it('a tool change edits the mcp-server rule in place and changes the revision', () => {
    const before = renderAgentProduct(product(SAMPLE_SPEC), observed());
    const spec = structuredClone(SAMPLE_SPEC) as { tools: { openapi: { operations: string[] } }[] };
    spec.tools[0]!.openapi.operations.push('deletePet');
    const after = renderAgentProduct(product(spec), observed());
    expect(after.toolsetRevision).not.toBe(before.toolsetRevision);
    const foreign = { ingress: ['mcp-server-weather-c.internal'], configDisable: false, config: { server: { name: 'weather-c' } } };
    const existing = sharedPluginMerger.merge(undefined, before.shared[0]!);
    existing.spec.matchRules.unshift(foreign);
    const merged = sharedPluginMerger.merge(existing, after.shared[0]!);
    expect(merged.spec.matchRules).toHaveLength(2);
    expect(merged.spec.matchRules[0]).toEqual(foreign);
    expect((merged.spec.matchRules[1]!.config as { tools: { name: string }[] }).tools.map((t) => t.name)).toContain('pet_deletePet');
  });

  it('our rules stay where another controller sorted them (no rewrite war with the ModelPool merge)', () => {
    const edit = renderAgentProduct(product(SAMPLE_SPEC), observed()).shared.find((e) => e.name === 'key-auth.internal')!;
    const first = sharedPluginMerger.merge(undefined, edit);
    const poolRule = { ingress: ['ai-route-team-a-chat.internal'], configDisable: true, config: {} };
    // Another controller prepends its rule and its consumer and sorts ours into its own order.
    first.spec.matchRules = [poolRule, ...[...first.spec.matchRules].reverse()];
    const consumers = first.spec.defaultConfig!.consumers as { name: string }[];
    first.spec.defaultConfig = { ...first.spec.defaultConfig, consumers: [{ name: 'pool-user' }, ...[...consumers].reverse()] };
    const again = sharedPluginMerger.merge(first, edit);
    expect(sameSpec(first, again)).toBe(true);
  });

  it('removed consumers leave key-auth; foreign consumers stay', () => {
    const r = renderAgentProduct(
      product({ ...(SAMPLE_SPEC as object), access: undefined }),
      observed({ previous: { consumers: ['team-a-alice', 'team-a-bob'] } }),
    );
    const ka = r.shared[1]!;
    const existing = sharedPluginMerger.merge(undefined, ka);
    existing.spec.defaultConfig = { ...existing.spec.defaultConfig, consumers: [{ name: 'team-a-alice' }, { name: 'console-user' }] };
    const merged = sharedPluginMerger.merge(existing, ka);
    expect((merged.spec.defaultConfig!.consumers as { name: string }[]).map((c) => c.name)).toEqual(['console-user']);
    expect(merged.spec.matchRules.every((m) => m.configDisable)).toBe(true);
  });
});

describe('the agent on a console AI route', () => {
  it("routes to the providers of its model's own route, so the console's PUT accepts it", () => {
    const r = renderAgentProduct(product(SAMPLE_SPEC), observed());
    const cm = r.configMaps.find((c) => c.metadata.name === 'ai-route-team-a-petstore-agent');
    const route = JSON.parse(cm!.data.data!) as { name: string; upstreams: { provider: string; modelMapping?: Record<string, string> }[] };
    expect(route.name).toBe('team-a-petstore-agent');
    expect(route.upstreams).toEqual([{ provider: CHAT_PROVIDER, weight: 100, modelMapping: { '*': 'gpt-4o' } }]);
    const ingress = r.ingresses.find((i) => i.metadata.name === 'ai-route-team-a-petstore-agent.internal');
    expect(ingress?.metadata.annotations?.['higress.io/destination']).toBe(`llm-${CHAT_PROVIDER}.internal.dns:443`);
    const mapper = r.shared.find((e) => e.name === 'model-mapper.internal');
    expect(mapper?.rules).toEqual([
      {
        ingress: ['ai-route-team-a-petstore-agent.internal'],
        service: [`llm-${CHAT_PROVIDER}.internal.dns`],
        configDisable: false,
        config: { modelMapping: { '*': 'gpt-4o' } },
      },
    ]);
  });

  it('waits, naming the field, while the model has no route on the gateway', () => {
    const r = renderAgentProduct(product(SAMPLE_SPEC), observed({ agentModel: undefined }));
    expect(r.problems.map((p) => [p.reason, p.field])).toEqual([['ModelNotRouted', 'spec.agent.model.pool']]);
    expect(r.agentEndpoint).toBeUndefined();
    expect(r.configMaps).toEqual([]);
    expect(r.owned).toEqual([]);
    expect(r.shared.find((e) => e.name === 'ai-agent-1.0.0')?.rules).toEqual([]);
  });

  it('reads the services of a destination annotation in upstream order', () => {
    expect(parseDestination('llm-a.internal.dns:443')).toEqual([{ name: 'llm-a.internal.dns', port: 443 }]);
    expect(parseDestination('60% llm-a.internal.dns:443\n40% llm-b.internal.static:80')).toEqual([
      { name: 'llm-a.internal.dns', port: 443 },
      { name: 'llm-b.internal.static', port: 80 },
    ]);
  });
});
