import type { AgentProductSpec, AgentProductStatus } from '../api/v1alpha1/agentproduct.js';
import type { GeneratedObject } from '../api/v1alpha1/common.js';
import type { PublishProductType, PublishSpec } from '../api/v1alpha1/publish.js';
import { consoleName as poolRouteName } from '../higress/console/meta.js';
import { agentRouteName } from './agentproduct.js';
import { consoleName as routerRouteName } from './semanticrouter-gateway.js';

/**
 * Which Higress resource a publishing owner's product links, per kind. A HiMarket product links exactly one
 * console resource (`HigressRefConfig`: one `modelRouteName` or one `mcpServerName`, himarket.md §4.4), and
 * approving a subscription grants the consumer that one resource only (`HigressOperator.authorizeAIRoute`
 * adds it to that route's `authConfig.allowedConsumers`). So an owner with several endpoints publishes the
 * one `spec.publish.target` names, and a spec that leaves the choice open is a condition, never a silent
 * pick of the first (docs/himarket.md, "One product, one route").
 *
 * The route name is the owner's own naming function, and it is linked only once the owner's status lists
 * that console object (ConfigMap `ai-route-<n>`, Ingress `mcp-server-<n>.internal`, higress.md §11) without
 * an error: HiMarket's link asks the console, and the console lists only what exists.
 */

export interface LinkChoice {
  /** Console AI route / MCP server name; undefined while the owner's status does not list it. */
  linkTarget: string | undefined;
  /** Product type when `spec.publish.type` is unset. */
  defaultType: PublishProductType;
  /** Model names clients send on the linked route (MODEL_API documentation). */
  models?: readonly string[];
  /** Tools of the linked MCP server (MCP_SERVER documentation). */
  tools?: ReadonlyArray<{ name: string; description?: string | undefined }>;
  /** Gateway path the OpenAI-compatible endpoint sits below, when not the root. */
  endpointPath?: string | undefined;
  /** The spec asks for something the owner cannot link: a `Published` condition, no HiMarket call. */
  invalid?: { reason: 'LinkTargetAmbiguous' | 'UnknownLinkTarget' | 'TypeNotServed'; message: string };
}

const listed = (generated: readonly GeneratedObject[] | undefined, kind: string, name: string) =>
  (generated ?? []).some((o) => o.kind === kind && o.name === name && !o.error);
const aiRouteListed = (generated: readonly GeneratedObject[] | undefined, route: string) =>
  listed(generated, 'ConfigMap', `ai-route-${route}`) ? route : undefined;

/** The one of `choices` the spec names, the only one there is, or why there is none. */
function pick(
  kind: string,
  what: string,
  choices: readonly string[],
  target: string | undefined,
  fallback?: string,
): { target: string } | { invalid: NonNullable<LinkChoice['invalid']> } {
  const list = choices.join(', ');
  if (target !== undefined) {
    return choices.includes(target)
      ? { target }
      : { invalid: { reason: 'UnknownLinkTarget', message: `spec.publish.target "${target}" is not ${what} of this ${kind} (${list})` } };
  }
  if (fallback !== undefined) return { target: fallback };
  if (choices.length === 1) return { target: choices[0]! };
  return {
    invalid: {
      reason: 'LinkTargetAmbiguous',
      message: `this ${kind} serves ${choices.length} endpoints (${list}) and a HiMarket product links exactly one: set spec.publish.target`,
    },
  };
}

const notServed = (kind: string, type: PublishProductType, serves: string): LinkChoice['invalid'] => ({
  reason: 'TypeNotServed',
  message: `a ${kind} serves ${serves}: spec.publish.type ${type} cannot be linked`,
});

export interface PoolLike {
  metadata: { namespace?: string | undefined; name: string };
  spec: { models: ReadonlyArray<{ name: string }>; alias?: string | undefined };
  status?: { generatedObjects?: GeneratedObject[] | undefined } | undefined;
}

/** ModelPool: one AI route per model plus one for the alias (src/reconcilers/modelpool.ts); default the alias. */
export function modelPoolLink(pool: PoolLike, publish: PublishSpec): LinkChoice {
  const base = { defaultType: 'MODEL_API' as const, linkTarget: undefined };
  const type = publish.type ?? 'MODEL_API';
  if (type !== 'MODEL_API') return { ...base, invalid: notServed('ModelPool', type, 'AI routes (MODEL_API)') };
  const { alias } = pool.spec;
  const names = [...pool.spec.models.map((m) => m.name), ...(alias ? [alias] : [])];
  // The alias is the pool's one name for all its weighted models: the natural single product.
  const p = pick('ModelPool', 'a model or the alias', names, publish.target, alias);
  if ('invalid' in p) return { ...base, invalid: p.invalid };
  const ns = pool.metadata.namespace ?? 'default';
  const route = p.target === alias ? poolRouteName([ns, pool.metadata.name, 'alias', alias]) : poolRouteName([ns, pool.metadata.name, p.target]);
  return { ...base, linkTarget: aiRouteListed(pool.status?.generatedObjects, route), models: [p.target] };
}

export interface RouterLike {
  metadata: { namespace?: string | undefined; name: string };
  spec: { virtualModels?: readonly string[] | undefined };
  status?: { generatedObjects?: GeneratedObject[] | undefined } | undefined;
}

/** SemanticRouter: one AI route per virtual model (src/reconcilers/semanticrouter-gateway.ts). */
export function semanticRouterLink(router: RouterLike, publish: PublishSpec): LinkChoice {
  const base = { defaultType: 'MODEL_API' as const, linkTarget: undefined };
  const type = publish.type ?? 'MODEL_API';
  if (type !== 'MODEL_API') return { ...base, invalid: notServed('SemanticRouter', type, 'AI routes (MODEL_API)') };
  const p = pick('SemanticRouter', 'a virtual model', router.spec.virtualModels ?? ['auto'], publish.target);
  if ('invalid' in p) return { ...base, invalid: p.invalid };
  const owner = { kind: 'SemanticRouter', namespace: router.metadata.namespace ?? 'default', name: router.metadata.name };
  return { ...base, linkTarget: aiRouteListed(router.status?.generatedObjects, routerRouteName(owner, p.target)), models: [p.target] };
}

export interface AgentProductLike {
  metadata: { namespace?: string | undefined; name: string };
  spec: Pick<AgentProductSpec, 'tools'> & { agent?: Pick<NonNullable<AgentProductSpec['agent']>, 'model'> | undefined };
  status?: Pick<AgentProductStatus, 'mcpServers' | 'generatedObjects' | 'agentEndpoint'> | undefined;
}

/**
 * AgentProduct: its agent as a MODEL_API on the agent's console AI route (the default when it has an agent:
 * HiMarket's AGENT_API is not backed by Higress, himarket.md §7), or one tool source's MCP server as MCP_SERVER.
 */
export function agentProductLink(product: AgentProductLike, publish: PublishSpec): LinkChoice {
  const { spec, status } = product;
  const defaultType: PublishProductType = spec.agent ? 'MODEL_API' : 'MCP_SERVER';
  const type = publish.type ?? defaultType;
  const ns = product.metadata.namespace ?? 'default';
  if (type === 'MODEL_API') {
    if (!spec.agent)
      return { defaultType, linkTarget: undefined, invalid: notServed('AgentProduct without spec.agent', type, 'MCP servers only (MCP_SERVER)') };
    if (publish.target !== undefined) {
      return {
        defaultType,
        linkTarget: undefined,
        invalid: {
          reason: 'UnknownLinkTarget',
          message: 'spec.publish.target names a tool source and applies to type MCP_SERVER; a MODEL_API product links the agent',
        },
      };
    }
    return {
      defaultType,
      linkTarget: aiRouteListed(status?.generatedObjects, agentRouteName(ns, product.metadata.name)),
      models: [spec.agent.model.name],
      endpointPath: status?.agentEndpoint,
    };
  }
  const p = pick(
    'AgentProduct',
    'a tool source (tools[].name)',
    spec.tools.map((t) => t.name),
    publish.target,
  );
  if ('invalid' in p) return { defaultType, linkTarget: undefined, invalid: p.invalid };
  const server = status?.mcpServers?.find((s) => s.source === p.target);
  const served = server && listed(status?.generatedObjects, 'Ingress', `mcp-server-${server.name}.internal`) ? server.name : undefined;
  return { defaultType, linkTarget: served, tools: (server?.tools ?? []).map((name) => ({ name })) };
}
