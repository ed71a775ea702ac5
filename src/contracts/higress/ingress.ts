import { z } from 'zod';
import { MCP_BRIDGE_NAME } from './upstream.js';

/**
 * The Ingress shape we emit for Higress (reference §3.1–3.2): a resource backend pointing at McpBridge
 * `default`, the real targets in `higress.io/destination`, behaviour in `higress.io/*` annotations. Each
 * annotation we may write is listed with the upstream file that reads it (`pkg/ingress/kube/annotations/`
 * unless said otherwise). A `higress.io/` (or `nginx.ingress.kubernetes.io/`) key not listed is rejected:
 * Higress ignores unknown keys, so a typo would otherwise be silent. Other prefixes (our own
 * `ai.higress.io/…` ownership keys) are not Higress's business and pass.
 */

const bool = z.enum(['true', 'false']);
const seconds = z.string().regex(/^[0-9]+$/, 'whole seconds');

/** `destination.go`: one `[<weight>%] <host>[:<port>] [<subset>]` per line; weights should sum to 100. */
const destination = z.string().superRefine((v, ctx) => {
  const lines = v
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  if (lines.length === 0) ctx.addIssue({ code: 'custom', message: 'destination is empty' });
  let total = 0;
  for (const line of lines) {
    const m = /^(?:(\d+)%\s+)?([^\s:]+)(?::(\d+))?(?:\s+\S+)?$/.exec(line);
    if (!m) ctx.addIssue({ code: 'custom', message: `destination line '${line}' is not '[W%] host[:port] [subset]'` });
    total += m?.[1] !== undefined ? Number(m[1]) : 100;
  }
  if (lines.length > 1 && total !== 100) ctx.addIssue({ code: 'custom', message: `destination weights sum to ${total}, not 100` });
});

interface AnnotationRule {
  /** Upstream file that reads the key (or the console file that writes it, for console bookkeeping). */
  readBy: string;
  value: z.ZodType<string>;
}

/** Exact `higress.io/<key>` annotations we may emit. */
export const HIGRESS_ANNOTATIONS: Record<string, AnnotationRule> = {
  destination: { readBy: 'destination.go', value: destination },
  'ignore-path-case': { readBy: 'ignore_case.go', value: bool },
  'rewrite-path': { readBy: 'rewrite.go', value: z.string().startsWith('/') },
  'upstream-vhost': { readBy: 'rewrite.go', value: z.string().min(1) },
  timeout: { readBy: 'timeout.go', value: seconds },
  'proxy-next-upstream-tries': { readBy: 'retry.go', value: z.string().regex(/^[1-9][0-9]*$/) },
  'proxy-next-upstream-timeout': { readBy: 'retry.go', value: seconds },
  'proxy-next-upstream': { readBy: 'retry.go', value: z.string().regex(/^[a-z0-9_,-]+$/) },
  'backend-protocol': { readBy: 'upstreamtls.go', value: z.enum(['HTTP', 'HTTP2', 'HTTPS', 'GRPC', 'GRPCS']) },
  'mcp-server': { readBy: 'mcpserver.go', value: bool },
  'mcp-server-match-rule-domains': { readBy: 'mcpserver.go', value: z.string().min(1) },
  'mcp-server-match-rule-type': { readBy: 'mcpserver.go', value: z.enum(['exact', 'prefix', 'suffix', 'contains', 'regex']) },
  'mcp-server-match-rule-value': { readBy: 'mcpserver.go', value: z.string().min(1) },
  'mcp-server-upstream-type': { readBy: 'mcpserver.go', value: z.enum(['rest', 'sse', 'streamable']) },
  /** Only rewrites the SSE `endpoint` event; ignored for streamable upstreams (issue 7 finding 1). */
  'mcp-server-enable-path-rewrite': { readBy: 'mcpserver.go', value: bool },
  'mcp-server-path-rewrite-prefix': { readBy: 'mcpserver.go', value: z.string().startsWith('/') },
  // Console bookkeeping: the controller ignores these, the console reads them back (reference §3.2, §11).
  comment: { readBy: 'higress-console KubernetesModelConverter.java', value: z.string() },
  'resource-description': { readBy: 'higress-console KubernetesModelConverter.java', value: z.string() },
  'enable-rewrite': { readBy: 'higress-console KubernetesModelConverter.java', value: bool },
  'enable-proxy-next-upstream': { readBy: 'higress-console KubernetesModelConverter.java', value: bool },
  'mcp-server-upstream-transport-type': { readBy: 'higress-console DirectRoutingSaveStrategy.java', value: z.enum(['sse', 'streamable']) },
};

/** `match.go`: `higress.io/{exact|prefix|regex}-match-{header|pseudo-header|query}-<name>`. */
const MATCH_KEY = /^(exact|prefix|regex)-match-(header|pseudo-header|query)-[A-Za-z0-9_.:-]+$/;

const HIGRESS_PREFIX = 'higress.io/';
const NGINX_PREFIX = 'nginx.ingress.kubernetes.io/';

export const ingressAnnotationsSchema = z.record(z.string(), z.string()).superRefine((annotations, ctx) => {
  for (const [key, value] of Object.entries(annotations)) {
    if (key.startsWith(NGINX_PREFIX)) {
      ctx.addIssue({ code: 'custom', path: [key], message: 'we write higress.io/ keys only (nginx keys take precedence and would hide ours)' });
      continue;
    }
    if (!key.startsWith(HIGRESS_PREFIX)) continue;
    const name = key.slice(HIGRESS_PREFIX.length);
    if (MATCH_KEY.test(name)) continue;
    const rule = HIGRESS_ANNOTATIONS[name];
    if (!rule) {
      ctx.addIssue({ code: 'custom', path: [key], message: `unknown Higress annotation '${key}' (Higress would ignore it)` });
      continue;
    }
    const parsed = rule.value.safeParse(value);
    if (!parsed.success)
      ctx.addIssue({ code: 'custom', path: [key], message: `${key}: ${parsed.error.issues[0]?.message ?? 'invalid'} (read by ${rule.readBy})` });
  }
  if (annotations['higress.io/mcp-server'] === 'true' && !annotations['higress.io/mcp-server-match-rule-value']) {
    ctx.addIssue({ code: 'custom', path: ['higress.io/mcp-server-match-rule-value'], message: 'an mcp-server route needs mcp-server-match-rule-value' });
  }
});

/** `pkg/ingress/kube/common/tool.go` `ValidateBackendResource`: only McpBridge `default` is accepted. */
const backendSchema = z.strictObject({
  resource: z.strictObject({ apiGroup: z.literal('networking.higress.io'), kind: z.literal('McpBridge'), name: z.literal(MCP_BRIDGE_NAME) }),
});

export const higressIngressSchema = z.strictObject({
  apiVersion: z.literal('networking.k8s.io/v1'),
  kind: z.literal('Ingress'),
  metadata: z.looseObject({
    name: z.string().min(1),
    namespace: z.string().min(1),
    labels: z.record(z.string(), z.string()).optional(),
    annotations: ingressAnnotationsSchema.refine(
      (a) => a['higress.io/destination'] !== undefined,
      'higress.io/destination is required with a McpBridge backend',
    ),
  }),
  spec: z.strictObject({
    /** `pkg/ingress/kube/ingressv1/controller.go`: the class is the only per-Ingress filter. */
    ingressClassName: z.string().min(1),
    rules: z
      .array(
        z.strictObject({
          host: z.string().min(1).optional(),
          http: z.strictObject({
            paths: z
              .array(
                z.strictObject({ path: z.string().startsWith('/'), pathType: z.enum(['Prefix', 'Exact', 'ImplementationSpecific']), backend: backendSchema }),
              )
              .min(1),
          }),
        }),
      )
      .min(1),
  }),
});
export type HigressIngress = z.infer<typeof higressIngressSchema>;
