import { z } from 'zod';

/**
 * The Higress console's AI route as it keeps it in ConfigMap `ai-route-<n>` (`data.data`, JSON), read by
 * higress-console `service/ai/AiRouteServiceImpl.java` (model `model/ai/AiRoute.java`, stored by
 * `KubernetesModelConverter.aiRoute2ConfigMap`). The console is not Higress's data plane, but HiMarket drives
 * it: a `PUT /v1/ai/routes/<n>` of this JSON is rejected when `upstreams` is empty or names an unknown
 * provider (reference higress.md §11), and the routes list answers 500 for a labelled ConfigMap without
 * `data`. Cross-object facts (every provider exists in `ai-proxy.internal`) are checked on a real API server
 * by the tests that write both.
 */
const predicate = z.strictObject({ matchType: z.enum(['EQUAL', 'PRE', 'REGULAR']), matchValue: z.string().min(1), caseSensitive: z.boolean().optional() });
const upstream = z.strictObject({
  provider: z.string().min(1),
  weight: z.int().min(0).max(100).optional(),
  modelMapping: z.record(z.string(), z.string()).optional(),
});

export const consoleAiRouteSchema = z.strictObject({
  name: z.string().min(1),
  domains: z.array(z.string()),
  pathPredicate: predicate,
  upstreams: z.array(upstream).min(1, 'an AI route needs at least one upstream provider (the console rejects a PUT without one)'),
  modelPredicates: z.array(predicate).optional(),
  authConfig: z.strictObject({
    enabled: z.boolean(),
    allowedCredentialTypes: z.array(z.string()).optional(),
    allowedConsumers: z.array(z.string()).optional(),
  }),
  fallbackConfig: z
    .strictObject({
      enabled: z.boolean(),
      upstreams: z.array(upstream),
      fallbackStrategy: z.enum(['RAND', 'SEQ']),
      responseCodes: z.array(z.string()),
    })
    .optional(),
  proxyNextUpstream: z.strictObject({ enabled: z.boolean(), attempts: z.int().min(0), timeout: z.int().min(0), conditions: z.array(z.string()) }).optional(),
  customConfigs: z.record(z.string(), z.string()).optional(),
  customLabels: z.record(z.string(), z.string()).optional(),
});
export type ConsoleAiRoute = z.infer<typeof consoleAiRouteSchema>;

/** A ConfigMap labelled as a console AI route: named `ai-route-<n>`, `data.data` the route whose name is `<n>`. */
export const consoleAiRouteConfigMapSchema = z
  .object({
    metadata: z.object({
      name: z.string().regex(/^ai-route-/, 'AI route ConfigMaps are named ai-route-<route name>'),
      labels: z.object({ 'higress.io/resource-definer': z.literal('higress') }).loose(),
    }),
    data: z.object({ data: z.string().min(1) }),
  })
  .loose()
  .superRefine((cm, ctx) => {
    let json: unknown;
    try {
      json = JSON.parse(cm.data.data);
    } catch (err) {
      ctx.addIssue({ code: 'custom', path: ['data', 'data'], message: `not JSON: ${String(err)}` });
      return;
    }
    const route = consoleAiRouteSchema.safeParse(json);
    if (!route.success) {
      for (const i of route.error.issues) ctx.addIssue({ code: 'custom', path: ['data', 'data', ...i.path.map(String)], message: i.message });
      return;
    }
    if (`ai-route-${route.data.name}` !== cm.metadata.name)
      ctx.addIssue({
        code: 'custom',
        path: ['data', 'data', 'name'],
        message: `route name must be ${cm.metadata.name.slice('ai-route-'.length)} (the console looks routes up by ConfigMap name)`,
      });
  });
