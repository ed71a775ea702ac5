import { createHash } from 'node:crypto';
import { stringify } from 'yaml';
import type { AgentProduct, AgentProductSpec, ToolSource } from '../api/v1alpha1/agentproduct.js';
import type { GeneratedObject } from '../api/v1alpha1/common.js';
import { buildAgentApi } from '../agent/openapi/agent-api.js';
import { convertOpenApi, type ConvertedOperation } from '../agent/openapi/convert.js';
import { OpenApiError } from '../agent/openapi/errors.js';
import { parseOpenApiText } from '../agent/openapi/load.js';
import type { ProxyMcpServerConfig, RestMcpServerConfig } from '../agent/mcp-config.js';
import { RAG_SEARCH_OPERATION, ragSearchOpenApi } from '../agent/rag-openapi.js';
import { buildAiRouteObjects, DEFAULT_PROXY_NEXT_UPSTREAM, type AiUpstream, type ConfigMap, type ProviderService } from '../higress/console/ai-route.js';
import { CONSOLE_PLUGINS, newConsolePlugin } from '../higress/console/shared-plugins.js';
import { buildRouteIngress } from '../higress/ingress.js';
import { DEFAULT_PLUGIN_HUB } from '../higress/plugins.js';
import type { AiAgentConfig, McpServerConfig, ModelMapperConfig } from '../contracts/higress/index.js';
import type { Ingress, RuleOf, WasmPlugin } from '../higress/types.js';
import { ownerAnnotations, ownerLabels, type OwnerRef } from '../kube/owner.js';
import type { KeyAuthConsumer, SharedPluginEdit } from './agentproduct-gateway.js';

/**
 * AgentProduct → the Higress console's own objects, as a pure function of the spec and what the controller
 * read (documents, Secret values, RagPipeline services, Redis presence). Console forms (reference §11 and
 * higress-console-objects.yaml): per tool source an Ingress `mcp-server-<n>.internal` labelled as an MCP
 * server plus one matchRule on `mcp-server.internal`; the agent on its own AI route `ai-route-<r>.internal`
 * (+ ConfigMap `ai-route-<r>`) with an `ai-agent` rule; key-auth consumers and per-route allow rules on
 * `key-auth.internal`; token limits in an operator-owned ai-token-ratelimit WasmPlugin.
 */

export interface SecretRef {
  name: string;
  key: string;
}

export interface AgentObserved {
  /** Text of each OpenAPI tool source (by tools[].name), or why it could not be read. */
  documents: Readonly<Record<string, { text: string } | { error: string }>>;
  /** Value of a Secret key, undefined when the Secret or key is missing. */
  secret(ref: SecretRef): string | undefined;
  /** In-cluster `host:port` of each RagPipeline's runtime Service, undefined when the pipeline is missing. */
  ragServices: Readonly<Record<string, string | undefined>>;
  /** Whether the referenced Redis Service exists (undefined when none is referenced). */
  redisExists?: boolean | undefined;
  /**
   * The console AI route the agent's model already has on this gateway (written by its ModelPool or
   * SemanticRouter): its upstreams and their gateway services. Undefined when that route does not exist.
   */
  agentModel?: ModelRoute | undefined;
  /** What the last reconcile wrote to shared objects (from status), so removed entries are removed there. */
  previous?: { consumers?: readonly string[]; routes?: readonly string[] } | undefined;
}

/** Upstreams of an existing console AI route and the gateway service of each provider. */
export interface ModelRoute {
  upstreams: AiUpstream[];
  services: Readonly<Record<string, ProviderService>>;
}

/** A problem for a condition: reason, the exact field (and JSON pointer) at fault, whether it blocks Ready. */
export interface Problem {
  reason: string;
  field: string;
  message: string;
}

export interface McpServerRender {
  source: string;
  name: string;
  type: 'OPEN_API' | 'DIRECT_ROUTE';
  path: string;
  route: string;
  tools: string[];
}

export interface AgentRender {
  owner: OwnerRef;
  gatewayNamespace: string;
  ingresses: Ingress[];
  configMaps: ConfigMap[];
  shared: SharedPluginEdit[];
  owned: WasmPlugin[];
  mcpServers: McpServerRender[];
  tools: string[];
  agentEndpoint?: string;
  agentTools: string[];
  consumers: string[];
  toolsetRevision: string;
  problems: Problem[];
  generatedObjects: GeneratedObject[];
}

const CONSOLE_COMMENT = 'PLEASE DO NOT EDIT DIRECTLY. This resource is managed by Higress.';
const AI_AGENT_VERSION = '1.0.0';
const consoleLabels = { 'higress.io/domain_higress-default-domain': 'true', 'higress.io/internal': 'true', 'higress.io/resource-definer': 'higress' };
const image = (plugin: string, tag: string) => `oci://${DEFAULT_PLUGIN_HUB}/plugins/${plugin}:${tag}`;

/** Console MCP server name for a tool source: unique per namespace/product/source. */
export const mcpServerName = (ns: string, name: string, source: string) => `${ns}-${name}-${source}`;
export const agentRouteName = (ns: string, name: string) => `${ns}-${name}-agent`;
/** key-auth consumers are global in the console; the namespace prefix keeps one team from claiming another's name. */
export const consumerName = (ns: string, consumer: string) => `${ns}-${consumer}`;

/** `host:port` from a URL, with the scheme's default port. */
function hostPort(url: string): { host: string; port: number } {
  const u = new URL(url);
  return { host: u.hostname, port: u.port ? Number(u.port) : u.protocol === 'https:' ? 443 : 80 };
}

export function renderAgentProduct(product: AgentProduct, observed: AgentObserved): AgentRender {
  const ns = product.metadata.namespace ?? 'default';
  const name = product.metadata.name;
  const spec: AgentProductSpec = product.spec;
  const gw = spec.gateway.namespace;
  const owner: OwnerRef = { kind: 'AgentProduct', namespace: ns, name };
  const meta = (objName: string, labels: Record<string, string>, annotations: Record<string, string>) => ({
    name: objName,
    namespace: gw,
    labels: { ...consoleLabels, ...labels, ...ownerLabels(owner) },
    annotations: { 'higress.io/comment': CONSOLE_COMMENT, ...annotations, ...ownerAnnotations(owner) },
  });
  const problems: Problem[] = [];
  const ingresses: Ingress[] = [];
  const mcpRules: RuleOf<McpServerConfig>[] = [];
  const mcpServers: McpServerRender[] = [];
  const agentApis: AiAgentApi[] = [];
  const agentTools: string[] = [];
  const domains = spec.gateway.hosts?.length ? [...spec.gateway.hosts].sort().join(',') : '*';

  spec.tools.forEach((source, i) => {
    const field = `spec.tools[${i}]`;
    const server = mcpServerName(ns, name, source.name);
    const route = `mcp-server-${server}.internal`;
    const path = `/mcp-servers/${server}`;
    const rendered = renderSource(source, field, server, observed, problems);
    if (!rendered) return;
    ingresses.push(
      buildRouteIngress({
        metadata: meta(
          route,
          { 'higress.io/biz-type': 'mcp-server', 'higress.io/mcp-server-type': rendered.type },
          {
            'higress.io/mcp-server': 'true',
            'higress.io/mcp-server-match-rule-domains': domains,
            'higress.io/mcp-server-match-rule-type': 'prefix',
            'higress.io/mcp-server-match-rule-value': path,
            ...(rendered.type === 'DIRECT_ROUTE'
              ? {
                  // Console DIRECT_ROUTE form (docs-c in higress-console-objects.yaml); the runtime serves /mcp.
                  'higress.io/rewrite-path': '/mcp',
                  'higress.io/mcp-server-upstream-type': 'streamable',
                  'higress.io/mcp-server-upstream-transport-type': 'streamable',
                  'higress.io/mcp-server-enable-path-rewrite': 'true',
                  'higress.io/mcp-server-path-rewrite-prefix': '/mcp',
                }
              : {}),
          },
        ),
        ingressClassName: spec.gateway.ingressClassName,
        hosts: spec.gateway.hosts,
        path,
        destinations: [{ target: rendered.destination, weight: 100 }],
      }),
    );
    if (rendered.config) mcpRules.push({ ingress: [route], configDisable: false, config: rendered.config });
    mcpServers.push({ source: source.name, name: server, type: rendered.type, path, route, tools: rendered.tools });
    if (rendered.agentApi) {
      agentApis.push(rendered.agentApi.api);
      agentTools.push(...rendered.agentApi.tools);
    }
  });

  // Consumers: keys from Secrets, sent as "Authorization: Bearer <key>" (the console's BEARER form, §5.7).
  const consumers: KeyAuthConsumer[] = [];
  (spec.access?.consumers ?? []).forEach((c, i) => {
    const key = observed.secret(c.keySecretRef);
    if (key === undefined) {
      problems.push({
        reason: 'SecretKeyMissing',
        field: `spec.access.consumers[${i}].keySecretRef`,
        message: `Secret ${c.keySecretRef.name} has no key ${c.keySecretRef.key}; consumer ${c.name} cannot authenticate`,
      });
      return;
    }
    consumers.push({ name: consumerName(ns, c.name), credentials: [`Bearer ${key}`], keys: ['Authorization'], in_header: true, in_query: false });
  });
  const authOn = (spec.access?.consumers?.length ?? 0) > 0;
  const allow = consumers.map((c) => c.name);

  // The agent: ai-agent on its own console AI route, the model reached back through the gateway.
  const owned: WasmPlugin[] = [];
  const configMaps: AgentRender['configMaps'] = [];
  let agentEndpoint: string | undefined;
  let agentRoute: string | undefined;
  const agentRule: RuleOf<AiAgentConfig>[] = [];
  const mapperRules: RuleOf<ModelMapperConfig>[] = [];
  if (spec.agent) {
    const a = spec.agent;
    if (agentApis.length === 0)
      problems.push({ reason: 'AgentHasNoTools', field: 'spec.agent', message: 'no tool source gives the agent a callable GET/POST JSON operation' });
    const model = observed.agentModel;
    if (!model) {
      const [field, what] = a.model.pool
        ? ['spec.agent.model.pool', `ModelPool ${a.model.pool}`]
        : ['spec.agent.model.router', `SemanticRouter ${a.model.router}`];
      problems.push({
        reason: 'ModelNotRouted',
        field,
        message: `${what} routes no model ${a.model.name} on gateway ${gw} yet; the agent endpoint waits for it`,
      });
    }
    agentEndpoint = model ? (a.path ?? `/agents/${ns}-${name}`) : undefined;
  }
  if (spec.agent && agentEndpoint && observed.agentModel) {
    const a = spec.agent;
    const r = agentRouteName(ns, name);
    const gatewayUrl = spec.gateway.url ?? `http://higress-gateway.${gw}.svc.cluster.local`;
    const g = hostPort(gatewayUrl);
    const model = observed.agentModel;
    // A console AI route (reference §7.2, §11) whose upstreams are the providers the model's own route uses,
    // so the console lists it and accepts a PUT of it (it answers 400 "Unknown provider" for any upstream
    // missing from ai-proxy.internal). ai-agent's first model call continues on this route (firstReq in
    // plugins/wasm-go/extensions/ai-agent/main.go replaces the body and resumes the request), so the provider
    // service's ai-proxy rule serves it; model-mapper pins the model, whatever name the client sent. The
    // ReAct loop's further calls go through the gateway by model name (llm below).
    const objs = buildAiRouteObjects(
      { namespace: gw, ingressClassName: spec.gateway.ingressClassName, service: (p) => model.services[p] ?? { name: `llm-${p}.internal.dns`, port: 443 } },
      {
        name: r,
        domains: [...(spec.gateway.hosts ?? [])].sort(),
        pathPredicate: { matchType: 'PRE', matchValue: agentEndpoint, caseSensitive: false },
        upstreams: model.upstreams.map((u) => ({
          provider: u.provider,
          ...(u.weight !== undefined ? { weight: u.weight } : {}),
          modelMapping: u.modelMapping ?? { '*': a.model.name },
        })),
        modelPredicates: [],
        authConfig: { enabled: authOn, allowedConsumers: allow },
        proxyNextUpstream: DEFAULT_PROXY_NEXT_UPSTREAM,
        customConfigs: ownerAnnotations(owner),
        customLabels: ownerLabels(owner),
      },
      { labels: ownerLabels(owner), annotations: ownerAnnotations(owner) },
    );
    agentRoute = objs.ingresses[0]!.metadata.name;
    ingresses.push(...objs.ingresses);
    configMaps.push(objs.configMap);
    mapperRules.push(...objs.rules['model-mapper.internal']);
    // ai-agent discards system messages and has no prompt field (ADR 0006): the system prompt rides in the
    // ReAct template's question description, the one free-text slot its prompt shows the model.
    const question = a.systemPrompt ? `input question to answer. Follow these instructions: ${a.systemPrompt}` : 'input question to answer';
    agentRule.push({
      ingress: [agentRoute],
      configDisable: false,
      config: {
        llm: {
          apiKey: '',
          serviceName: g.host,
          servicePort: g.port,
          domain: g.host,
          path: '/v1/chat/completions',
          model: a.model.name,
          maxIterations: a.maxIterations,
          maxExecutionTime: a.maxExecutionTimeSeconds * 1000,
          maxTokens: a.maxTokens,
        },
        apis: agentApis,
        promptTemplate: { language: a.language, ...(a.language === 'EN' ? { enTemplate: { question } } : { chTemplate: { question } }) },
      },
    });
    const limits = (spec.access?.consumers ?? []).flatMap((c) => {
      const l = c.tokenLimit;
      if (!l) return [];
      const [unit, value] = l.perSecond
        ? ['token_per_second', l.perSecond]
        : l.perMinute
          ? ['token_per_minute', l.perMinute]
          : l.perHour
            ? ['token_per_hour', l.perHour]
            : ['token_per_day', l.perDay!];
      return [{ key: consumerName(ns, c.name), [unit]: value }];
    });
    if (limits.length && spec.access?.redis) {
      const redis = spec.access.redis;
      if (observed.redisExists === false) {
        problems.push({
          reason: 'RedisMissing',
          field: 'spec.access.redis.service',
          message: `Redis Service ${redis.service.namespace ?? gw}/${redis.service.name} not found; token limits are not enforced`,
        });
      }
      const password = redis.passwordSecretRef ? observed.secret(redis.passwordSecretRef) : undefined;
      if (redis.passwordSecretRef && password === undefined) {
        problems.push({
          reason: 'SecretKeyMissing',
          field: 'spec.access.redis.passwordSecretRef',
          message: `Secret ${redis.passwordSecretRef.name} has no key ${redis.passwordSecretRef.key}`,
        });
      }
      owned.push({
        apiVersion: 'extensions.higress.io/v1alpha1',
        kind: 'WasmPlugin',
        metadata: {
          name: `aiop-token-limit-${ns}-${name}`.slice(0, 63).replace(/-+$/, ''),
          namespace: gw,
          labels: ownerLabels(owner),
          annotations: ownerAnnotations(owner),
        },
        spec: {
          // Reference §4/§5.6: default phase, priority 600; rules per route, counters in Redis.
          url: image('ai-token-ratelimit', '2.0.1'),
          phase: 'UNSPECIFIED_PHASE',
          priority: 600,
          failStrategy: 'FAIL_OPEN',
          defaultConfigDisable: true,
          matchRules: [
            {
              ingress: [agentRoute],
              configDisable: false,
              config: {
                rule_name: `${ns}-${name}`,
                rule_items: [{ limit_by_per_consumer: '', limit_keys: limits }],
                rejected_code: 429,
                redis: {
                  service_name: `${redis.service.name}.${redis.service.namespace ?? gw}.svc.cluster.local`,
                  service_port: redis.port,
                  ...(password !== undefined ? { password } : {}),
                  ...(redis.database !== undefined ? { database: redis.database } : {}),
                },
              },
            },
          ],
        },
      });
    }
  }

  const routes = [...mcpServers.map((s) => s.route), ...(agentRoute ? [agentRoute] : [])];
  const previousRoutes = [...new Set([...(observed.previous?.routes ?? []), ...routes])];
  const consolePlugin = (
    plugin: string,
    version: string,
    title: string,
    phase: WasmPlugin['spec']['phase'],
    priority: number,
    pluginName = `${plugin}.internal`,
  ): WasmPlugin => ({
    apiVersion: 'extensions.higress.io/v1alpha1',
    kind: 'WasmPlugin',
    metadata: {
      name: pluginName,
      namespace: gw,
      labels: {
        ...(pluginName.endsWith('.internal') ? { 'higress.io/internal': 'true' } : {}),
        'higress.io/resource-definer': 'higress',
        'higress.io/wasm-plugin-built-in': 'true',
        'higress.io/wasm-plugin-category': plugin === 'key-auth' ? 'auth' : 'ai',
        'higress.io/wasm-plugin-name': plugin,
        'higress.io/wasm-plugin-version': version,
      },
      annotations: { 'higress.io/comment': CONSOLE_COMMENT, 'higress.io/wasm-plugin-title': title },
    },
    spec: {
      url: image(plugin, version),
      phase,
      priority,
      failStrategy: 'FAIL_OPEN',
      imagePullPolicy: 'UNSPECIFIED_POLICY',
      defaultConfigDisable: true,
      matchRules: [],
    },
  });
  const keyAuthTemplate = consolePlugin('key-auth', '2.0.0', 'Key Auth', 'AUTHN', 310);
  keyAuthTemplate.spec.defaultConfig = { allow: [], consumers: [], global_auth: false, keys: ['x-higress-dummy-key'] };
  const shared: SharedPluginEdit[] = [
    {
      name: 'mcp-server.internal',
      rules: mcpRules,
      ownedRoutes: previousRoutes,
      template: consolePlugin('mcp-server', '2.0.1', 'MCP Server', 'UNSPECIFIED_PHASE', 999),
    },
    {
      name: 'key-auth.internal',
      // The console's per-route form: `allow` on the route, disabled when the route is open (§5.7, §11).
      rules: routes.map((route) => ({ ingress: [route], configDisable: !authOn, config: { allow } })),
      ownedRoutes: previousRoutes,
      consumers,
      ownedConsumers: observed.previous?.consumers ?? [],
      template: keyAuthTemplate,
    },
    {
      name: 'model-mapper.internal',
      rules: mapperRules,
      ownedRoutes: previousRoutes,
      template: newConsolePlugin(CONSOLE_PLUGINS['model-mapper.internal'], gw) as WasmPlugin,
    },
    {
      name: `ai-agent-${AI_AGENT_VERSION}`,
      rules: agentRule,
      ownedRoutes: previousRoutes,
      template: consolePlugin('ai-agent', AI_AGENT_VERSION, 'AI Agent', 'UNSPECIFIED_PHASE', 200, `ai-agent-${AI_AGENT_VERSION}`),
    },
  ];

  const tools = mcpServers.flatMap((s) => s.tools).sort();
  const toolsetRevision = createHash('sha256')
    .update(JSON.stringify([mcpRules.map((r) => r.config), agentRule.map((r) => r.config.apis ?? null)]))
    .digest('hex')
    .slice(0, 16);
  const ref = (o: { apiVersion: string; kind: string; metadata: { name: string; namespace: string } }): GeneratedObject => ({
    apiVersion: o.apiVersion,
    kind: o.kind,
    namespace: o.metadata.namespace,
    name: o.metadata.name,
  });
  return {
    owner,
    gatewayNamespace: gw,
    ingresses,
    configMaps,
    shared,
    owned,
    mcpServers,
    tools,
    ...(agentEndpoint ? { agentEndpoint } : {}),
    agentTools: agentTools.sort(),
    consumers: allow,
    toolsetRevision,
    problems,
    generatedObjects: [...ingresses, ...configMaps, ...owned]
      .map(ref)
      .concat(shared.map((s) => ({ apiVersion: 'extensions.higress.io/v1alpha1', kind: 'WasmPlugin', namespace: gw, name: s.name }))),
  };
}

interface SourceRender {
  type: 'OPEN_API' | 'DIRECT_ROUTE';
  destination: string;
  config?: RestMcpServerConfig | ProxyMcpServerConfig;
  tools: string[];
  agentApi?: { api: AiAgentApi; tools: string[] };
}

function renderSource(source: ToolSource, field: string, server: string, observed: AgentObserved, problems: Problem[]): SourceRender | undefined {
  if (source.openapi) {
    const o = source.openapi;
    const doc = observed.documents[source.name];
    if (!doc || 'error' in doc) {
      const where = o.inline !== undefined ? 'inline' : o.configMap ? 'configMap' : 'url';
      problems.push({ reason: 'OpenApiUnavailable', field: `${field}.openapi.${where}`, message: doc && 'error' in doc ? doc.error : 'document not read yet' });
      return undefined;
    }
    const credentials: Record<string, string> = {};
    (o.credentials ?? []).forEach((c, j) => {
      const v = observed.secret(c.secretRef);
      if (v === undefined)
        problems.push({
          reason: 'SecretKeyMissing',
          field: `${field}.openapi.credentials[${j}].secretRef`,
          message: `Secret ${c.secretRef.name} has no key ${c.secretRef.key} (scheme ${c.scheme})`,
        });
      else credentials[c.scheme] = v;
    });
    try {
      const parsed = parseOpenApiText(doc.text);
      const result = convertOpenApi(parsed, {
        serverName: server,
        ...(o.prefix ? { toolPrefix: o.prefix } : {}),
        ...(o.operations ? { operations: o.operations } : {}),
        ...(o.baseUrl ? { baseUrl: o.baseUrl } : {}),
        credentials,
      });
      for (const s of result.schemesWithoutCredential) {
        problems.push({
          reason: 'CredentialMissing',
          field: `${field}.openapi.credentials`,
          message: `security scheme "${s}" is used by tools but has no credential`,
        });
      }
      const target = hostPort(result.serverUrl);
      return {
        type: 'OPEN_API',
        destination: destinationOf(target.host, target.port),
        config: result.config,
        tools: result.config.tools.map((t) => t.name),
        agentApi: agentApiFor(server, result.serverUrl, result.operations, credentials, result.config),
      };
    } catch (err) {
      if (err instanceof OpenApiError) {
        problems.push({ reason: err.reason, field: `${field}.openapi (${err.pointer})`, message: err.message });
        return undefined;
      }
      throw err;
    }
  }
  if (source.ragPipeline) {
    const svc = observed.ragServices[source.ragPipeline.name];
    if (!svc) {
      problems.push({ reason: 'RagPipelineMissing', field: `${field}.ragPipeline.name`, message: `RagPipeline ${source.ragPipeline.name} not found` });
      return undefined;
    }
    const api = yamlApi(ragSearchOpenApi(`http://${svc}`, `${source.name}_${RAG_SEARCH_OPERATION}`));
    return {
      type: 'DIRECT_ROUTE',
      destination: svc,
      tools: ['search', 'answer'],
      agentApi: { api: { apiProvider: provider(svc), api }, tools: [`${source.name}_${RAG_SEARCH_OPERATION}`] },
    };
  }
  const m = source.mcpServer!;
  const t = hostPort(m.url);
  const config: ProxyMcpServerConfig = {
    server: { name: server, type: 'mcp-proxy', transport: m.transport, mcpServerURL: m.url },
    ...(m.allowTools ? { allowTools: m.allowTools } : {}),
  };
  return { type: 'OPEN_API', destination: destinationOf(t.host, t.port), config, tools: m.allowTools ?? [] };
}

/** In-cluster hosts are routed by their Service FQDN; other hosts need a DNS service source of that name. */
function destinationOf(host: string, port: number): string {
  return host.endsWith('.svc.cluster.local') || host.endsWith('.svc') ? `${host}:${port}` : `${host}.dns:${port}`;
}

function provider(hostAndPort: string, apiKey: AgentApiKey = { in: 'none' }): AiAgentApi['apiProvider'] {
  const [host = '', port] = hostAndPort.split(':');
  return { serviceName: host, servicePort: Number(port ?? 80), domain: host, apiKey };
}

type AiAgentApi = AiAgentConfig['apis'][number];
type AgentApiKey = NonNullable<AiAgentApi['apiProvider']['apiKey']>;

const yamlApi = (doc: Record<string, unknown>) => stringify(doc, { lineWidth: 0 });

/** ai-agent adds one key: `Authorization: <name> <value>` or `?<name>=<value>` (main.go); map the schemes that fit. */
function agentApiFor(server: string, serverUrl: string, ops: readonly ConvertedOperation[], credentials: Record<string, string>, config: RestMcpServerConfig) {
  const api = buildAgentApi(server, serverUrl, ops);
  if (!api.yaml) return undefined;
  const used = new Set(
    ops
      .filter((o) => api.included.includes(o.operationId))
      .map((o) => o.tool.requestTemplate.security?.id)
      .filter(Boolean),
  );
  const scheme = config.server.securitySchemes?.find((s) => used.has(s.id) && credentials[s.id] !== undefined);
  let apiKey: AgentApiKey = { in: 'none' };
  if (scheme?.type === 'http' && scheme.scheme === 'bearer') apiKey = { in: 'header', name: 'Bearer', value: credentials[scheme.id]! };
  else if (scheme?.type === 'http' && scheme.scheme === 'basic')
    apiKey = { in: 'header', name: 'Basic', value: Buffer.from(credentials[scheme.id]!).toString('base64') };
  else if (scheme?.type === 'apiKey' && scheme.in === 'query' && scheme.name) apiKey = { in: 'query', name: scheme.name, value: credentials[scheme.id]! };
  const t = hostPort(serverUrl);
  return {
    api: { apiProvider: provider(`${t.host}:${t.port}`, apiKey), api: api.yaml },
    tools: ops.filter((o) => api.included.includes(o.operationId)).map((o) => o.tool.name),
  };
}
