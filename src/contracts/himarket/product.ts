import { z } from 'zod';
import { productTypeSchema } from '../../himarket/types.js';

/**
 * What we send to HiMarket for a published owner (reference himarket.md §4.3 `CreateProductParam` /
 * `UpdateProductParam`, §4.4 `AddProductRefParam`; himarket-server `dto/params/product/*.java`). HiMarket
 * ignores unknown properties (§3.2), so the schemas are strict: a misspelt field would otherwise be dropped
 * on the server without a word. The limits are the server's `@Size` checks.
 */

export const productFieldsSchema = z.strictObject({
  /** ≤ 50 characters, unique across admins (§4.3, §5). */
  name: z.string().min(1).max(50),
  type: productTypeSchema,
  description: z.string().max(512).optional(),
  /** Markdown shown on the portal detail page; ours ends with the ownership marker. */
  document: z.string().optional(),
  icon: z.strictObject({ type: z.enum(['URL', 'BASE64']), value: z.string().min(1) }).optional(),
  /** `null` on the server falls back to the portal's setting; we send it only when the owner sets it. */
  autoApprove: z.boolean().optional(),
});

/** `AddProductRefParam` for a Higress gateway: the MCP server or the AI route the product is served by. */
export const productRefParamSchema = z.strictObject({
  sourceType: z.literal('GATEWAY'),
  gatewayId: z.string().min(1),
  higressRefConfig: z.union([z.strictObject({ mcpServerName: z.string().min(1) }), z.strictObject({ modelRouteName: z.string().min(1) })]),
});

/** The ownership marker every document we write ends with (products carry no labels, §5). */
export const OWNERSHIP_MARKER = /<!-- managed-by: higress-ai-operator uid=([^ ]+) -->\s*$/;

/**
 * One published owner's desired product: the create/update fields, the category and portal ids, the link
 * (console AI route or MCP server name on a gateway) and the owner's uid (src/himarket/sync.ts plans the
 * calls from it).
 */
export const desiredProductSchema = productFieldsSchema
  .extend({
    document: z.string().regex(OWNERSHIP_MARKER, 'the document ends with the ownership marker'),
    categoryIds: z.array(z.string().min(1)),
    /** Absent while the owner has no link target yet: the product exists, unlinked. */
    link: z.strictObject({ gatewayId: z.string().min(1), target: z.string().min(1) }).optional(),
    portalIds: z.array(z.string().min(1)),
    ownerUid: z.string().min(1),
  })
  .refine((d) => OWNERSHIP_MARKER.exec(d.document)?.[1] === d.ownerUid, 'the marker names the owner uid');
export type DesiredProductContract = z.infer<typeof desiredProductSchema>;
