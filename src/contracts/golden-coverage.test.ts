import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { goldenFiles } from '../../test/support/golden.js';
import { basename, join, relative } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { z } from 'zod';
import { agentProductStatusSchema } from '../api/v1alpha1/agentproduct.js';
import { conditionSchema } from '../api/v1alpha1/common.js';
import { modelPoolStatusSchema } from '../api/v1alpha1/modelpool.js';
import { publishStatusSchema } from '../api/v1alpha1/publish.js';
import { ragPipelineStatusSchema } from '../api/v1alpha1/ragpipeline.js';
import { semanticRouterStatusSchema } from '../api/v1alpha1/semanticrouter.js';
import { parseOpenApiText } from '../agent/openapi/load.js';
import { conversionNotesSchema } from './agent/conversion-notes.js';
import { desiredProductSchema } from './himarket/product.js';
import { checkGeneratedObject } from './index.js';
import {
  aiCacheRuleConfigSchema,
  aiProxyProviderSchema,
  aiProxyRuleConfigSchema,
  mcpBridgeRegistrySchema,
  mcpServerConfigSchema,
  wasmMatchRuleSchema,
} from './higress/index.js';

// No golden is skipped and there is no list of exceptions: every document of every golden file (any
// `__golden__` folder under src/) is parsed through the contract it stands for — a generated object's
// (src/contracts/index.ts: Higress, Istio's fallback EnvoyFilter, the workload kinds, our runtimes' config
// ConfigMaps), what we send HiMarket, the converter's notes, a CRD status schema. A document nobody claims
// fails the test, so a new golden needs a contract.

const SRC = join(import.meta.dirname ?? process.cwd(), '..');

type Doc = Record<string, unknown>;
type Verdict = { contract: string; issues: string[] } | undefined;

const zodIssues = (r: { success: boolean; error?: z.ZodError }) => (r.success ? [] : r.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
const parsed = (contract: string, schema: z.ZodType, value: unknown): Verdict => ({ contract, issues: zodIssues(schema.safeParse(value)) });

/** A condition as the pure status functions return it (the kit stamps lastTransitionTime when writing). */
const conditionInput = conditionSchema.omit({ lastTransitionTime: true }).extend({ lastTransitionTime: z.string().optional() }).strict();
const event = z.strictObject({ type: z.enum(['Normal', 'Warning']), reason: z.string().min(1), message: z.string() });

/** The status schema a golden's status documents belong to, by file name. */
function statusSchemaFor(file: string): [string, z.ZodObject] {
  const f = basename(file);
  if (f.startsWith('agentproduct')) return ['AgentProduct status', agentProductStatusSchema];
  if (f.startsWith('ragpipeline') || f.startsWith('status-ragpipeline')) return ['RagPipeline status', ragPipelineStatusSchema];
  if (f.startsWith('semanticrouter')) return ['SemanticRouter status', semanticRouterStatusSchema];
  return ['ModelPool status', modelPoolStatusSchema];
}
const statusPart = (file: string, value: unknown): Verdict => {
  const [name, schema] = statusSchemaFor(file);
  return parsed(name, schema.partial().strict(), value);
};
const withoutComments = (d: Doc) => Object.fromEntries(Object.entries(d).filter(([k]) => !k.startsWith('# ')));

function verdict(file: string, d: Doc): Verdict {
  const generated = checkGeneratedObject(d);
  if (generated) return generated;
  const f = basename(file);
  if ('# status of' in d) return statusPart(file, withoutComments(d));
  if ('# status parts' in d) {
    // AgentProduct's render also lists its problems: they become conditions (agentproduct-status.ts), not fields.
    const { problems, ...parts } = d['# status parts'] as Doc;
    const s = statusPart(file, parts);
    const problem = z.strictObject({ field: z.string().min(1), reason: z.string().min(1), message: z.string().min(1) });
    return { contract: 'AgentProduct status', issues: [...(s?.issues ?? []), ...zodIssues(z.array(problem).safeParse(problems))] };
  }
  if ('# ai-proxy.internal providers[] entry' in d) {
    const a = parsed('ai-proxy provider', aiProxyProviderSchema, d['# ai-proxy.internal providers[] entry']);
    const b = parsed('ai-proxy rule', aiProxyRuleConfigSchema, (d['# ai-proxy.internal matchRules[] entry'] as Doc | undefined)?.config);
    const c = parsed('ai-proxy rule', wasmMatchRuleSchema, d['# ai-proxy.internal matchRules[] entry']);
    return { contract: 'ai-proxy provider + rule', issues: [a, b, c].flatMap((v) => v?.issues ?? []) };
  }
  if ('# McpBridge default registries[] entry' in d) return parsed('McpBridge registry', mcpBridgeRegistrySchema, d['# McpBridge default registries[] entry']);
  // ModelPool status function: the status, Ready, the other conditions set and the ones removed.
  if (f.startsWith('status-') && 'ready' in d && 'set' in d) {
    const s = statusPart(file, d.status);
    const rest = z.strictObject({ status: z.unknown(), ready: conditionInput, set: z.array(conditionInput), remove: z.array(z.string()) }).safeParse(d);
    return { contract: 'ModelPool status', issues: [...(s?.issues ?? []), ...zodIssues(rest)] };
  }
  if (f.startsWith('status-ragpipeline') && 'parts' in d) {
    const s = statusPart(file, d.parts);
    return { contract: 'RagPipeline status', issues: [...(s?.issues ?? []), ...zodIssues(z.array(conditionInput).safeParse(d.conditions))] };
  }
  if (f === 'semanticrouter-status.yaml') {
    const s = statusPart(file, d.status);
    const rest = z
      .strictObject({ status: z.unknown(), conditions: z.array(conditionInput), events: z.array(event) })
      .passthrough()
      .safeParse(d);
    return { contract: 'SemanticRouter status', issues: [...(s?.issues ?? []), ...zodIssues(rest)] };
  }
  if (f === 'himarket-status.yaml') return parsed('HiMarket publish status', z.record(z.string(), publishStatusSchema), d);
  if (f.startsWith('himarket-desired-')) return parsed('HiMarket desired product', desiredProductSchema, d);
  // A lone matchRule (the ai-cache builder's golden).
  if (f.startsWith('ai-cache-') && 'config' in d)
    return { contract: 'ai-cache rule', issues: [...zodIssues(wasmMatchRuleSchema.safeParse(d)), ...zodIssues(aiCacheRuleConfigSchema.safeParse(d.config))] };
  // The OpenAPI converter: the mcp-server config it emits, the agent API document, and its notes.
  if (f.startsWith('openapi-') && f.endsWith('-notes.yaml')) return parsed('OpenAPI conversion notes', conversionNotesSchema, d);
  if (f.startsWith('openapi-') && f.endsWith('-agent-api.yaml')) {
    try {
      parseOpenApiText(readFileSync(file, 'utf8'));
      return { contract: 'ai-agent api (OpenAPI document)', issues: [] };
    } catch (err) {
      return { contract: 'ai-agent api (OpenAPI document)', issues: [String(err)] };
    }
  }
  if (f.startsWith('openapi-') && 'server' in d) return parsed('mcp-server config', mcpServerConfigSchema, d);
  return undefined;
}

const goldens = goldenFiles(SRC)
  .map((f) => relative(SRC, f))
  .sort();

describe('every golden document parses through its contract', () => {
  it('finds the golden folders', () => {
    const folders = new Set(goldens.map((g) => g.slice(0, g.lastIndexOf('/'))));
    expect([...folders].sort()).toEqual(['agent/openapi/__golden__', 'higress/__golden__', 'higress/console/__golden__', 'reconcilers/__golden__']);
  });

  it.each(goldens)('%s', (name) => {
    const file = join(SRC, name);
    const docs = parseAllDocuments(readFileSync(file, 'utf8')).map((d) => d.toJS() as Doc);
    const unclaimed: string[] = [];
    const issues: string[] = [];
    docs.forEach((d, i) => {
      const v = verdict(file, d);
      if (!v) unclaimed.push(`document ${i}: ${typeof d.kind === 'string' ? d.kind : Object.keys(d).slice(0, 3).join(',')}`);
      else issues.push(...v.issues.map((m) => `document ${i} (${v.contract}): ${m}`));
    });
    expect(docs.length).toBeGreaterThan(0);
    expect({ unclaimed, issues }).toEqual({ unclaimed: [], issues: [] });
  });
});
