import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { LoopbackTestServer } from './loopback-server.js';
import { aiRouteIngressName, aiRouteJson, buildAiRouteObjects, withConsoleDefaults, type AiRoute } from '../../higress/console/ai-route.js';
import { ruleKey } from '../../higress/console/shared-plugins.js';
import type { MatchRule } from '../../higress/types.js';
import type { KubeClient } from '../../kube/client.js';
import { isConflict } from '../../kube/errors.js';
import type { McpBridge } from '../../kube/mcpbridge.js';
import type { KubeObject } from '../../kube/object.js';
import { Resources } from '../../kube/resources.js';
import { readBody } from '../../util/http-body.js';
import { errorMessage } from '../../util/errors.js';

/** Request bodies the test fakes accept; far above anything a test sends. */
export const TEST_BODY_LIMIT = 32 * 1024 * 1024;

/**
 * TEST ONLY. A Higress-console stand-in answering exactly the calls HiMarket makes (himarket.md §6,
 * higress.md §11 — observed on a live console) by reading the REAL Kubernetes API server, the way the
 * console itself does:
 * - `POST /session/login` → 201 with a bare user object and cookie `_hi_sess`; 401 on a wrong password.
 * - `GET /v1/ai/routes/{n}` → ConfigMap `ai-route-<n>`'s `data.data` (AiRoute JSON whose `name` must be n)
 *   with `version` = the ConfigMap's resourceVersion; a missing route is a 404 with no body.
 * - `PUT /v1/ai/routes/{n}` → what `AiRouteServiceImpl.update` does (HiMarket sends it when it approves a
 *   subscription, himarket.md §6): see {@link ConsoleTestServer.putAiRoute}.
 * - `GET /v1/mcpServer/{n}` → Ingress `mcp-server-<n>.internal` labelled `higress.io/biz-type: mcp-server`;
 *   a missing server is **502** (ApiStandardizationAspect), a missing `higress.io/mcp-server-type` a 500.
 * - `GET /v1/domains/{d}` → ConfigMap `domain-<d>`; 404 when missing.
 * Envelopes as `ControllerUtil.doBuildResponseEntity` builds them (higress-console backend/console/…/controller/
 * util/ControllerUtil.java): a GET answers `{success, message, data}`, a POST 201 and a PUT 200 the bare
 * object; errors are `{success: false, message: "<exception class>: <message>", data: null}` with the status
 * `ApiStandardizationAspect.getHttpStatus` picks (400 validation, 401 login, 502 not found, 409 conflict,
 * else 500). Guesses (the exact user fields) are listed in docs/himarket.md.
 */

export interface ConsoleServerOptions {
  client: KubeClient;
  /** Namespace the console manages (the console's default is higress-system). */
  namespace?: string;
  username: string;
  password: string;
}

interface ConfigMapObject extends KubeObject {
  data?: Record<string, string>;
}
interface IngressObject extends KubeObject {
  spec?: { rules?: Array<{ host?: string }> };
}

export class ConsoleTestServer extends LoopbackTestServer {
  private readonly sessions = new Set<string>();
  /** AI routes a `PUT /v1/ai/routes/{n}` rewrote, in order. */
  readonly aiRouteWrites: string[] = [];

  constructor(private readonly opts: ConsoleServerOptions) {
    super();
  }

  private get ns(): string {
    return this.opts.namespace ?? 'higress-system';
  }

  protected async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0]!;
    this.requests.push(`${req.method} ${path}`);
    const body = (await readBody(req, TEST_BODY_LIMIT)).toString('utf8');
    const send: Send = (status, value, headers = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(value));
    };
    const empty = (status: number) => {
      res.writeHead(status);
      res.end();
    };
    try {
      if (req.method === 'POST' && path === '/session/login') {
        const creds = JSON.parse(body || '{}') as { username?: string; password?: string };
        if (creds.username !== this.opts.username || creds.password !== this.opts.password) {
          return send(401, { success: false, message: 'Incorrect username or password.' });
        }
        const sid = randomBytes(16).toString('hex');
        this.sessions.add(sid);
        return send(201, { name: this.opts.username, displayName: this.opts.username, type: 'admin' }, { 'set-cookie': `_hi_sess=${sid}; Path=/; HttpOnly` });
      }
      const sid = /(?:^|;\s*)_hi_sess=([^;]+)/.exec(req.headers.cookie ?? '')?.[1];
      if (!sid || !this.sessions.has(sid)) return send(401, { success: false, message: 'Not logged in.' });

      let m = /^\/v1\/ai\/routes\/([^/]+)$/.exec(path);
      if (req.method === 'GET' && m) {
        const name = decodeURIComponent(m[1]!);
        const route = await this.readAiRoute(name);
        if (!route) return empty(404);
        return send(200, ok(route));
      }
      if (req.method === 'PUT' && m) return await this.putAiRoute(decodeURIComponent(m[1]!), body, send);
      if (req.method === 'POST' && path === '/v1/consumers') return await this.addConsumer(body, send);
      if ((req.method === 'PUT' || req.method === 'DELETE') && /^\/v1\/mcpServer\/consumers\/?$/.test(path))
        return await this.allowMcpConsumers(body, send, req.method === 'DELETE');
      m = /^\/v1\/mcpServer\/([^/]+)$/.exec(path);
      if (req.method === 'GET' && m) {
        const name = decodeURIComponent(m[1]!);
        const ing = await this.opts.client.get<IngressObject>(Resources.Ingress, `mcp-server-${name}.internal`, this.ns);
        if (!ing || ing.metadata.labels?.['higress.io/biz-type'] !== 'mcp-server') {
          return send(502, failure('com.alibaba.higress.sdk.exception.NotFoundException', `MCP server not found: ${name}`));
        }
        const type = ing.metadata.labels['higress.io/mcp-server-type'];
        if (!type) return send(500, failure('java.lang.NullPointerException', 'mcp server type is missing'));
        const domains = (ing.spec?.rules ?? []).map((r) => r.host).filter((h): h is string => Boolean(h));
        return send(200, ok({ name, type, domains, description: ing.metadata.annotations?.['higress.io/description'] ?? null }));
      }
      m = /^\/v1\/domains\/([^/]+)$/.exec(path);
      if (req.method === 'GET' && m) {
        const name = decodeURIComponent(m[1]!);
        const cm = await this.opts.client.get<ConfigMapObject>(Resources.ConfigMap, `domain-${name}`, this.ns);
        if (!cm) return empty(404);
        return send(200, ok({ name, enableHttps: cm.data?.enableHttps ?? 'off' }));
      }
      return send(404, { success: false, message: `no route ${req.method} ${path}` });
    } catch (e) {
      return send(500, failure('com.alibaba.higress.sdk.exception.BusinessException', errorMessage(e)));
    }
  }

  /** AiRoute of ConfigMap `ai-route-<name>` as `configMap2AiRoute` + `fillDefaultValues` return it, `version` = resourceVersion. */
  private async readAiRoute(name: string): Promise<(AiRoute & { version?: string }) | undefined> {
    const cm = await this.opts.client.get<ConfigMapObject>(Resources.ConfigMap, `ai-route-${name}`, this.ns);
    const raw = cm?.data?.data;
    const route = raw ? (JSON.parse(raw) as AiRoute) : undefined;
    if (!route || route.name !== name) return undefined;
    return { ...withConsoleDefaults(route), ...(cm?.metadata.resourceVersion ? { version: cm.metadata.resourceVersion } : {}) };
  }

  /**
   * `AiRoutesController.put` → `AiRoute.validate` → `AiRouteServiceImpl.update`, in the console's order
   * (higress-console backend/sdk/…/service/ai/AiRouteServiceImpl.java, RouteServiceImpl.java):
   * 1. the body's name is replaced by the path's (a body without one is a 400: the controller's inverted check);
   * 2. validate: upstreams non-empty, path predicate PRE, providers named, weights summing to 100;
   * 3. `fillDefaultValues`; every upstream's provider must be in `ai-proxy.internal` (`buildUpstreamService`:
   *    400 "Unknown provider: <p>"), its service is `llm-<p>.internal.<registry type>` from McpBridge `default`;
   * 4. the route Ingress is rebuilt from the JSON alone and replaced (the existing resourceVersion: no conflict),
   *    so labels and annotations the body does not carry (customLabels/customConfigs) are gone;
   * 5. `writeAuthConfigResources`: the route's rule in `key-auth.internal` is REPLACED by the body's allow-list;
   *    model-mapper rules per upstream written or deleted; ai-statistics added only when absent;
   * 6. the ConfigMap is replaced with `metadata.resourceVersion = version` from the body (a stale version is a
   *    409 after steps 4–5 already happened, as on the console) and only the console's two labels.
   * The derived objects come from src/higress/console/ai-route.ts, the operator's transcription of the same
   * console source, golden-tested against objects a live console wrote (higress-console-objects.yaml).
   */
  private async putAiRoute(name: string, body: string, send: Send): Promise<void> {
    const invalid = (message: string) => send(400, failure('com.alibaba.higress.sdk.exception.ValidationException', message));
    const route = JSON.parse(body || '{}') as Partial<AiRoute> & { version?: string | null };
    if (!route.name) return invalid("Route name in the URL doesn't match the one in the body.");
    route.name = name;
    const ups = route.upstreams ?? [];
    if (!ups.length) return invalid('upstreams cannot be empty.');
    if (route.pathPredicate && route.pathPredicate.matchType !== 'PRE') return invalid('pathPredicate must be of type PRE.');
    if (ups.some((u) => !u.provider)) return invalid('provider cannot be null or empty.');
    if (ups.some((u) => u.weight === undefined || u.weight === null)) return send(500, failure('java.lang.NullPointerException', 'null'));
    if (ups.reduce((a, u) => a + (u.weight ?? 0), 0) !== 100) return invalid('The sum of upstream weights must be 100.');
    const full = withConsoleDefaults({
      name,
      domains: route.domains ?? [],
      pathPredicate: route.pathPredicate ?? { matchType: 'PRE', matchValue: '/', caseSensitive: true },
      upstreams: ups,
      modelPredicates: route.modelPredicates ?? [],
      authConfig: route.authConfig ?? { enabled: false },
      ...(route.fallbackConfig ? { fallbackConfig: route.fallbackConfig } : {}),
      ...(route.proxyNextUpstream ? { proxyNextUpstream: route.proxyNextUpstream } : {}),
      ...(route.customConfigs ? { customConfigs: route.customConfigs } : {}),
      ...(route.customLabels ? { customLabels: route.customLabels } : {}),
    } as AiRoute);
    const client = this.opts.client;
    const proxy = await client.get<PluginObject>(Resources.WasmPlugin, 'ai-proxy.internal', this.ns);
    const providers = new Set(((proxy?.spec?.defaultConfig?.providers as Array<{ id?: string }> | undefined) ?? []).map((p) => p.id));
    const bridge = await client.get<McpBridge>(Resources.McpBridge, 'default', this.ns);
    for (const u of [...full.upstreams, ...(full.fallbackConfig?.upstreams ?? [])]) {
      if (!providers.has(u.provider)) return invalid(`Unknown provider: ${u.provider}`);
    }
    const service = (p: string) => {
      const reg = bridge?.spec?.registries?.find((r) => r.name === `llm-${p}.internal`);
      return { name: `llm-${p}.internal.${reg?.type ?? 'dns'}`, port: reg?.type === 'static' ? 80 : (reg?.port ?? 443) };
    };
    const objs = buildAiRouteObjects({ namespace: this.ns, ingressClassName: 'higress', service }, full);
    for (const ing of objs.ingresses) {
      const existing = await client.get<KubeObject>(Resources.Ingress, ing.metadata.name, this.ns);
      if (existing) await client.update(Resources.Ingress, { ...ing, metadata: { ...ing.metadata, resourceVersion: existing.metadata.resourceVersion } });
      else await client.create(Resources.Ingress, ing);
    }
    const ingress = aiRouteIngressName(name);
    await this.replaceRules('key-auth.internal', (r) => r.ingress?.includes(ingress) === true && !r.service?.length, objs.rules['key-auth.internal']);
    await this.replaceRules('model-mapper.internal', (r) => r.ingress?.includes(ingress) === true, objs.rules['model-mapper.internal']);
    await this.replaceRules('ai-statistics-2.0.1', () => false, objs.rules['ai-statistics-2.0.1'], { onlyWhenAbsent: true });
    const cm = objs.configMap;
    const replacement = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name: cm.metadata.name,
        namespace: this.ns,
        ...(route.version ? { resourceVersion: route.version } : {}),
        labels: { 'higress.io/config-map-type': 'ai-route', 'higress.io/resource-definer': 'higress' },
      },
      data: { data: aiRouteJson(full) },
    };
    let updated: KubeObject;
    try {
      updated = await client.update(Resources.ConfigMap, replacement);
    } catch (e) {
      if (isConflict(e)) return send(409, failure('com.alibaba.higress.sdk.exception.ResourceConflictException', 'null'));
      throw e;
    }
    this.aiRouteWrites.push(name);
    return send(200, { ...full, version: updated.metadata.resourceVersion });
  }

  /**
   * `ConsumersController.add` → `KeyAuthCredentialHandler.saveConsumer`: the consumer joins `key-auth.internal`
   * `defaultConfig.consumers` (a BEARER credential becomes `Authorization: Bearer <v>`), `global_auth` false;
   * 201 with the bare consumer.
   */
  private async addConsumer(body: string, send: Send): Promise<void> {
    const consumer = JSON.parse(body || '{}') as {
      name?: string;
      credentials?: Array<{ type?: string; source?: string; key?: string | null; values?: string[] }>;
    };
    const cred = consumer.credentials?.find((c) => c.type === 'key-auth');
    if (!consumer.name || !cred)
      return send(400, failure('com.alibaba.higress.sdk.exception.ValidationException', 'name and a key-auth credential are required.'));
    const bearer = cred.source === 'BEARER';
    const entry = {
      name: consumer.name,
      in_header: cred.source !== 'QUERY',
      in_query: cred.source === 'QUERY',
      keys: [bearer ? 'Authorization' : (cred.key ?? '')],
      credentials: (cred.values ?? []).map((v) => (bearer ? `Bearer ${v}` : v)),
    };
    const plugin = await this.opts.client.get<PluginObject>(Resources.WasmPlugin, 'key-auth.internal', this.ns);
    if (!plugin)
      return send(
        500,
        failure('com.alibaba.higress.sdk.exception.BusinessException', 'key-auth.internal not found (not modelled: the console would create it)'),
      );
    const config = plugin.spec?.defaultConfig ?? {};
    const consumers = ((config.consumers as Array<{ name?: string }> | undefined) ?? []).filter((c) => c.name !== consumer.name);
    await this.opts.client.update(Resources.WasmPlugin, {
      ...plugin,
      spec: { ...plugin.spec, defaultConfig: { ...config, consumers: [...consumers, entry], global_auth: false } },
    } as KubeObject);
    return send(201, consumer);
  }

  /**
   * `PUT /v1/mcpServer/consumers` (`McpServerServiceImpl.addAllowConsumers`): the consumers are ADDED to the
   * allow-list of the server's route `mcp-server-<n>.internal` in `key-auth.internal`; `DELETE` removes them.
   * Reconstructed from the source, not observed on a live console (docs/himarket.md).
   */
  private async allowMcpConsumers(body: string, send: Send, remove = false): Promise<void> {
    const b = JSON.parse(body || '{}') as { mcpServerName?: string; consumers?: string[] };
    if (!b.mcpServerName) return send(400, failure('com.alibaba.higress.sdk.exception.ValidationException', 'mcpServerName cannot be blank.'));
    const ingress = `mcp-server-${b.mcpServerName}.internal`;
    const plugin = await this.opts.client.get<PluginObject>(Resources.WasmPlugin, 'key-auth.internal', this.ns);
    if (!plugin) return send(500, failure('com.alibaba.higress.sdk.exception.BusinessException', 'key-auth.internal not found'));
    const rules = plugin.spec?.matchRules ?? [];
    const at = rules.findIndex((r) => r.ingress?.length === 1 && r.ingress[0] === ingress && !r.service?.length);
    const prev = at >= 0 ? rules[at]! : { ingress: [ingress], configDisable: false, config: {} };
    const had = (prev.config as { allow?: string[] }).allow ?? [];
    const allow = remove ? had.filter((c) => !(b.consumers ?? []).includes(c)) : [...new Set([...had, ...(b.consumers ?? [])])];
    const rule = { ...prev, config: { ...prev.config, allow } };
    const next = at >= 0 ? rules.map((r, i) => (i === at ? rule : r)) : [...rules, rule];
    await this.opts.client.update(Resources.WasmPlugin, { ...plugin, spec: { ...plugin.spec, matchRules: next } } as KubeObject);
    return send(200, null);
  }

  /**
   * `WasmPluginInstanceService.addOrUpdate`/`delete` on one plugin: rules matching `mine` are replaced by
   * `rules` (keyed like the console, by target); `onlyWhenAbsent` keeps any rule already on the target.
   */
  private async replaceRules(
    plugin: string,
    mine: (r: MatchRule) => boolean,
    rules: readonly MatchRule[],
    opts: { onlyWhenAbsent?: boolean } = {},
  ): Promise<void> {
    const obj = await this.opts.client.get<PluginObject>(Resources.WasmPlugin, plugin, this.ns);
    if (!obj) return; // the operator or the install writes these plugins; the console would create them from its template
    const current = obj.spec?.matchRules ?? [];
    let next: MatchRule[];
    if (opts.onlyWhenAbsent) {
      const have = new Set(current.map(ruleKey));
      next = [...current, ...rules.filter((r) => !have.has(ruleKey(r)))];
    } else {
      // In place, as the instance service updates an existing target's rule; new targets go last.
      const byKey = new Map(rules.map((r) => [ruleKey(r), r]));
      next = current.flatMap((r) => (byKey.has(ruleKey(r)) ? [byKey.get(ruleKey(r))!] : mine(r) ? [] : [r]));
      const have = new Set(current.map(ruleKey));
      next.push(...rules.filter((r) => !have.has(ruleKey(r))));
    }
    if (JSON.stringify(next) === JSON.stringify(current)) return;
    await this.opts.client.update(Resources.WasmPlugin, { ...obj, spec: { ...obj.spec, matchRules: next } } as KubeObject);
  }
}

type Send = (status: number, value: unknown, headers?: Record<string, string>) => void;

interface PluginObject extends KubeObject {
  spec?: { matchRules?: MatchRule[]; defaultConfig?: Record<string, unknown>; [k: string]: unknown };
}

/** `Response.success(data)` as Jackson writes it (nulls included). */
const ok = (data: unknown) => ({ success: true, message: null, data });
/** `Response.failure(t)`: the message is `<exception class>: <message>`. */
const failure = (exception: string, message: string) => ({ success: false, message: `${exception}: ${message}`, data: null });
