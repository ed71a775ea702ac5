import { z } from 'zod';
import { conditionSchema, DNS_SUBDOMAIN } from './common.js';

/**
 * `spec.publish` / `status.publish`: the block ModelPool, SemanticRouter and AgentProduct embed
 * to become a HiMarket API product. The HiMarket side of every field is named in docs/himarket.md; limits
 * are HiMarket's own (`CreateProductParam`: name ≤ 50, description ≤ 512, icon value < 16 KB).
 */

/** HiMarket product types this operator can back with a Higress resource (himarket.md §7). */
export const PUBLISH_PRODUCT_TYPES = ['MODEL_API', 'MCP_SERVER'] as const;
export type PublishProductType = (typeof PUBLISH_PRODUCT_TYPES)[number];

export const publishSpecSchema = z
  .object({
    connectionRef: z
      .object({ name: z.string().min(1).max(253).regex(DNS_SUBDOMAIN).describe("HiMarketConnection name, in this resource's namespace.") })
      .describe('Which HiMarket server (and registered gateway) to publish to.'),
    productName: z
      .string()
      .min(1)
      .max(50)
      // HiMarket ignores trailing spaces when it checks for duplicates; a name that ends in one could never be found exactly.
      .regex(/^\S(.*\S)?$/)
      .optional()
      .describe('HiMarket product name (unique in HiMarket, compared ignoring case); defaults to <namespace>-<name>.'),
    type: z
      .enum(PUBLISH_PRODUCT_TYPES)
      .optional()
      .describe('Product type: MODEL_API for AI routes, MCP_SERVER for tools. Defaults to what the owner kind serves.'),
    target: z
      .string()
      .min(1)
      .max(128)
      .regex(/^[A-Za-z0-9][A-Za-z0-9._:/@+-]*$/)
      .optional()
      .describe(
        'Which endpoint of the owner the product links (a HiMarket product links exactly one Higress resource): ModelPool: a model name or the alias; SemanticRouter: a virtual model; AgentProduct with type MCP_SERVER: a tools[].name. Default: the only one, or the ModelPool alias.',
      ),
    description: z.string().max(512).optional().describe('Short description shown in the portal.'),
    categories: z
      .array(z.string().min(1).max(100))
      .max(16)
      .meta({ 'x-kubernetes-list-type': 'set' })
      .optional()
      .describe('Category names; created in HiMarket when missing.'),
    icon: z
      .object({
        type: z.enum(['URL', 'BASE64']),
        value: z.string().min(1).max(16384),
      })
      .optional()
      .describe('Product icon: a URL or a base64 image (< 16 KB).'),
    documentation: z
      .string()
      .max(262144)
      .optional()
      .describe('Markdown shown on the product page; generated from the models/tools with a worked curl when omitted.'),
    portals: z
      .array(z.string().min(1).max(50))
      .max(16)
      .meta({ 'x-kubernetes-list-type': 'set' })
      .optional()
      .describe("Portal names (from the connection's portals) to publish to; default: every portal of the connection."),
    autoApprove: z.boolean().optional().describe("Approve subscriptions automatically; unset follows the portal's setting."),
    cancelSubscriptions: z
      .boolean()
      .default(false)
      .describe('On delete, cancel every subscription first (deleting a product alone leaves the Higress consumer grants in place).'),
  })
  .describe('Publish this resource to HiMarket as an API product.');

export type PublishSpecIn = z.input<typeof publishSpecSchema>;
export type PublishSpec = z.output<typeof publishSpecSchema>;

export const LINK_STATES = ['Linked', 'Unlinked', 'Pending', 'Failed'] as const;

export const publicationStatusSchema = z.object({
  portal: z.string().max(50),
  portalId: z.string().max(128).optional(),
  published: z.boolean(),
});

export const publishStatusSchema = z
  .object({
    productId: z.string().max(128).optional().describe('HiMarket product id (also in annotation himarket.ai.higress.io/product-id).'),
    productName: z.string().max(50).optional(),
    productStatus: z.string().max(32).optional().describe("HiMarket's product status: PENDING, READY or PUBLISHED."),
    linkState: z.enum(LINK_STATES).optional(),
    linkTarget: z
      .object({
        gatewayId: z.string().max(128).optional(),
        modelRouteName: z.string().max(253).optional(),
        mcpServerName: z.string().max(253).optional(),
      })
      .optional()
      .describe('The Higress resource the product is linked to, as HiMarket stores it.'),
    publications: z.array(publicationStatusSchema).max(16).optional(),
    portalUrl: z.string().max(2048).optional().describe('Where developers find the product.'),
    subscriptions: z.int().min(0).optional().describe('Subscriptions to the product in HiMarket.'),
    lastSyncTime: z.string().max(64).optional(),
    conditions: z
      .array(conditionSchema)
      .max(8)
      .meta({ 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['type'] })
      .optional(),
  })
  .describe('HiMarket publication state, written by the publish controller.');

export type PublishStatus = z.output<typeof publishStatusSchema>;
export type PublicationStatus = z.output<typeof publicationStatusSchema>;

/** Annotation carrying the product id, so a product is found again after a rename or a lost status. */
export const PRODUCT_ID_ANNOTATION = 'himarket.ai.higress.io/product-id';
/** Finalizer the publish controller holds while a product exists in HiMarket. */
export const PUBLISH_FINALIZER = 'himarket.ai.higress.io/product';
