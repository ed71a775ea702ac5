import { z } from 'zod';

/**
 * What the OpenAPI → mcp-server converter reports beside the config it emits (src/agent/openapi/convert.ts,
 * agent-api.ts): warnings with the JSON pointer they are about, the security schemes left without a
 * credential, and the operations the ai-agent API leaves out with the reason. The CLI prints them as
 * comments (src/cli/main.ts) and the goldens pin them; strict, so a renamed field fails the golden check.
 */
export const openApiWarningSchema = z.strictObject({ pointer: z.string().startsWith('#'), message: z.string().min(1) });

export const conversionNotesSchema = z.strictObject({
  warnings: z.array(openApiWarningSchema),
  schemesWithoutCredential: z.array(z.string().min(1)),
  agentExcluded: z.array(z.strictObject({ operationId: z.string().min(1), why: z.string().min(1) })),
});
export type ConversionNotes = z.infer<typeof conversionNotesSchema>;
