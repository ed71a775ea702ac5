import type { z } from 'zod';
import { errorMessage } from '../util/errors.js';
import { HiMarketError, reasonFor } from './errors.js';
import {
  adminResultSchema,
  categoryResultSchema,
  envelopeSchema,
  failuresSchema,
  gatewayResultSchema,
  importResultSchema,
  loginResultSchema,
  pageSchema,
  plainErrorSchema,
  portalResultSchema,
  productRefResultSchema,
  productResultSchema,
  publicationResultSchema,
  subscriptionResultSchema,
  type Category,
  type Gateway,
  type GatewayParam,
  type Portal,
  type Product,
  type ProductFields,
  type ProductRef,
  type ProductRefParam,
  type ProductType,
  type ProductUpdate,
  type Publication,
  type Subscription,
} from './types.js';

/**
 * Typed HiMarket admin client for exactly the verified contract (himarket.md §12). Every answer is
 * validated with zod; every failure is a {@link HiMarketError} with a reason and HiMarket's code+message.
 *
 * - Auth: `POST /admins/login` → JWT sent as `Authorization: Bearer` (capital B: §12 rejects `bearer`).
 *   A 401/403 on a call means the token is gone (expired, logged out, server restarted with a new secret):
 *   log in once more and retry that call once; a second refusal is an error, never a loop.
 * - Transport failures and 502/503/504 are retried with backoff on calls that are safe to repeat; `POST
 *   /products` is never repeated blindly (the sync engine searches by name instead, so a create that timed
 *   out but succeeded is found, not duplicated).
 */

export interface HiMarketClientOptions {
  /** Server base URL (no `/api/v1`: that prefix belongs to the nginx front-ends, §1.4). */
  baseUrl: string;
  username: string;
  password: string;
  timeoutMs?: number;
  /** Attempts for repeatable calls on transport errors / 502-504 (default 3). */
  attempts?: number;
  /** First backoff delay; doubles per attempt (default 200 ms). */
  backoffMs?: number;
}

/** Page size when listing: §12 caps size at 2000; 100 keeps answers small. */
const PAGE_SIZE = 100;
/** Safety bound on paging loops (a server that never ends a listing must not hang a reconcile). */
const MAX_PAGES = 100;

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH';

interface CallOptions {
  body?: unknown;
  query?: Record<string, string | number | undefined>;
  /** Safe to send again after a transport failure (default: everything except POST). */
  repeatable?: boolean;
  /** Skip the token (login itself). */
  anonymous?: boolean;
}

export class HiMarketClient {
  private token: string | undefined;
  private readonly base: string;

  constructor(private readonly opts: HiMarketClientOptions) {
    this.base = opts.baseUrl.replace(/\/+$/, '');
  }

  /** Drop the cached token (tests, credential rotation). */
  forgetToken(): void {
    this.token = undefined;
  }

  // ---- auth ------------------------------------------------------------------------------------------

  async login(): Promise<void> {
    const data = await this.call('POST', '/admins/login', loginResultSchema, {
      body: { username: this.opts.username, password: this.opts.password },
      anonymous: true,
      repeatable: true,
    });
    this.token = data.access_token;
  }

  /** `GET /admins`: the cheap token check §2.4 recommends before any public read. */
  async whoAmI(): Promise<{ adminId: string; username: string }> {
    return this.call('GET', '/admins', adminResultSchema);
  }

  // ---- products --------------------------------------------------------------------------------------

  /** One page of `GET /products`; `page` is 1-based (§12). */
  async listProducts(q: { name?: string; type?: ProductType; page?: number; size?: number } = {}) {
    return this.call('GET', '/products', pageSchema(productResultSchema), {
      query: { name: q.name, type: q.type, page: q.page ?? 1, size: q.size ?? PAGE_SIZE },
    });
  }

  /**
   * Every product whose name equals `name` exactly. The server filter is a case-insensitive substring in
   * which `_` and `%` are wildcards (§12), so it only narrows; the comparison here decides. `clashes` are
   * the names HiMarket's duplicate check would treat as equal (case, trailing spaces) but that are not ours.
   */
  async findProductsByName(name: string, type?: ProductType): Promise<{ exact: Product[]; clashes: Product[] }> {
    const all = await this.listAll((page) => this.listProducts({ name, ...(type ? { type } : {}), page }));
    const exact = all.filter((p) => p.name === name);
    const clashes = all.filter((p) => p.name !== name && sameProductName(p.name, name));
    return { exact, clashes };
  }

  /** `GET /products/{id}`, or undefined when HiMarket answers 404. */
  async getProduct(productId: string): Promise<Product | undefined> {
    return this.orUndefined(this.call('GET', `/products/${enc(productId)}`, productResultSchema));
  }

  /** `POST /products`. 409 (same admin) and the SQL-leaking 500 (other admin) both become reason Conflict. */
  async createProduct(fields: ProductFields & { categories?: string[] }): Promise<Product> {
    return this.call('POST', '/products', productResultSchema, { body: fields, repeatable: false });
  }

  /** `PUT /products/{id}`; `categories` is mandatory in the type because HiMarket drops them when absent (§12). */
  async updateProduct(productId: string, update: ProductUpdate): Promise<Product> {
    return this.call('PUT', `/products/${enc(productId)}`, productResultSchema, { body: update });
  }

  async deleteProduct(productId: string): Promise<void> {
    await this.call('DELETE', `/products/${enc(productId)}`, undefined);
  }

  // ---- link ------------------------------------------------------------------------------------------

  /** `GET /products/{id}/ref`: the link, or null when not linked. */
  async getRef(productId: string): Promise<ProductRef | null> {
    return this.call('GET', `/products/${enc(productId)}/ref`, productRefResultSchema.nullable());
  }

  /** `PUT /products/{id}/ref` (PUT only since v0.7.2; POST is a 500). 409 while already linked. */
  async putRef(productId: string, ref: ProductRefParam): Promise<void> {
    await this.call('PUT', `/products/${enc(productId)}/ref`, undefined, { body: ref });
  }

  /** `DELETE /products/{id}/ref`: 400 while published or when not linked (§12). */
  async deleteRef(productId: string): Promise<void> {
    await this.call('DELETE', `/products/${enc(productId)}/ref`, undefined);
  }

  // ---- publications ----------------------------------------------------------------------------------

  /** Publish to a portal; idempotent on the server and returns no id (§12), so safe to repeat. */
  async publish(productId: string, portalId: string): Promise<void> {
    await this.call('POST', `/products/${enc(productId)}/publications`, undefined, { body: { portalId }, repeatable: true });
  }

  async listPublications(productId: string): Promise<Publication[]> {
    return this.listAll((page) =>
      this.call('GET', `/products/${enc(productId)}/publications`, pageSchema(publicationResultSchema), { query: { page, size: PAGE_SIZE } }),
    );
  }

  async unpublish(productId: string, publicationId: string): Promise<void> {
    await this.call('DELETE', `/products/${enc(productId)}/publications/${enc(publicationId)}`, undefined);
  }

  // ---- subscriptions ---------------------------------------------------------------------------------

  async listSubscriptions(productId: string): Promise<Subscription[]> {
    return this.listAll((page) =>
      this.call('GET', `/products/${enc(productId)}/subscriptions`, pageSchema(subscriptionResultSchema), { query: { page, size: PAGE_SIZE } }),
    );
  }

  /** Cancelling revokes the Higress consumer grant; deleting the product does not (§12). */
  async cancelSubscription(consumerId: string, subscriptionId: string): Promise<void> {
    await this.call('DELETE', `/consumers/${enc(consumerId)}/subscriptions/${enc(subscriptionId)}`, undefined);
  }

  // ---- categories ------------------------------------------------------------------------------------

  async listCategories(): Promise<Category[]> {
    return this.listAll((page) => this.call('GET', '/product-categories', pageSchema(categoryResultSchema), { query: { page, size: PAGE_SIZE } }));
  }

  async createCategory(name: string): Promise<Category> {
    return this.call('POST', '/product-categories', categoryResultSchema, { body: { name }, repeatable: false });
  }

  /** Category id by exact name, created when missing (409 ⇒ someone else created it: list again). */
  async ensureCategory(name: string): Promise<Category> {
    const found = (await this.listCategories()).find((c) => c.name === name);
    if (found) return found;
    try {
      return await this.createCategory(name);
    } catch (e) {
      if (!(e instanceof HiMarketError && e.reason === 'Conflict')) throw e;
      const again = (await this.listCategories()).find((c) => c.name === name);
      if (again) return again;
      throw e;
    }
  }

  // ---- gateways and portals --------------------------------------------------------------------------

  async listGateways(): Promise<Gateway[]> {
    return this.listAll((page) => this.call('GET', '/gateways', pageSchema(gatewayResultSchema), { query: { gatewayType: 'HIGRESS', page, size: PAGE_SIZE } }));
  }

  /**
   * The Higress gateway registered as `param.gatewayName`, registered when missing. `POST /gateways`
   * returns no id (§12), so the id always comes from the listing; 409 means it exists already.
   */
  async ensureGateway(param: GatewayParam): Promise<{ gateway: Gateway; created: boolean }> {
    const byName = async () => (await this.listGateways()).find((g) => g.gatewayName === param.gatewayName);
    const existing = await byName();
    if (existing && !gatewayDrifted(existing, param)) return { gateway: existing, created: false };
    if (existing) {
      // The console moved (or its account changed): HiMarket keeps calling the old one until told (PUT /gateways/{id}, §4.1).
      await this.call('PUT', `/gateways/${enc(existing.gatewayId)}`, undefined, { body: param });
      return { gateway: (await byName()) ?? existing, created: false };
    }
    let created = true;
    try {
      await this.call('POST', '/gateways', undefined, { body: param, repeatable: false });
    } catch (e) {
      if (!(e instanceof HiMarketError && e.reason === 'Conflict')) throw e;
      created = false;
    }
    const gateway = await byName();
    if (!gateway) {
      // Gateway names are unique across admins but GET /gateways lists only the caller's own (§4.1).
      throw new HiMarketError('Conflict', `gateway ${param.gatewayName} exists in HiMarket but belongs to another administrator`);
    }
    return { gateway, created };
  }

  async listPortals(): Promise<Portal[]> {
    return this.listAll((page) => this.call('GET', '/portals', pageSchema(portalResultSchema), { query: { page, size: PAGE_SIZE } }));
  }

  /** Portal by exact name, created when missing (409 ⇒ list again). */
  async ensurePortal(name: string): Promise<Portal> {
    const found = (await this.listPortals()).find((p) => p.name === name);
    if (found) return found;
    try {
      return await this.call('POST', '/portals', portalResultSchema, { body: { name }, repeatable: false });
    } catch (e) {
      if (!(e instanceof HiMarketError && e.reason === 'Conflict')) throw e;
      const again = (await this.listPortals()).find((p) => p.name === name);
      if (again) return again;
      throw e;
    }
  }

  /** `POST /products/import`: a 200 can still carry `failures` (§12) — `once` turns them into an error. */
  async importProducts(body: unknown): Promise<number> {
    return (await this.call('POST', '/products/import', importResultSchema, { body, repeatable: false })).successCount;
  }

  // ---- plumbing --------------------------------------------------------------------------------------

  private async listAll<T>(page: (n: number) => Promise<{ content: T[]; totalElements: number }>): Promise<T[]> {
    const out: T[] = [];
    for (let n = 1; n <= MAX_PAGES; n++) {
      const p = await page(n);
      out.push(...p.content);
      if (p.content.length === 0 || out.length >= p.totalElements) break;
    }
    return out;
  }

  private async orUndefined<T>(p: Promise<T>): Promise<T | undefined> {
    try {
      return await p;
    } catch (e) {
      if (e instanceof HiMarketError && e.reason === 'NotFound') return undefined;
      throw e;
    }
  }

  private call<S extends z.ZodType>(method: Method, path: string, schema: S, o?: CallOptions): Promise<z.output<S>>;
  private call(method: Method, path: string, schema: undefined, o?: CallOptions): Promise<unknown>;
  private async call(method: Method, path: string, schema: z.ZodType | undefined, o: CallOptions = {}): Promise<unknown> {
    if (!o.anonymous && !this.token) await this.login();
    try {
      return await this.withRetries(method, path, schema, o);
    } catch (e) {
      // A token refused mid-life (expired, revoked, new JWT secret): log in again and retry once (§2.4, §12).
      if (!o.anonymous && e instanceof HiMarketError && e.reason === 'Forbidden') {
        this.token = undefined;
        await this.login();
        return this.withRetries(method, path, schema, o);
      }
      throw e;
    }
  }

  private async withRetries(method: Method, path: string, schema: z.ZodType | undefined, o: CallOptions): Promise<unknown> {
    const attempts = (o.repeatable ?? method !== 'POST') ? (this.opts.attempts ?? 3) : 1;
    let delay = this.opts.backoffMs ?? 200;
    for (let i = 1; ; i++) {
      try {
        return await this.once(method, path, schema, o);
      } catch (e) {
        const retry = e instanceof HiMarketError && (e.reason === 'Unreachable' || [502, 503, 504].includes(e.details.httpStatus ?? 0));
        if (!retry || i >= attempts) throw e;
        await new Promise((r) => setTimeout(r, delay * (0.8 + Math.random() * 0.4)));
        delay *= 2;
      }
    }
  }

  private async once(method: Method, path: string, schema: z.ZodType | undefined, o: CallOptions): Promise<unknown> {
    const query = new URLSearchParams();
    for (const [k, v] of Object.entries(o.query ?? {})) if (v !== undefined && v !== '') query.set(k, String(v));
    const url = `${this.base}${path}${query.size ? `?${query.toString()}` : ''}`;
    const headers: Record<string, string> = { accept: 'application/json' };
    if (o.body !== undefined) headers['content-type'] = 'application/json';
    if (!o.anonymous && this.token) headers.authorization = `Bearer ${this.token}`;
    const where = { method, path };
    let res: Response;
    let text: string;
    try {
      res = await fetch(url, {
        method,
        headers,
        ...(o.body !== undefined ? { body: JSON.stringify(o.body) } : {}),
        signal: AbortSignal.timeout(this.opts.timeoutMs ?? 10_000),
      });
      text = await res.text();
    } catch (e) {
      throw new HiMarketError('Unreachable', `${method} ${path}: ${errorMessage(e)}`, where, { cause: e });
    }
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    const env = envelopeSchema.safeParse(json);
    if (res.status === 200 && env.success && env.data.code === 'SUCCESS') {
      // §12: a 200 can report items that failed (`POST /products/import` does); any answer listing failures is one.
      const failures = failuresOf(env.data.data);
      if (failures) throw new HiMarketError('BadResponse', `${method} ${path}: HTTP 200 reported ${failures}`, { ...where, httpStatus: 200 });
      if (!schema) return env.data.data;
      const parsed = schema.safeParse(env.data.data ?? null);
      if (!parsed.success) {
        const issues = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
        throw new HiMarketError('BadResponse', `${method} ${path}: answer does not match the contract: ${issues}`, { ...where, httpStatus: 200 });
      }
      return parsed.data;
    }
    if (env.success) {
      const message = env.data.message ?? env.data.code;
      throw new HiMarketError(reasonFor(res.status, env.data.code, message), `${method} ${path}: HTTP ${res.status} ${env.data.code}: ${message}`, {
        ...where,
        httpStatus: res.status,
        code: env.data.code,
      });
    }
    const plain = plainErrorSchema.safeParse(json);
    const what = plain.success ? (plain.data.error ?? String(plain.data.status)) : text.slice(0, 200) || res.statusText;
    throw new HiMarketError(reasonFor(res.status, undefined, what), `${method} ${path}: HTTP ${res.status}: ${what}`, { ...where, httpStatus: res.status });
  }
}

/** What HiMarket shows of a registered gateway differs from what we would register (the password is never shown). */
function gatewayDrifted(g: Gateway, param: GatewayParam): boolean {
  const hc = g.higressConfig;
  const address = /^https?:\/\//.test(param.higressConfig.address) ? param.higressConfig.address : `http://${param.higressConfig.address}`;
  return (
    hc?.address !== address.replace(/\/+$/, '') ||
    (hc?.username ?? undefined) !== param.higressConfig.username ||
    (hc?.gatewayAddress ?? undefined) !== (param.higressConfig.gatewayAddress?.replace(/\/+$/, '') ?? undefined)
  );
}

/** `n failure(s): name: message; …` when a 200 answer's data lists failed items, else undefined. */
function failuresOf(data: unknown): string | undefined {
  const list = failuresSchema.safeParse(data);
  if (!list.success || !list.data.failures?.length) return undefined;
  const f = list.data.failures;
  return `${f.length} failure(s): ${f.map((x) => `${x.resourceName ?? '?'}: ${x.errorMessage ?? 'failed'}`).join('; ')}`;
}

/** HiMarket's duplicate rule: names collide ignoring case and trailing spaces (§12). */
export function sameProductName(a: string, b: string): boolean {
  const norm = (s: string) => s.replace(/\s+$/, '').toLowerCase();
  return norm(a) === norm(b);
}

const enc = encodeURIComponent;
