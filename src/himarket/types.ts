import { z } from 'zod';
import type { productFieldsSchema, productRefParamSchema } from '../contracts/himarket/product.js';

/**
 * zod schemas for every HiMarket answer the client reads, from the verified contract
 * (/work/shared/reference/himarket.md §12, which wins over §3–§5; DTOs in himarket-server
 * `dto/result/**`). Objects are loose: HiMarket adds fields between releases and we only read these.
 */

/**
 * `LocalDateTime` without zone. §12: create/update answers carry nanoseconds
 * (`2026-11-30T08:44:55.474721212`), reads milliseconds with trailing zeros trimmed (`…08:45:00.9`) or none.
 */
export const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?$/;
export const timestampSchema = z.string().regex(TIMESTAMP);

/** A HiMarket timestamp as a Date (server-local time read as UTC: HiMarket sends no zone; ms precision). */
export function parseHiMarketTime(s: string): Date {
  const m = TIMESTAMP.exec(s);
  if (!m) throw new Error(`not a HiMarket timestamp: ${s}`);
  const [base, frac = ''] = s.split('.');
  const ms = (frac + '000').slice(0, 3);
  return new Date(`${base}.${ms}Z`);
}

/** `{ code, message, data }` — every answer except Spring Security's plain 403 (§2.4, §12). */
export const envelopeSchema = z.looseObject({
  code: z.string(),
  message: z.string().nullable().optional(),
  data: z.unknown().optional(),
});

/** Spring Boot's default error body, sent with 403 for a missing/bad/expired token (§12). */
export const plainErrorSchema = z.looseObject({
  timestamp: z.union([z.string(), z.number()]).optional(),
  status: z.number(),
  error: z.string().optional(),
  path: z.string().optional(),
});

/** Spring page, 1-based `number` (§3.3, §12). */
export const pageSchema = <T extends z.ZodType>(item: T) =>
  z.looseObject({
    content: z.array(item),
    number: z.number().int(),
    size: z.number().int(),
    totalElements: z.number().int(),
  });

export const PRODUCT_TYPES = ['REST_API', 'HTTP_API', 'MCP_SERVER', 'AGENT_API', 'MODEL_API', 'AGENT_SKILL', 'WORKER'] as const;
export const productTypeSchema = z.enum(PRODUCT_TYPES);
export type ProductType = z.infer<typeof productTypeSchema>;

export const loginResultSchema = z.looseObject({
  access_token: z.string().min(1),
  token_type: z.string().optional(),
  expires_in: z.number().optional(),
});

export const adminResultSchema = z.looseObject({ adminId: z.string(), username: z.string() });

export const categoryResultSchema = z.looseObject({
  categoryId: z.string(),
  name: z.string(),
  description: z.string().nullable().optional(),
});
export type Category = z.infer<typeof categoryResultSchema>;

export const iconSchema = z.looseObject({ type: z.enum(['URL', 'BASE64']), value: z.string() });

export const productResultSchema = z.looseObject({
  productId: z.string(),
  name: z.string(),
  description: z.string().nullable().optional(),
  type: productTypeSchema,
  status: z.enum(['PENDING', 'READY', 'PUBLISHED']),
  document: z.string().nullable().optional(),
  icon: iconSchema.nullable().optional(),
  autoApprove: z.boolean().nullable().optional(),
  enableConsumerAuth: z.boolean().nullable().optional(),
  categories: z.array(categoryResultSchema).nullable().optional(),
  enabled: z.boolean().nullable().optional(),
  createAt: timestampSchema,
  updatedAt: timestampSchema.nullable().optional(),
});
export type Product = z.infer<typeof productResultSchema>;

export const higressRefConfigSchema = z.looseObject({
  mcpServerName: z.string().nullable().optional(),
  modelRouteName: z.string().nullable().optional(),
  routeName: z.string().nullable().optional(),
});

export const productRefResultSchema = z.looseObject({
  productId: z.string(),
  sourceType: z.enum(['GATEWAY', 'NACOS', 'CUSTOM', 'API_DEFINITION']),
  gatewayId: z.string().nullable().optional(),
  higressRefConfig: higressRefConfigSchema.nullable().optional(),
});
export type ProductRef = z.infer<typeof productRefResultSchema>;

export const publicationResultSchema = z.looseObject({
  publicationId: z.string(),
  portalId: z.string(),
  portalName: z.string().nullable().optional(),
  createAt: timestampSchema.nullable().optional(),
});
export type Publication = z.infer<typeof publicationResultSchema>;

export const subscriptionResultSchema = z.looseObject({
  subscriptionId: z.string(),
  productId: z.string(),
  consumerId: z.string(),
  status: z.enum(['PENDING', 'APPROVED']),
});
export type Subscription = z.infer<typeof subscriptionResultSchema>;

export const gatewayResultSchema = z.looseObject({
  gatewayId: z.string(),
  gatewayName: z.string(),
  gatewayType: z.string(),
  higressConfig: z
    .looseObject({ address: z.string(), username: z.string().nullable().optional(), gatewayAddress: z.string().nullable().optional() })
    .nullable()
    .optional(),
});
export type Gateway = z.infer<typeof gatewayResultSchema>;

export const portalResultSchema = z.looseObject({
  portalId: z.string(),
  name: z.string(),
  portalDomainConfig: z
    .array(z.looseObject({ domain: z.string(), type: z.string().optional(), protocol: z.string().nullable().optional() }))
    .nullable()
    .optional(),
});
export type Portal = z.infer<typeof portalResultSchema>;

/** Items a 200 answer says failed (`failures`, §4.7); the client refuses any 200 that lists some (§12: "check it"). */
export const failuresSchema = z.looseObject({
  failures: z
    .array(z.looseObject({ resourceName: z.string().nullable().optional(), errorMessage: z.string().nullable().optional() }))
    .nullable()
    .optional(),
});

/** `POST /products/import`: HTTP 200 even when items fail (§4.7, §12: "check it"). */
export const importResultSchema = failuresSchema.extend({ successCount: z.number().int() });

/**
 * Request bodies (what we send; HiMarket ignores unknown properties, §3.2). Read upstream by
 * himarket-server `dto/params/product/{CreateProductParam,UpdateProductParam,AddProductRefParam}.java`,
 * `dto/params/gateway/{ImportGatewayParam,UpdateGatewayParam}.java`, `dto/params/portal/CreatePortalParam.java`.
 */
/** The create fields, as the contract types them (src/contracts/himarket/product.ts). */
export type ProductFields = z.infer<typeof productFieldsSchema>;

export interface ProductUpdate extends Partial<ProductFields> {
  /** Mandatory: a PUT without categories drops every category binding (§12). */
  categories: string[];
}

export type ProductRefParam = z.infer<typeof productRefParamSchema>;

export interface GatewayParam {
  gatewayName: string;
  gatewayType: 'HIGRESS';
  higressConfig: { address: string; username: string; password: string; gatewayAddress?: string | undefined };
}
