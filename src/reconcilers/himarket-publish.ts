import type { PublicationStatus, PublishSpec, PublishStatus } from '../api/v1alpha1/publish.js';
import type { HiMarketConnectionStatus } from '../api/v1alpha1/himarketconnection.js';
import { setCondition, type Condition, type ConditionInput } from '../kube/conditions.js';
import { generateDocumentation } from '../himarket/documentation.js';
import { HiMarketError } from '../himarket/errors.js';
import { ownershipMarker, SyncError, type DesiredProduct, type SyncOutcome } from '../himarket/sync.js';
import { errorMessage } from '../util/errors.js';
import { byCodeUnit } from '../util/order.js';

/**
 * Pure parts of publishing an owner (ModelPool, SemanticRouter, AgentProduct) to HiMarket: the desired
 * product and the `status.publish` block. Which resource an owner links is decided in himarket-links.ts.
 */

/** Condition type in `status.publish.conditions`. */
export const PUBLISHED = 'Published';

/** What a publishing owner offers, read from its spec/status by the kind's adapter. */
export interface PublishOwner {
  kind: string;
  namespace: string;
  name: string;
  uid: string;
  generation?: number | undefined;
  publish: PublishSpec;
  /** Product type when spec.publish.type is unset (ModelPool → MODEL_API). */
  defaultType: 'MODEL_API' | 'MCP_SERVER';
  /** Gateway path the OpenAI-compatible endpoint sits below (an agent), when not the root. */
  endpointPath?: string | undefined;
  /** Console AI route / MCP server name from the owner's status; undefined while it has none. */
  linkTarget: string | undefined;
  models?: readonly string[];
  tools?: ReadonlyArray<{ name: string; description?: string | undefined }>;
}

export function productNameOf(owner: Pick<PublishOwner, 'namespace' | 'name' | 'publish'>): string {
  return owner.publish.productName ?? `${owner.namespace}-${owner.name}`.slice(0, 50);
}

export interface ResolvedConnection {
  gatewayId: string;
  /** Portal name → id, from the connection's status. */
  portals: ReadonlyMap<string, string>;
  gatewayUrl?: string | undefined;
}

/** Portal ids a spec asks for; names the connection does not know are returned in `unknown`. */
export function resolvePortals(spec: PublishSpec, conn: ResolvedConnection): { ids: string[]; unknown: string[] } {
  const names = spec.portals ?? [...conn.portals.keys()];
  const ids: string[] = [];
  const unknown: string[] = [];
  for (const n of names) {
    const id = conn.portals.get(n);
    if (id) ids.push(id);
    else unknown.push(n);
  }
  return { ids, unknown };
}

export function connectionFromStatus(status: HiMarketConnectionStatus | undefined, gatewayUrl?: string): ResolvedConnection | undefined {
  if (!status?.gatewayId) return undefined;
  const portals = new Map<string, string>();
  for (const p of status.portals ?? []) if (p.portalId) portals.set(p.name, p.portalId);
  return { gatewayId: status.gatewayId, portals, gatewayUrl };
}

export function desiredProduct(owner: PublishOwner, conn: ResolvedConnection, categoryIds: string[], portalIds: string[]): DesiredProduct {
  const type = owner.publish.type ?? owner.defaultType;
  const name = productNameOf(owner);
  const doc =
    owner.publish.documentation ??
    generateDocumentation({
      productName: name,
      type,
      description: owner.publish.description,
      gatewayUrl: conn.gatewayUrl,
      basePath: owner.endpointPath,
      ...(owner.models ? { models: owner.models } : {}),
      ...(owner.tools ? { tools: owner.tools } : {}),
      mcpServerName: owner.linkTarget,
    });
  return {
    name,
    type,
    description: owner.publish.description,
    document: `${doc.trimEnd()}\n\n${ownershipMarker(owner.uid)}\n`,
    icon: owner.publish.icon,
    autoApprove: owner.publish.autoApprove,
    categoryIds,
    link: owner.linkTarget ? { gatewayId: conn.gatewayId, target: owner.linkTarget } : undefined,
    portalIds,
    ownerUid: owner.uid,
  };
}

/** `status.publish` after a successful sync. */
export function statusFromOutcome(
  prev: PublishStatus | undefined,
  owner: PublishOwner,
  outcome: SyncOutcome,
  ctx: { portals: ReadonlyMap<string, string>; subscriptions: number; portalUrl?: string | undefined; now?: Date },
): PublishStatus {
  const { product, ref, publications } = outcome.observed;
  const byId = new Map([...ctx.portals].map(([n, id]) => [id, n]));
  const pubs: PublicationStatus[] = publications.map((p) => ({
    portal: byId.get(p.portalId) ?? p.portalName ?? p.portalId,
    portalId: p.portalId,
    published: true,
  }));
  for (const [name, id] of ctx.portals) {
    if ((owner.publish.portals ?? [...ctx.portals.keys()]).includes(name) && !pubs.some((p) => p.portalId === id))
      pubs.push({ portal: name, portalId: id, published: false });
  }
  pubs.sort((a, b) => byCodeUnit(a.portal, b.portal));
  const linked = ref?.sourceType === 'GATEWAY' && Boolean(ref.gatewayId);
  const linkTarget = linked
    ? {
        ...(ref?.gatewayId ? { gatewayId: ref.gatewayId } : {}),
        ...(ref?.higressRefConfig?.modelRouteName ? { modelRouteName: ref.higressRefConfig.modelRouteName } : {}),
        ...(ref?.higressRefConfig?.mcpServerName ? { mcpServerName: ref.higressRefConfig.mcpServerName } : {}),
      }
    : undefined;
  const published = pubs.filter((p) => p.published).length;
  const ready: ConditionInput = !linked
    ? {
        type: PUBLISHED,
        status: 'False',
        reason: 'LinkTargetPending',
        message: `product ${product.productId} exists but is not linked: the owner's status names no console route yet`,
      }
    : {
        type: PUBLISHED,
        status: 'True',
        reason: 'Published',
        message: `product ${product.name} linked to ${describeTarget(linkTarget)} and published to ${published} portal(s)`,
      };
  return {
    productId: product.productId,
    productName: product.name,
    productStatus: product.status,
    linkState: linked ? 'Linked' : owner.linkTarget ? 'Unlinked' : 'Pending',
    ...(linkTarget ? { linkTarget } : {}),
    publications: pubs,
    ...(ctx.portalUrl ? { portalUrl: ctx.portalUrl } : {}),
    subscriptions: ctx.subscriptions,
    lastSyncTime: (ctx.now ?? new Date()).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    conditions: conditionsWith(prev, { ...ready, ...gen(owner) }, ctx.now),
  };
}

/** `status.publish` after a failed sync: what we knew stays, the condition carries HiMarket's code and message. */
export function statusFromError(prev: PublishStatus | undefined, owner: PublishOwner, err: unknown, now?: Date): PublishStatus {
  return { ...(prev ?? {}), conditions: conditionsWith(prev, { ...failureCondition(err), ...gen(owner) }, now) };
}

/** A condition for anything a sync threw; reasons are greppable, messages carry HiMarket's own words. */
export function failureCondition(err: unknown): ConditionInput {
  if (err instanceof HiMarketError) {
    // The message already carries HiMarket's HTTP status, code and message (client.ts).
    return { type: PUBLISHED, status: 'False', reason: `HiMarket${err.reason}`, message: err.message };
  }
  if (err instanceof SyncError) return { type: PUBLISHED, status: 'False', reason: err.reason, message: err.message };
  return { type: PUBLISHED, status: 'False', reason: 'SyncFailed', message: errorMessage(err) };
}

export function pendingCondition(reason: string, message: string): ConditionInput {
  return { type: PUBLISHED, status: 'False', reason, message };
}

export function conditionsWith(prev: PublishStatus | undefined, c: ConditionInput, now?: Date): Condition[] {
  return setCondition(prev?.conditions, c, now);
}

function gen(owner: PublishOwner): { observedGeneration?: number } {
  return owner.generation !== undefined ? { observedGeneration: owner.generation } : {};
}

function describeTarget(t: { gatewayId?: string; modelRouteName?: string; mcpServerName?: string } | undefined): string {
  if (!t) return 'nothing';
  return t.modelRouteName ? `AI route ${t.modelRouteName}` : `MCP server ${t.mcpServerName ?? '?'}`;
}
