import type { DesiredProductContract } from '../contracts/himarket/product.js';
import { ReasonError } from '../util/errors.js';
import type { HiMarketClient } from './client.js';
import { HiMarketError } from './errors.js';
import type { Product, ProductRef, ProductRefParam, ProductType, ProductUpdate, Publication } from './types.js';

/**
 * Idempotent product sync for the verified contract (himarket.md §12, order from §5):
 * observe (product by stored id, else by EXACT name + our ownership marker; its link; its publications) →
 * {@link planSync} (pure: observed vs desired → steps) → execute → observe again, until the plan is empty.
 *
 * Never a duplicate: HiMarket itself refuses a second product of the same name (409, or a 500 naming
 * `uk_name` across admins), and a create that failed in any way — conflict, 5xx, timeout — is followed by
 * a search by exact name, never by a second create. So a kill between create and status write, a timeout
 * whose create did land, and two replicas racing all end with the one product that exists.
 */

/** Appended to every document we write: HiMarket products carry no labels, so ownership lives here (§5). */
export function ownershipMarker(ownerUid: string): string {
  return `<!-- managed-by: higress-ai-operator uid=${ownerUid} -->`;
}

/** What one published owner wants in HiMarket, as the contract types it (src/contracts/himarket/product.ts). */
export type DesiredProduct = DesiredProductContract;
export type DesiredLink = NonNullable<DesiredProduct['link']>;

export interface Observed {
  product: Product;
  ref: ProductRef | null;
  publications: Publication[];
}

export type Step =
  | { kind: 'update'; body: ProductUpdate; changed: string[] }
  | { kind: 'unpublish'; portalId: string; publicationId: string }
  | { kind: 'unlink' }
  | { kind: 'link'; param: ProductRefParam }
  | { kind: 'publish'; portalId: string };

export class SyncError extends ReasonError<'NameConflict' | 'TypeConflict' | 'NotConverged'> {}

/** Link as a comparable pair; undefined when not linked through a gateway. */
function linkOf(ref: ProductRef | null): DesiredLink | undefined {
  if (!ref || ref.sourceType !== 'GATEWAY' || !ref.gatewayId) return undefined;
  const target = ref.higressRefConfig?.modelRouteName ?? ref.higressRefConfig?.mcpServerName ?? undefined;
  return target ? { gatewayId: ref.gatewayId, target } : { gatewayId: ref.gatewayId, target: '' };
}

export function refParam(type: ProductType, link: DesiredLink): ProductRefParam {
  // §12: send the field that matches the type (an MCP_SERVER product with only modelRouteName asks the console for /v1/mcpServer/null).
  return {
    sourceType: 'GATEWAY',
    gatewayId: link.gatewayId,
    higressRefConfig: type === 'MCP_SERVER' ? { mcpServerName: link.target } : { modelRouteName: link.target },
  };
}

/** Pure: the steps that take `observed` to `desired`, in the only order HiMarket accepts (§12). */
export function planSync(desired: DesiredProduct, observed: Observed): Step[] {
  const steps: Step[] = [];
  const p = observed.product;
  const changed: string[] = [];
  if (p.name !== desired.name) changed.push('name');
  if ((p.description ?? '') !== (desired.description ?? '')) changed.push('description');
  if ((p.document ?? '') !== desired.document) changed.push('document');
  if (desired.icon && (p.icon?.type !== desired.icon.type || p.icon?.value !== desired.icon.value)) changed.push('icon');
  if (desired.autoApprove !== undefined && p.autoApprove !== desired.autoApprove) changed.push('autoApprove');
  const haveCats = new Set((p.categories ?? []).map((c) => c.categoryId));
  if (haveCats.size !== desired.categoryIds.length || desired.categoryIds.some((c) => !haveCats.has(c))) changed.push('categories');
  if (changed.length) {
    steps.push({
      kind: 'update',
      changed,
      body: {
        name: desired.name,
        ...(desired.description !== undefined ? { description: desired.description } : {}),
        document: desired.document,
        ...(desired.icon ? { icon: desired.icon } : {}),
        ...(desired.autoApprove !== undefined ? { autoApprove: desired.autoApprove } : {}),
        // Always: a PUT without categories drops them all (§12).
        categories: desired.categoryIds,
      },
    });
  }

  const have = linkOf(observed.ref);
  const want = desired.link;
  const relink = want !== undefined && have !== undefined && (have.gatewayId !== want.gatewayId || have.target !== want.target);
  const pubs = observed.publications;
  if (relink) {
    // Unlink answers 400 while any publication exists: unpublish everything, unlink, link, publish again.
    for (const pub of pubs) steps.push({ kind: 'unpublish', portalId: pub.portalId, publicationId: pub.publicationId });
    steps.push({ kind: 'unlink' });
  }
  if (want && (relink || observed.ref === null)) steps.push({ kind: 'link', param: refParam(desired.type, want) });

  const remaining = relink ? [] : pubs;
  for (const pub of remaining) {
    if (!desired.portalIds.includes(pub.portalId)) steps.push({ kind: 'unpublish', portalId: pub.portalId, publicationId: pub.publicationId });
  }
  for (const portalId of desired.portalIds) {
    if (!remaining.some((pub) => pub.portalId === portalId)) steps.push({ kind: 'publish', portalId });
  }
  return steps;
}

export interface SyncOutcome {
  observed: Observed;
  /** Every step executed, for logs and events (`create`, `update(description)`, `publish portal-…`). */
  actions: string[];
  created: boolean;
}

/** Find our product: by the stored id first (survives renames), else by exact name carrying our marker. */
export async function findProduct(
  client: HiMarketClient,
  desired: Pick<DesiredProduct, 'name' | 'ownerUid'>,
  knownId: string | undefined,
): Promise<Product | undefined> {
  if (knownId) {
    const byId = await client.getProduct(knownId);
    if (byId) return byId;
  }
  const { exact, clashes } = await client.findProductsByName(desired.name);
  const marker = ownershipMarker(desired.ownerUid);
  const ours = exact.find((p) => (p.document ?? '').includes(marker));
  if (ours) return ours;
  const other = exact[0] ?? clashes[0];
  if (other) {
    throw new SyncError(
      'NameConflict',
      `HiMarket product "${other.name}" (${other.productId}) exists and is not managed by this resource; HiMarket compares names ignoring case and trailing spaces`,
    );
  }
  return undefined;
}

async function observe(client: HiMarketClient, product: Product): Promise<Observed> {
  const [ref, publications] = await Promise.all([client.getRef(product.productId), client.listPublications(product.productId)]);
  return { product, ref, publications };
}

/** Converge one product; throws HiMarketError / SyncError (the controller turns them into conditions). */
export async function syncProduct(client: HiMarketClient, desired: DesiredProduct, knownId: string | undefined): Promise<SyncOutcome> {
  // §2.4: public reads with a dead token silently return nothing — prove the token before searching.
  await client.whoAmI();
  const actions: string[] = [];
  let created = false;
  let product = await findProduct(client, desired, knownId);
  if (!product) {
    try {
      product = await client.createProduct({
        name: desired.name,
        type: desired.type,
        ...(desired.description !== undefined ? { description: desired.description } : {}),
        document: desired.document,
        ...(desired.icon ? { icon: desired.icon } : {}),
        ...(desired.autoApprove !== undefined ? { autoApprove: desired.autoApprove } : {}),
        categories: desired.categoryIds,
      });
      created = true;
      actions.push('create');
    } catch (e) {
      // 409/`uk_name` 500 (a racing replica), 5xx or a timeout whose create may have landed: search, never re-create.
      if (!(e instanceof HiMarketError)) throw e;
      product = await findProduct(client, desired, undefined);
      if (!product) throw e;
      actions.push('adopt');
    }
  }
  if (product.type !== desired.type) {
    throw new SyncError(
      'TypeConflict',
      `product ${product.productId} is ${product.type}, spec asks for ${desired.type}; delete it or change spec.publish.type`,
    );
  }

  let observed = await observe(client, product);
  for (let round = 0; round < 3; round++) {
    const steps = planSync(desired, observed);
    if (steps.length === 0) return { observed, actions, created };
    for (const step of steps) {
      await execute(client, observed.product.productId, step);
      actions.push(describe(step));
    }
    const fresh = await client.getProduct(observed.product.productId);
    if (!fresh) throw new HiMarketError('NotFound', `product ${observed.product.productId} disappeared during sync`);
    observed = await observe(client, fresh);
  }
  throw new SyncError(
    'NotConverged',
    `product ${observed.product.productId} still differs after 3 rounds: ${planSync(desired, observed).map(describe).join(', ')}`,
  );
}

async function execute(client: HiMarketClient, productId: string, step: Step): Promise<void> {
  switch (step.kind) {
    case 'update':
      await client.updateProduct(productId, step.body);
      return;
    case 'unpublish':
      await client.unpublish(productId, step.publicationId).catch(ignore('NotFound'));
      return;
    case 'unlink':
      await client.deleteRef(productId);
      return;
    case 'link':
      // 409: linked meanwhile (another replica) — the next observe shows to what.
      await client.putRef(productId, step.param).catch(ignore('Conflict'));
      return;
    case 'publish':
      await client.publish(productId, step.portalId);
      return;
  }
}

function ignore(reason: HiMarketError['reason']) {
  return (e: unknown): void => {
    if (!(e instanceof HiMarketError && e.reason === reason)) throw e;
  };
}

export function describe(step: Step): string {
  switch (step.kind) {
    case 'update':
      return `update(${step.changed.join(',')})`;
    case 'unpublish':
      return `unpublish ${step.portalId}`;
    case 'publish':
      return `publish ${step.portalId}`;
    case 'link':
      return `link ${JSON.stringify(step.param.higressRefConfig)}`;
    case 'unlink':
      return 'unlink';
  }
}

/** Delete our product: cancel subscriptions first when asked (deleting alone leaves Higress grants, §12). */
export async function deleteProduct(client: HiMarketClient, productId: string, opts: { cancelSubscriptions: boolean }): Promise<string[]> {
  const actions: string[] = [];
  if (!(await client.getProduct(productId))) return actions;
  if (opts.cancelSubscriptions) {
    for (const s of await client.listSubscriptions(productId)) {
      await client.cancelSubscription(s.consumerId, s.subscriptionId).catch(ignore('NotFound'));
      actions.push(`cancel ${s.subscriptionId}`);
    }
  }
  await client.deleteProduct(productId).catch(ignore('NotFound'));
  actions.push('delete');
  return actions;
}
