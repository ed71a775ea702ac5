import { randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { LoopbackTestServer } from './loopback-server.js';
import { readBody } from '../../util/http-body.js';
import { TEST_BODY_LIMIT } from './console-server.js';
import { conflict, HttpError, internal, invalid, likeFilter, nanoTimestamp, notFound, page, readTimestamp, removeWhere } from './contract-http.js';
import { errorMessage } from '../../util/errors.js';

export { nanoTimestamp, readTimestamp } from './contract-http.js';

/**
 * TEST ONLY. An in-memory HiMarket server reproducing the contract verified on a live server
 * (/work/shared/reference/himarket.md §12; §3–§5 where §12 confirms them). Every quirk a client must
 * survive is here on purpose — each is pinned by a test in src/himarket/contract-server.test.ts that
 * names its §12 line:
 * - 403 with Spring's plain body for a missing/bad/expired token or a lowercase `bearer`; `auth_token`
 *   cookie accepted; a developer token on an admin endpoint → 500 `Access Denied`;
 * - public reads with a bad token run as anonymous (only published products; 404 on unpublished detail);
 * - 1-based paging (page=0 acts as 1, size=0 gives 100, cap 2000), newest first;
 * - product `name` filter: case-insensitive substring with `_`/`%` as SQL wildcards;
 * - duplicate product name → 409 (same admin) / SQL-leaking 500 (other admin, or a rename onto a name);
 *   the check ignores case and trailing spaces;
 * - PUT drops every category when `categories` is absent; unknown category ids dropped; enableConsumerAuth
 *   ignored on create;
 * - `/ref`: PUT only (POST → 500), 409 when linked, 404 `Gateway:<id>`, console failures → 500 carrying the
 *   console's status, a failed link stores nothing; DELETE → 400 while published / when not linked;
 * - publish idempotent, no id returned; unpublishing the last portal → READY (linked or not);
 * - `POST /gateways` returns no id; names unique across admins; listing shows only the caller's gateways;
 *   no `gatewayType` → 500 HV000090;
 * - timestamps: nanoseconds on create/update answers, trimmed milliseconds on reads;
 * - unknown path → 500 "No static resource" with a token, 403 without;
 * - deleting a product leaves the Higress grants of its subscriptions; cancelling a subscription revokes.
 * - AGENT_API/REST_API links → 500, HTTP_API stores the reference unchecked; `GET …/ref` is public;
 *   deleting a portal drops its publications; `GET /portals/{id}/subscriptions` is always empty; an admin's
 *   `GET /products/{id}/tools` → 400; no `GET /gateways/{id}`; unknown `feature` keys dropped, a type change clears it.
 * Linking calls a Higress console (see console-server.ts) at the gateway's `higressConfig.address`.
 */

type UserType = 'ADMIN' | 'DEVELOPER';
interface Principal {
  userType: UserType;
  userId: string;
}
interface ProductRow {
  productId: string;
  name: string;
  type: string;
  description: string | null;
  document: string | null;
  icon: unknown;
  /** `ProductFeature`: only its typed keys survive (§12: unknown keys dropped). */
  feature: Record<string, unknown> | null;
  autoApprove: boolean | null;
  enableConsumerAuth: boolean;
  categoryIds: string[];
  adminId: string;
  status: 'PENDING' | 'READY' | 'PUBLISHED';
  ref: Record<string, unknown> | null;
  createAt: Date;
  updatedAt: Date;
  seq: number;
}
interface GatewayRow {
  gatewayId: string;
  gatewayName: string;
  gatewayType: string;
  higressConfig: { address: string; username: string; password: string; gatewayAddress?: string };
  adminId: string;
  createAt: Date;
}
interface PortalRow {
  portalId: string;
  name: string;
  adminId: string;
  seq: number;
  /** `portalSettingConfig.autoApproveSubscriptions`: what a product with `autoApprove: null` follows (§12). */
  autoApproveSubscriptions: boolean;
}
interface PublicationRow {
  publicationId: string;
  productId: string;
  portalId: string;
  createAt: Date;
  seq: number;
}
interface SubscriptionRow {
  subscriptionId: string;
  productId: string;
  consumerId: string;
  status: 'APPROVED' | 'PENDING';
  createAt: Date;
  /** The Higress resource approval granted through the console (`ConsumerAuthConfig.higressAuthConfig`). */
  grant?: { gatewayId: string; resourceType: 'MODEL_API' | 'MCP_SERVER'; resourceName: string };
}

const PRODUCT_TYPES = new Set(['REST_API', 'HTTP_API', 'MCP_SERVER', 'AGENT_API', 'MODEL_API', 'AGENT_SKILL', 'WORKER']);
const id = (prefix: string) => prefix + randomUUID().replace(/-/g, '');
const normName = (s: string) => s.replace(/\s+$/, '').toLowerCase();

export interface ContractServerFaults {
  /** Destroy every connection without answering (HiMarket down / network partition). */
  down: boolean;
  /** Answer the next N requests matching `METHOD /path-regex` with a 500 (after doing nothing). */
  failNext: Array<{ match: RegExp; count: number; status?: number }>;
  /**
   * Called after a product row is stored, before the answer is sent (kill -9 between create and status
   * write); answering `'drop'` cuts the connection instead of answering (a create that timed out but landed).
   */
  afterCreate?: (productId: string) => Promise<'drop' | void> | 'drop' | void;
  /**
   * Awaited before a product row is stored: holding the first create until a second arrives makes two
   * clients that both listed "no product" send both creates (two operator replicas racing).
   */
  beforeCreate?: () => Promise<void>;
}

export class HiMarketContractServer extends LoopbackTestServer {
  private seq = 0;
  private readonly admins = new Map<string, { adminId: string; password: string }>();
  private readonly tokens = new Map<string, Principal>();
  readonly products = new Map<string, ProductRow>();
  readonly gateways: GatewayRow[] = [];
  readonly portals: PortalRow[] = [];
  readonly categories: Array<{ categoryId: string; name: string; description: string | null }> = [];
  readonly publications: PublicationRow[] = [];
  readonly subscriptions: SubscriptionRow[] = [];
  /** Higress consumer grants made by approved subscriptions: `consumerId/productId`. */
  readonly grants = new Set<string>();
  readonly faults: ContractServerFaults = { down: false, failNext: [] };

  constructor(admins: Record<string, string> = { admin: 'admin-password' }) {
    super();
    for (const [u, p] of Object.entries(admins)) this.addAdmin(u, p);
  }

  addAdmin(username: string, password: string): void {
    this.admins.set(username, { adminId: id('admin-'), password });
  }

  // ---- test hooks ------------------------------------------------------------------------------------

  /** A developer's token (for role-mismatch checks). */
  developerToken(): string {
    return this.issue({ userType: 'DEVELOPER', userId: id('dev-') });
  }

  /** Every token becomes invalid (expiry, logout, a restart with a new JWT secret). */
  expireAllTokens(): void {
    this.tokens.clear();
  }

  /**
   * A developer's consumer subscribes through a portal. Approved at once when the product says `autoApprove:
   * true`, or says nothing (`null`) and the portal auto-approves subscriptions (§12) — creating the Higress grant
   * approval makes (§4.8); otherwise it waits as PENDING with no grant.
   */
  subscribe(productId: string, portalId?: string): SubscriptionRow {
    const product = this.product(productId);
    const portal = portalId === undefined ? undefined : this.portals.find((p) => p.portalId === portalId);
    const approved = product.autoApprove ?? portal?.autoApproveSubscriptions ?? true;
    const row: SubscriptionRow = {
      subscriptionId: id('subscription-'),
      productId,
      consumerId: id('consumer-'),
      status: approved ? 'APPROVED' : 'PENDING',
      createAt: new Date(),
    };
    this.subscriptions.push(row);
    if (approved) this.grants.add(`${row.consumerId}/${productId}`);
    return row;
  }

  /**
   * A developer's consumer subscribes and HiMarket approves it, making the console calls approval makes
   * (`HigressOperator.createConsumer` + `authorizeConsumer`, himarket.md §6, §12): the consumer goes into
   * Higress as a key-auth BEARER consumer (`POST /v1/consumers`), then for a MODEL_API product the linked AI
   * route is read (`GET /v1/ai/routes/{n}`), the consumer appended to `authConfig.allowedConsumers` (only when
   * absent; `enabled` left as it was) and the route written back (`PUT /v1/ai/routes/{n}`) as HiMarket's
   * `HigressAIRoute` DTO carries it: name, version, domains, predicates, upstreams, authConfig, fallbackConfig —
   * not proxyNextUpstream, customConfigs or customLabels, which the console's rewrite therefore drops. For an
   * MCP_SERVER product approval sends `PUT /v1/mcpServer/consumers/`. A console failure fails the approval.
   */
  async approveSubscription(productId: string): Promise<SubscriptionRow & { apiKey: string }> {
    const row = this.product(productId);
    const consumerId = id('consumer-');
    const apiKey = randomBytes(16).toString('hex');
    const ref = row.ref as { gatewayId?: string; higressRefConfig?: { modelRouteName?: string; mcpServerName?: string } } | null;
    const gw = ref ? this.gateways.find((g) => g.gatewayId === ref.gatewayId) : undefined;
    const mcp = ref?.higressRefConfig?.mcpServerName;
    const routeName = ref?.higressRefConfig?.modelRouteName;
    if (gw) {
      await this.consoleRequest(gw, 'POST', '/v1/consumers', {
        name: consumerId,
        credentials: [{ type: 'key-auth', source: 'BEARER', key: null, values: [apiKey] }],
      });
      if (mcp) {
        await this.consoleRequest(gw, 'PUT', '/v1/mcpServer/consumers/', { mcpServerName: mcp, consumers: [consumerId] });
      } else if (routeName) {
        const route = (await this.consoleRequest(gw, 'GET', `/v1/ai/routes/${routeName}`)) as Record<string, unknown> & {
          authConfig?: { allowedConsumers?: unknown } | null;
        };
        const current = route.authConfig?.allowedConsumers;
        const allowed = Array.isArray(current) ? [...(current as string[])] : [];
        if (!allowed.includes(consumerId)) {
          allowed.push(consumerId);
          const dto = himarketRouteDto(route, allowed);
          await this.consoleRequest(gw, 'PUT', `/v1/ai/routes/${routeName}`, dto);
        }
      }
    }
    const grant =
      gw && (mcp || routeName)
        ? { gatewayId: gw.gatewayId, resourceType: mcp ? ('MCP_SERVER' as const) : ('MODEL_API' as const), resourceName: (mcp ?? routeName)! }
        : undefined;
    const sub: SubscriptionRow = {
      subscriptionId: id('subscription-'),
      productId,
      consumerId,
      status: 'APPROVED',
      createAt: new Date(),
      ...(grant ? { grant } : {}),
    };
    this.subscriptions.push(sub);
    this.grants.add(`${consumerId}/${productId}`);
    return { ...sub, apiKey };
  }

  /**
   * `HigressOperator.revokeConsumerAuthorization` for a grant made through the console: MCP_SERVER →
   * `DELETE /v1/mcpServer/consumers/`; MODEL_API → GET the route, remove the consumer from
   * `authConfig.allowedConsumers` (nothing when the list is empty), PUT it back (HiMarket's DTO again).
   */
  private async revoke(sub: SubscriptionRow): Promise<void> {
    const g = sub.grant;
    const gw = g ? this.gateways.find((x) => x.gatewayId === g.gatewayId) : undefined;
    if (!g || !gw) return;
    if (g.resourceType === 'MCP_SERVER') {
      await this.consoleRequest(gw, 'DELETE', '/v1/mcpServer/consumers/', { mcpServerName: g.resourceName, consumers: [sub.consumerId] });
      return;
    }
    const route = (await this.consoleRequest(gw, 'GET', `/v1/ai/routes/${g.resourceName}`)) as Record<string, unknown> & {
      authConfig?: { allowedConsumers?: string[] } | null;
    };
    const allowed = route.authConfig?.allowedConsumers ?? [];
    if (!allowed.length) return;
    await this.consoleRequest(
      gw,
      'PUT',
      `/v1/ai/routes/${g.resourceName}`,
      himarketRouteDto(
        route,
        allowed.filter((c) => c !== sub.consumerId),
      ),
    );
  }

  productsNamed(name: string): ProductRow[] {
    return [...this.products.values()].filter((p) => p.name === name);
  }

  // ---- HTTP ------------------------------------------------------------------------------------------

  private issue(p: Principal): string {
    const token = `eyJ${randomBytes(24).toString('base64url')}`;
    this.tokens.set(token, p);
    return token;
  }

  private principal(req: IncomingMessage): Principal | undefined {
    const h = req.headers.authorization;
    // §12: only the exact `Bearer ` prefix; a lowercase `bearer` is rejected. The auth_token cookie works too.
    const bearer = h?.startsWith('Bearer ') ? h.slice(7) : undefined;
    const cookie = /(?:^|;\s*)auth_token=([^;]+)/.exec(req.headers.cookie ?? '')?.[1];
    const token = bearer ?? cookie;
    return token ? this.tokens.get(token) : undefined;
  }

  protected async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (this.faults.down) {
      req.socket.destroy();
      return;
    }
    const url = new URL(req.url ?? '/', 'http://x');
    const path = url.pathname;
    const method = req.method ?? 'GET';
    this.requests.push(`${method} ${path}`);
    const raw = (await readBody(req, TEST_BODY_LIMIT)).toString('utf8');
    const plain403 = () => {
      res.writeHead(403, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ timestamp: new Date().toISOString(), status: 403, error: 'Forbidden', path }));
    };
    const fault = this.faults.failNext.find((f) => f.count > 0 && f.match.test(`${method} ${path}`));
    if (fault) {
      fault.count--;
      res.writeHead(fault.status ?? 500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ code: 'INTERNAL_ERROR', message: 'Internal server error: injected fault', data: null }));
      return;
    }
    try {
      let body: unknown;
      try {
        body = raw ? JSON.parse(raw) : undefined;
      } catch {
        throw internal('JSON parse error');
      }
      const who = this.principal(req);
      const result = await this.route(method, path, url.searchParams, body, who);
      if (result === FORBIDDEN) return plain403();
      const [data, afterSend]: [unknown, (() => Promise<'drop' | void>) | undefined] =
        Array.isArray(result) && result[0] === DEFER ? [result[1], result[2] as () => Promise<'drop' | void>] : [result, undefined];
      if (afterSend && (await afterSend()) === 'drop') {
        req.socket.destroy();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ code: 'SUCCESS', message: null, data: data ?? null }));
    } catch (e) {
      const err = e instanceof HttpError ? e : internal(errorMessage(e));
      res.writeHead(err.status, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ code: err.code, message: err.message, data: null }));
    }
  }

  private async route(method: string, path: string, q: URLSearchParams, body: unknown, who: Principal | undefined): Promise<unknown> {
    const b = (body ?? {}) as Record<string, unknown>;
    const admin = (): Principal | typeof FORBIDDEN => {
      if (!who) return FORBIDDEN;
      if (who.userType !== 'ADMIN') throw internal('Access Denied');
      return who;
    };
    let m: RegExpExecArray | null;

    if (method === 'POST' && path === '/admins/login') {
      const username = typeof b.username === 'string' ? b.username : '';
      const password = typeof b.password === 'string' ? b.password : '';
      if (!username.trim() || !password.trim()) throw new HttpError(400, 'INVALID_PARAMETER', 'Invalid request parameter: username: must not be blank');
      const a = this.admins.get(username);
      if (!a) throw notFound('Administrator', username);
      if (a.password !== password) throw new HttpError(401, 'UNAUTHORIZED', 'Authentication failed: wrong password');
      return { access_token: this.issue({ userType: 'ADMIN', userId: a.adminId }), token_type: 'Bearer', expires_in: 604800 };
    }
    if (method === 'GET' && path === '/admins/need-init') return this.admins.size === 0;
    if (method === 'GET' && path === '/admins') {
      const p = admin();
      if (p === FORBIDDEN) return p;
      const name = [...this.admins.entries()].find(([, a]) => a.adminId === p.userId)?.[0] ?? '';
      return { adminId: p.userId, username: name };
    }

    // ---- products (GET list/detail/ref are public: bad tokens silently run as anonymous) ----
    if (method === 'GET' && path === '/products') {
      const isAdmin = who?.userType === 'ADMIN';
      let rows = [...this.products.values()];
      if (!isAdmin) rows = rows.filter((p) => p.status === 'PUBLISHED');
      const name = q.get('name');
      if (name) rows = rows.filter((p) => likeFilter(name).test(p.name));
      const type = q.get('type');
      if (type) {
        if (!PRODUCT_TYPES.has(type)) throw new HttpError(400, 'INVALID_PARAMETER', `Invalid request parameter: type: ${type}`);
        rows = rows.filter((p) => p.type === type);
      }
      rows.sort((x, y) => y.seq - x.seq);
      return page(
        rows.map((p) => this.productResult(p, readTimestamp)),
        q,
      );
    }
    if (method === 'POST' && path === '/products') {
      const p = admin();
      if (p === FORBIDDEN) return p;
      await this.faults.beforeCreate?.();
      const row = this.createProduct(b, p);
      const created = this.productResult(row, nanoTimestamp);
      const hook = this.faults.afterCreate;
      return hook ? [DEFER, created, () => hook(row.productId)] : created;
    }
    if (method === 'POST' && path === '/products/import') {
      const p = admin();
      if (p === FORBIDDEN) return p;
      return this.importProducts(b, p);
    }
    if ((m = /^\/products\/([^/]+)$/.exec(path))) {
      const pid = m[1]!;
      if (method === 'GET') {
        const row = this.products.get(pid);
        if (!row || (who?.userType !== 'ADMIN' && row.status !== 'PUBLISHED')) throw notFound('Product', pid);
        return this.productResult(row, readTimestamp);
      }
      const p = admin();
      if (p === FORBIDDEN) return p;
      const row = this.product(pid);
      if (method === 'PUT') return this.productResult(this.updateProduct(row, b), nanoTimestamp);
      if (method === 'DELETE') {
        // Publications, link and subscription rows go; the Higress grants stay (§12).
        this.products.delete(pid);
        removeWhere(this.publications, (x) => x.productId === pid);
        removeWhere(this.subscriptions, (x) => x.productId === pid);
        return null;
      }
    }
    if ((m = /^\/products\/([^/]+)\/ref$/.exec(path))) {
      const pid = m[1]!;
      if (method === 'GET') {
        const row = this.products.get(pid);
        if (!row) throw notFound('Product', pid);
        return row.ref ? { productId: pid, ...row.ref } : null;
      }
      const p = admin();
      if (p === FORBIDDEN) return p;
      const row = this.product(pid);
      if (method === 'POST') throw internal("Request method 'POST' is not supported");
      if (method === 'PUT') return this.link(row, b);
      if (method === 'DELETE') {
        if (!row.ref) throw invalid('API product not linked to API');
        if (this.publications.some((x) => x.productId === pid)) throw invalid('API product already published');
        row.ref = null;
        row.status = 'PENDING';
        return null;
      }
    }
    if ((m = /^\/products\/([^/]+)\/publications$/.exec(path))) {
      const p = admin();
      if (p === FORBIDDEN) return p;
      const row = this.product(m[1]!);
      if (method === 'GET') {
        const pubs = this.publications.filter((x) => x.productId === row.productId).sort((x, y) => y.seq - x.seq);
        return page(
          pubs.map((x) => ({
            publicationId: x.publicationId,
            portalId: x.portalId,
            portalName: this.portals.find((po) => po.portalId === x.portalId)?.name ?? null,
            createAt: readTimestamp(x.createAt),
          })),
          q,
        );
      }
      if (method === 'POST') {
        const portalId = text(b.portalId);
        if (!this.portals.some((po) => po.portalId === portalId)) throw notFound('Portal', portalId);
        if (!this.publications.some((x) => x.productId === row.productId && x.portalId === portalId)) {
          this.publications.push({ publicationId: id('publication-'), productId: row.productId, portalId, createAt: new Date(), seq: ++this.seq });
        }
        row.status = 'PUBLISHED';
        return null;
      }
    }
    if ((m = /^\/products\/([^/]+)\/publications\/([^/]+)$/.exec(path)) && method === 'DELETE') {
      const p = admin();
      if (p === FORBIDDEN) return p;
      const row = this.product(m[1]!);
      const pub = this.publications.find((x) => x.publicationId === m![2]);
      if (!pub) throw notFound('Publication', m[2]!);
      if (pub.productId !== row.productId) throw invalid('publication does not belong to the product');
      removeWhere(this.publications, (x) => x === pub);
      // §12: unpublishing the last portal puts the product back to READY — linked or not.
      if (!this.publications.some((x) => x.productId === row.productId)) row.status = 'READY';
      return null;
    }
    if ((m = /^\/products\/([^/]+)\/tools$/.exec(path)) && method === 'GET') {
      if (!who) return FORBIDDEN;
      this.product(m[1]!);
      // §12: only a subscribed developer consumer may list tools; an admin has no consumer.
      if (who.userType === 'ADMIN') throw invalid(`No consumer found for developer: ${who.userId}`);
      return [];
    }
    if ((m = /^\/products\/([^/]+)\/subscriptions$/.exec(path)) && method === 'GET') {
      const p = admin();
      if (p === FORBIDDEN) return p;
      const row = this.product(m[1]!);
      const subs = this.subscriptions.filter((s) => s.productId === row.productId);
      return page(
        subs.map((s) => ({
          ...s,
          productType: row.type,
          productName: row.name,
          consumerName: 'primary-consumer',
          createAt: readTimestamp(s.createAt),
          updatedAt: readTimestamp(s.createAt),
        })),
        q,
      );
    }
    if ((m = /^\/consumers\/([^/]+)\/subscriptions\/([^/]+)$/.exec(path)) && method === 'DELETE') {
      if (!who) return FORBIDDEN;
      const [consumerId, last] = [m[1]!, m[2]!];
      const sub = this.subscriptions.find((s) => s.consumerId === consumerId && (s.subscriptionId === last || s.productId === last));
      if (!sub) throw notFound('Subscription', last);
      await this.revoke(sub);
      removeWhere(this.subscriptions, (s) => s === sub);
      this.grants.delete(`${consumerId}/${sub.productId}`);
      return null;
    }

    // ---- categories ----
    if (path === '/product-categories') {
      if (method === 'GET') return page(this.categories, q);
      if (method === 'POST') {
        const p = admin();
        if (p === FORBIDDEN) return p;
        const name = text(b.name);
        if (!name.trim()) throw new HttpError(400, 'INVALID_PARAMETER', 'Invalid request parameter: name: must not be blank');
        if (this.categories.some((c) => c.name === name)) throw conflict(`Category with name '${name}' already exists`);
        const c = { categoryId: id('category-'), name, description: typeof b.description === 'string' ? b.description : null };
        this.categories.push(c);
        return c;
      }
    }

    // ---- gateways ----
    if (path === '/gateways') {
      const p = admin();
      if (p === FORBIDDEN) return p;
      if (method === 'GET') {
        const type = q.get('gatewayType');
        const mine = this.gateways.filter((g) => g.adminId === p.userId && (!type || g.gatewayType === type));
        return page(
          mine.map((g) => ({
            gatewayId: g.gatewayId,
            gatewayName: g.gatewayName,
            gatewayType: g.gatewayType,
            higressConfig: { address: g.higressConfig.address, username: g.higressConfig.username, gatewayAddress: g.higressConfig.gatewayAddress ?? null },
            createAt: readTimestamp(g.createAt),
          })),
          q,
        );
      }
      if (method === 'POST') {
        if (!b.gatewayType) throw internal('HV000090: Unable to access isGatewayConfigValid.');
        const name = text(b.gatewayName);
        if (this.gateways.some((g) => g.gatewayName === name)) throw conflict(`Gateway with name '${name}' already exists`);
        const hc = (b.higressConfig ?? {}) as GatewayRow['higressConfig'];
        if (!hc.address || !hc.username || !hc.password)
          throw new HttpError(400, 'INVALID_PARAMETER', 'Invalid request parameter: gatewayConfigValid: Invalid gateway config');
        const address = (/^https?:\/\//.test(hc.address) ? hc.address : `http://${hc.address}`).replace(/\/$/, '');
        this.gateways.push({
          gatewayId: id('higress-'),
          gatewayName: name,
          gatewayType: text(b.gatewayType, 'undefined'),
          higressConfig: { ...hc, address },
          adminId: p.userId,
          createAt: new Date(),
        });
        return null; // §12: no id
      }
    }

    if ((m = /^\/gateways\/([^/]+)$/.exec(path)) && method === 'PUT') {
      const p = admin();
      if (p === FORBIDDEN) return p;
      const g = this.gateways.find((x) => x.gatewayId === m![1] && x.adminId === p.userId);
      if (!g) throw notFound('Gateway', m[1]!);
      // UpdateGatewayParam's @AssertTrue dereferences gatewayType first, as on POST (§12: HV000090).
      if (!b.gatewayType) throw internal('HV000090: Unable to access isGatewayConfigValid.');
      if (typeof b.gatewayName === 'string') g.gatewayName = b.gatewayName;
      const hc = b.higressConfig as GatewayRow['higressConfig'] | undefined;
      if (hc) g.higressConfig = { ...hc, address: (/^https?:\/\//.test(hc.address) ? hc.address : `http://${hc.address}`).replace(/\/$/, '') };
      return null;
    }

    // ---- portals ----
    if (path === '/portals') {
      const p = admin();
      if (p === FORBIDDEN) return p;
      if (method === 'GET')
        return page(
          [...this.portals].sort((x, y) => y.seq - x.seq).map((po) => this.portalResult(po)),
          q,
        );
      if (method === 'POST') {
        const name = text(b.name);
        if (!name.trim() || name.length > 50) throw new HttpError(400, 'INVALID_PARAMETER', 'Invalid request parameter: name: size must be between 1 and 50');
        if (this.portals.some((po) => po.name === name)) throw conflict(`Portal with name \`${name}\` already exists`);
        const settings = (b.portalSettingConfig ?? {}) as { autoApproveSubscriptions?: unknown };
        const autoApproveSubscriptions = typeof settings.autoApproveSubscriptions === 'boolean' ? settings.autoApproveSubscriptions : true;
        const row = { portalId: id('portal-'), name, adminId: p.userId, seq: ++this.seq, autoApproveSubscriptions };
        this.portals.push(row);
        return this.portalResult(row);
      }
    }

    if ((m = /^\/portals\/([^/]+)\/subscriptions$/.exec(path)) && method === 'GET') {
      const p = admin();
      if (p === FORBIDDEN) return p;
      if (!this.portals.some((po) => po.portalId === m![1])) throw notFound('Portal', m[1]!);
      // §12: always empty — subscriptions are stored without a portal id.
      return page([], q);
    }
    if ((m = /^\/portals\/([^/]+)$/.exec(path)) && method === 'DELETE') {
      const p = admin();
      if (p === FORBIDDEN) return p;
      const portalId = m[1]!;
      if (!this.portals.some((po) => po.portalId === portalId)) throw notFound('Portal', portalId);
      removeWhere(this.portals, (po) => po.portalId === portalId);
      // §12: deleting a portal drops its publications (a product left on no portal is READY again).
      const touched = new Set(this.publications.filter((x) => x.portalId === portalId).map((x) => x.productId));
      removeWhere(this.publications, (x) => x.portalId === portalId);
      for (const pid of touched) {
        const row = this.products.get(pid);
        if (row && !this.publications.some((x) => x.productId === pid)) row.status = 'READY';
      }
      return null;
    }

    // Spring 6.1: an unmatched path is "no static resource" (500) for an authenticated caller, 403 otherwise.
    if (!who) return FORBIDDEN;
    throw internal(`No static resource ${path.replace(/^\//, '')}.`);
  }

  private product(pid: string): ProductRow {
    const row = this.products.get(pid);
    if (!row) throw notFound('Product', pid);
    return row;
  }

  private createProduct(b: Record<string, unknown>, who: Principal): ProductRow {
    const name = typeof b.name === 'string' ? b.name : '';
    if (!name.trim() || name.length > 50) throw new HttpError(400, 'INVALID_PARAMETER', 'Invalid request parameter: name: size must be between 1 and 50');
    if (typeof b.type !== 'string' || !PRODUCT_TYPES.has(b.type)) {
      // A bad enum in a JSON body is a 500 (§12), a missing one a 400.
      if (b.type === undefined) throw new HttpError(400, 'INVALID_PARAMETER', 'Invalid request parameter: type: must not be null');
      throw internal(`JSON parse error: Cannot deserialize value of type ProductType from String "${text(b.type, 'undefined')}"`);
    }
    if (typeof b.description === 'string' && b.description.length > 512)
      throw new HttpError(400, 'INVALID_PARAMETER', 'Invalid request parameter: description: size must be between 0 and 512');
    this.assertNameFree(name, who.userId, undefined);
    const now = new Date();
    const row: ProductRow = {
      productId: id('product-'),
      name,
      type: b.type,
      description: str(b.description),
      document: str(b.document),
      icon: b.icon ?? null,
      feature: knownFeature(b.feature),
      autoApprove: typeof b.autoApprove === 'boolean' ? b.autoApprove : null,
      enableConsumerAuth: false, // §12: ignored on create
      categoryIds: this.knownCategories(b.categories),
      adminId: who.userId,
      status: 'PENDING',
      ref: null,
      createAt: now,
      updatedAt: now,
      seq: ++this.seq,
    };
    this.products.set(row.productId, row);
    return row;
  }

  /** Same admin → 409; another admin's (or a rename) → the SQL-leaking 500 of the unique index (§12). */
  private assertNameFree(name: string, adminId: string, self: string | undefined, rename = false): void {
    const clash = [...this.products.values()].find((p) => p.productId !== self && normName(p.name) === normName(name));
    if (!clash) return;
    if (!rename && clash.adminId === adminId) throw conflict(`Product with name '${name}' already exists`);
    throw internal(
      `could not execute statement [(conn=42) Duplicate entry '${name}' for key 'uk_name'] [insert into product (...) values (...)]; SQL [n/a]; constraint [uk_name]`,
    );
  }

  private knownCategories(v: unknown): string[] {
    if (!Array.isArray(v)) return [];
    return v.filter((c): c is string => typeof c === 'string' && this.categories.some((k) => k.categoryId === c));
  }

  private updateProduct(row: ProductRow, b: Record<string, unknown>): ProductRow {
    if (typeof b.name === 'string' && b.name !== row.name) this.assertNameFree(b.name, row.adminId, row.productId, true);
    if (typeof b.type === 'string' && b.type !== row.type) {
      if (row.ref) throw invalid('API product already linked to API');
      row.type = b.type;
      // §12: changing type clears feature (guess: even one sent in the same PUT — docs/himarket.md).
      row.feature = null;
      delete b.feature;
    }
    if (typeof b.name === 'string') row.name = b.name;
    if (typeof b.description === 'string') row.description = b.description;
    if (typeof b.document === 'string') row.document = b.document;
    if (b.icon !== undefined && b.icon !== null) row.icon = b.icon;
    if (b.feature !== undefined && b.feature !== null) row.feature = knownFeature(b.feature);
    if (typeof b.autoApprove === 'boolean') row.autoApprove = b.autoApprove;
    if (typeof b.enableConsumerAuth === 'boolean') row.enableConsumerAuth = b.enableConsumerAuth;
    // §12: the service always unbinds, then binds what was sent — no categories means none.
    row.categoryIds = this.knownCategories(b.categories);
    row.updatedAt = new Date();
    return row;
  }

  private async link(row: ProductRow, b: Record<string, unknown>): Promise<null> {
    if (row.ref) throw conflict('Product is already linked to an API');
    const gatewayId = typeof b.gatewayId === 'string' ? b.gatewayId : 'null';
    const gw = this.gateways.find((g) => g.gatewayId === gatewayId);
    if (!gw) throw notFound('Gateway', gatewayId);
    const hc = (b.higressRefConfig ?? {}) as Record<string, unknown>;
    if (row.type === 'REST_API' || row.type === 'AGENT_API') throw internal(`Higress gateway does not support ${row.type}`);
    if (row.type === 'MCP_SERVER') await this.consoleGet(gw, `/v1/mcpServer/${text(hc.mcpServerName, 'null')}`);
    if (row.type === 'MODEL_API') await this.consoleGet(gw, `/v1/ai/routes/${text(hc.modelRouteName, 'null')}`);
    // Only stored once the console answered: a failed link stores nothing (§12).
    row.ref = {
      sourceType: b.sourceType ?? 'GATEWAY',
      gatewayId,
      higressRefConfig: hc,
      apigRefConfig: null,
      adpAIGatewayRefConfig: null,
      apsaraGatewayRefConfig: null,
      nacosId: null,
      nacosRefConfig: null,
    };
    if (row.status === 'PENDING') row.status = 'READY';
    return null;
  }

  private async consoleGet(gw: GatewayRow, path: string): Promise<unknown> {
    return this.consoleRequest(gw, 'GET', path);
  }

  /**
   * HiMarket → console (`HigressClient`): login (chunked body, §12), one retry of the login on 401, then the
   * request with the `_hi_sess` cookie. A GET answer is read as `HigressResponse<T>` (`data`); bodies are
   * chunked too.
   */
  private async consoleRequest(gw: GatewayRow, method: string, path: string, body?: unknown): Promise<unknown> {
    const base = gw.higressConfig.address;
    const chunked = (payload: string) =>
      new ReadableStream({
        start(c) {
          c.enqueue(new TextEncoder().encode(payload));
          c.close();
        },
      });
    const login = async () => {
      const payload = JSON.stringify({ username: gw.higressConfig.username, password: gw.higressConfig.password });
      return fetch(`${base}/session/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: chunked(payload), duplex: 'half' });
    };
    let res: Response;
    try {
      let l = await login();
      if (l.status === 401) l = await login();
      if (l.status >= 300) throw internal(`Failed to login Higress console: ${l.status} ${l.statusText}`);
      const cookie = (l.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
      const init: RequestInit & { duplex?: 'half' } =
        body === undefined
          ? { method, headers: { cookie } }
          : { method, headers: { cookie, 'content-type': 'application/json' }, body: chunked(JSON.stringify(body)), duplex: 'half' };
      res = await fetch(`${base}${path}`, init);
    } catch (e) {
      if (e instanceof HttpError) throw e;
      throw internal(`I/O error on ${method} request for "${base}${path}": ${errorMessage(e)}`);
    }
    const text = await res.text();
    if (!res.ok) throw internal(`${res.status} ${res.statusText}: "${text.slice(0, 200)}"`);
    if (!text) return null;
    const json = JSON.parse(text) as { data?: unknown };
    return method === 'GET' && json && typeof json === 'object' && 'data' in json ? json.data : json;
  }

  private async importProducts(b: Record<string, unknown>, who: Principal): Promise<unknown> {
    const items = Array.isArray(b.items) ? (b.items as Array<Record<string, unknown>>) : [];
    const cfg = (b.sourceConfig ?? {}) as Record<string, unknown>;
    const failures: Array<{ resourceName: string; errorMessage: string }> = [];
    let successCount = 0;
    for (const item of items) {
      const name = text(item.resourceName);
      let row: ProductRow | undefined;
      try {
        row = this.createProduct({ name, type: b.productType, description: item.description, autoApprove: true }, who);
        const key = b.productType === 'MCP_SERVER' ? 'mcpServerName' : 'modelRouteName';
        await this.link(row, { sourceType: 'GATEWAY', gatewayId: cfg.instanceId, higressRefConfig: { [key]: name } });
        successCount++;
      } catch (e) {
        if (row) this.products.delete(row.productId);
        failures.push({ resourceName: name, errorMessage: errorMessage(e) });
      }
    }
    return { successCount, failures };
  }

  private productResult(p: ProductRow, ts: (d: Date) => string): Record<string, unknown> {
    return {
      productId: p.productId,
      name: p.name,
      description: p.description,
      type: p.type,
      status: p.status,
      document: p.document,
      icon: p.icon,
      feature: p.feature,
      autoApprove: p.autoApprove,
      enableConsumerAuth: p.enableConsumerAuth,
      categories: p.categoryIds.map((cid) => this.categories.find((c) => c.categoryId === cid)).filter(Boolean),
      enabled: p.ref !== null,
      createAt: ts(p.createAt),
      updatedAt: ts(p.updatedAt),
    };
  }

  private portalResult(p: PortalRow): Record<string, unknown> {
    return {
      portalId: p.portalId,
      name: p.name,
      description: null,
      adminId: p.adminId,
      portalSettingConfig: { builtinAuthEnabled: true, autoApproveDevelopers: false, autoApproveSubscriptions: p.autoApproveSubscriptions },
      portalDomainConfig: [{ domain: `${p.portalId}.himarket.local`, type: 'DEFAULT', protocol: 'HTTP' }],
    };
  }
}

const FORBIDDEN = Symbol('forbidden');
const DEFER = Symbol('defer');

/** The keys `ProductFeature` declares (himarket.md §4.3); anything else is dropped, as Jackson does for a typed object. */
const FEATURE_KEYS = ['modelFeature', 'skillConfig', 'workerConfig'] as const;
function knownFeature(v: unknown): Record<string, unknown> | null {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return null;
  const src = v as Record<string, unknown>;
  const kept = Object.fromEntries(FEATURE_KEYS.filter((k) => src[k] !== undefined).map((k) => [k, src[k]]));
  return Object.keys(kept).length ? kept : null;
}

function str(v: unknown): string | null {
  return typeof v === 'string' ? v : null;
}

/** A JSON body field as the Java side would read it into a String; `ifAbsent` for null or missing. */
function text(v: unknown, ifAbsent = ''): string {
  if (v === undefined || v === null) return ifAbsent;
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/**
 * The body HiMarket PUTs to `/v1/ai/routes/{n}`: its `HigressOperator.HigressAIRoute` DTO, serialised with
 * nulls — it has no proxyNextUpstream, cors, headerControl, customConfigs or customLabels, so the console's
 * rewrite loses them.
 */
function himarketRouteDto(
  route: Record<string, unknown> & { authConfig?: Record<string, unknown> | null },
  allowedConsumers: string[],
): Record<string, unknown> {
  const auth = route.authConfig ?? {};
  return {
    name: route.name ?? null,
    version: route.version ?? null,
    domains: route.domains ?? null,
    pathPredicate: route.pathPredicate ?? null,
    headerPredicates: route.headerPredicates ?? null,
    urlParamPredicates: route.urlParamPredicates ?? null,
    upstreams: route.upstreams ?? null,
    modelPredicates: route.modelPredicates ?? null,
    authConfig: { enabled: auth.enabled ?? null, allowedCredentialTypes: auth.allowedCredentialTypes ?? null, allowedConsumers },
    fallbackConfig: route.fallbackConfig ?? null,
  };
}
