import type { z } from 'zod';
import { aiAgentConfigSchema, aiAgentRuleConfigSchema } from './ai-agent.js';
import { aiCacheConfigSchema, aiCacheRuleConfigSchema } from './ai-cache.js';
import { aiProxyConfigSchema, aiProxyRuleConfigSchema } from './ai-proxy.js';
import { aiStatisticsConfigSchema, aiStatisticsRuleConfigSchema } from './ai-statistics.js';
import { aiTokenRatelimitConfigSchema, aiTokenRatelimitRuleConfigSchema } from './ai-token-ratelimit.js';
import { consoleAiRouteConfigMapSchema } from './console-ai-route.js';
import { higressIngressSchema } from './ingress.js';
import { keyAuthConfigSchema, keyAuthRuleConfigSchema } from './key-auth.js';
import { mcpBridgeSchema } from './mcp-bridge.js';
import { mcpServerConfigSchema, mcpServerRuleConfigSchema } from './mcp-server.js';
import { modelMapperConfigSchema, modelMapperRuleConfigSchema } from './model-mapper.js';
import { modelRouterConfigSchema, modelRouterRuleConfigSchema } from './model-router.js';
import { HIGRESS_UPSTREAM } from './upstream.js';
import { wasmPluginSchema, type WasmPluginObject } from './wasm-plugin.js';

/**
 * The versioned envelope: every plugin config the operator may emit, keyed by the plugin's name (its image
 * name, the console's `higress.io/wasm-plugin-name` label), with the schema for the global config and for a
 * matchRule config (they differ where a plugin parses rules with an override parser), and the upstream
 * folder that reads them. `version` changes whenever a contract changes shape, so a consumer can tell which
 * set it was checked against; `higress` says which Higress the set was written from.
 */
export interface PluginContract {
  /** Upstream source of the config parser. */
  readBy: string;
  global: z.ZodType;
  rule: z.ZodType;
}

export const PLUGIN_CONTRACTS = {
  'ai-proxy': { readBy: 'plugins/wasm-go/extensions/ai-proxy', global: aiProxyConfigSchema, rule: aiProxyRuleConfigSchema },
  'model-router': { readBy: 'plugins/wasm-go/extensions/model-router', global: modelRouterConfigSchema, rule: modelRouterRuleConfigSchema },
  'model-mapper': { readBy: 'plugins/wasm-go/extensions/model-mapper', global: modelMapperConfigSchema, rule: modelMapperRuleConfigSchema },
  'ai-statistics': { readBy: 'plugins/wasm-go/extensions/ai-statistics', global: aiStatisticsConfigSchema, rule: aiStatisticsRuleConfigSchema },
  'key-auth': { readBy: 'plugins/wasm-cpp/extensions/key_auth', global: keyAuthConfigSchema, rule: keyAuthRuleConfigSchema },
  'ai-token-ratelimit': {
    readBy: 'plugins/wasm-go/extensions/ai-token-ratelimit',
    global: aiTokenRatelimitConfigSchema,
    rule: aiTokenRatelimitRuleConfigSchema,
  },
  'ai-cache': { readBy: 'plugins/wasm-go/extensions/ai-cache', global: aiCacheConfigSchema, rule: aiCacheRuleConfigSchema },
  'mcp-server': { readBy: 'higress-group/wasm-go pkg/mcp/server', global: mcpServerConfigSchema, rule: mcpServerRuleConfigSchema },
  'ai-agent': { readBy: 'plugins/wasm-go/extensions/ai-agent', global: aiAgentConfigSchema, rule: aiAgentRuleConfigSchema },
} as const satisfies Record<string, PluginContract>;

export type ContractPluginName = keyof typeof PLUGIN_CONTRACTS;

export const HIGRESS_CONTRACTS = {
  version: 'contracts.higress-ai-operator.io/v1alpha1',
  higress: HIGRESS_UPSTREAM,
  plugins: PLUGIN_CONTRACTS,
} as const;

const isContractPlugin = (name: string | undefined): name is ContractPluginName => name !== undefined && Object.hasOwn(PLUGIN_CONTRACTS, name);

/**
 * Which plugin a WasmPlugin runs, from what it says about itself, most explicit first: the console's
 * `higress.io/wasm-plugin-name` label; the image name in `spec.url` (`…/plugins/<name>:<tag>` or the plugin
 * server's `…/plugins/<name>/<version>/plugin.wasm`); the object name (`<name>.internal`,
 * `<name>-<version>`, our `aiop-<name>`). Undefined when none names a known plugin.
 */
export function pluginNameOf(plugin: {
  metadata: { name: string; labels?: Record<string, string> | undefined };
  spec: { url?: string | undefined };
}): string | undefined {
  const label = plugin.metadata.labels?.['higress.io/wasm-plugin-name'];
  if (label) return label;
  const url = plugin.spec.url ?? '';
  const image = /\/([a-z0-9-]+)(?::[^/]+|\/[^/]+\/plugin\.wasm)$/.exec(url)?.[1];
  if (image) return image;
  const name = plugin.metadata.name
    .replace(/\.internal$/, '')
    .replace(/-\d+\.\d+\.\d+$/, '')
    .replace(/^aiop-/, '');
  return isContractPlugin(name) ? name : undefined;
}

export interface ContractIssue {
  /** `kind/namespace/name`. */
  object: string;
  /** Dotted path inside the object. */
  path: string;
  message: string;
}

const issuesOf = (object: string, base: (string | number)[], error: z.ZodError): ContractIssue[] =>
  error.issues.map((i) => ({ object, path: [...base, ...i.path.map(String)].join('.'), message: i.message }));

/** A WasmPlugin checked against its shape and its plugin's contract (global config and every rule config). */
export function checkWasmPlugin(input: unknown): ContractIssue[] {
  const shape = wasmPluginSchema.safeParse(input);
  const raw = input as Partial<WasmPluginObject> | undefined;
  const id = `WasmPlugin/${raw?.metadata?.namespace ?? '?'}/${raw?.metadata?.name ?? '?'}`;
  if (!shape.success) return issuesOf(id, [], shape.error);
  const plugin = shape.data;
  const name = pluginNameOf(plugin);
  if (!isContractPlugin(name)) {
    return [{ object: id, path: 'spec.url', message: `no contract for plugin '${name ?? plugin.spec.url}'; add one under src/contracts/higress/` }];
  }
  const contract: PluginContract = PLUGIN_CONTRACTS[name];
  const issues: ContractIssue[] = [];
  if (plugin.spec.defaultConfig !== undefined) {
    const r = contract.global.safeParse(plugin.spec.defaultConfig);
    if (!r.success) issues.push(...issuesOf(id, ['spec', 'defaultConfig'], r.error));
  }
  plugin.spec.matchRules.forEach((rule, i) => {
    if (rule.config === undefined) return;
    // A disabled rule is skipped by Higress, but the console keeps its config for later: still check it.
    const r = contract.rule.safeParse(rule.config);
    if (!r.success) issues.push(...issuesOf(id, ['spec', 'matchRules', i, 'config'], r.error));
  });
  return issues;
}

/** Kinds the operator writes for Higress and the check for each; other kinds are not Higress's. */
const HIGRESS_KINDS: Record<string, (o: unknown) => ContractIssue[] | undefined> = {
  'extensions.higress.io/v1alpha1/WasmPlugin': checkWasmPlugin,
  'networking.higress.io/v1/McpBridge': (o) => {
    const r = mcpBridgeSchema.safeParse(o);
    return r.success ? [] : issuesOf(`McpBridge/${nameOf(o)}`, [], r.error);
  },
  // Only the console's AI route ConfigMaps: other ConfigMaps are nobody's contract.
  'v1/ConfigMap': (o) => {
    if ((o as { metadata?: { labels?: Record<string, string> } }).metadata?.labels?.['higress.io/config-map-type'] !== 'ai-route') return undefined;
    const r = consoleAiRouteConfigMapSchema.safeParse(o);
    return r.success ? [] : issuesOf(`ConfigMap/${nameOf(o)}`, [], r.error);
  },
  'networking.k8s.io/v1/Ingress': (o) => {
    const r = higressIngressSchema.safeParse(o);
    return r.success ? [] : issuesOf(`Ingress/${nameOf(o)}`, [], r.error);
  },
};

function nameOf(o: unknown): string {
  const m = (o as { metadata?: { namespace?: string; name?: string } } | undefined)?.metadata;
  return `${m?.namespace ?? '?'}/${m?.name ?? '?'}`;
}

/**
 * Issues of one generated object against the Higress contracts; `undefined` when the object is of a kind
 * Higress does not read (Deployment, …, typed in ../kubernetes/) or Istio's (the EnvoyFilter, ../istio/).
 * ConfigMaps are checked when they are console AI routes (console-ai-route.ts). src/contracts/index.ts
 * `checkGeneratedObject` dispatches every generated kind.
 */
export function checkHigressObject(o: unknown): ContractIssue[] | undefined {
  const t = o as { apiVersion?: unknown; kind?: unknown } | undefined;
  const check = HIGRESS_KINDS[`${String(t?.apiVersion)}/${String(t?.kind)}`];
  return check ? check(o) : undefined;
}
