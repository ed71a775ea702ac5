#!/usr/bin/env node
// `higress-ai-operator scaffold agent --openapi FILE --pool NAME` and `higress-ai-operator preview FILE`:
// the low-code path to an AgentProduct, offline. Exit 2 on a bad spec, naming the offending path.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { parseAllDocuments, stringify } from 'yaml';
import { agentProductSchema } from '../api/v1alpha1/agentproduct.js';
import { convertOpenApi, OpenApiError, parseOpenApiText } from '../agent/openapi/index.js';
import type { AgentProduct } from '../api/v1alpha1/agentproduct.js';
import { consoleName } from '../higress/console/meta.js';
import { renderAgentProduct, type ModelRoute } from '../reconcilers/agentproduct.js';
import { ROUTER_PORT } from '../reconcilers/semanticrouter.js';
import { consoleName as routerProviderId } from '../reconcilers/semanticrouter-gateway.js';
import { sharedPluginMerger } from '../reconcilers/agentproduct-gateway.js';
import { errorMessage } from '../util/errors.js';

const USAGE = `usage:
  higress-ai-operator scaffold agent --openapi FILE --pool NAME [--model NAME] [--name NAME] [--namespace NS] [--base-url URL]
  higress-ai-operator preview FILE`;

class UsageError extends Error {}

/** Exit 2 with the message: the document or resource is wrong, not the tool. */
function fail(message: string): never {
  process.stderr.write(`error: ${message}\n`);
  process.exit(2);
}

function scaffold(argv: string[]): string {
  const { values } = parseArgs({
    args: argv,
    options: {
      openapi: { type: 'string' },
      pool: { type: 'string' },
      model: { type: 'string' },
      name: { type: 'string' },
      namespace: { type: 'string', default: 'default' },
      'base-url': { type: 'string' },
    },
  });
  if (!values.openapi || !values.pool) throw new UsageError('scaffold agent needs --openapi FILE and --pool NAME');
  const text = readFileSync(values.openapi, 'utf8');
  const doc = parseOpenApiText(text);
  const baseUrl = values['base-url'];
  const result = convertOpenApi(doc, { serverName: 'preview', ...(baseUrl ? { baseUrl } : {}) });
  const info = (doc.info ?? {}) as { title?: unknown };
  const slug = (s: string) =>
    s
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '')
      .slice(0, 30) || 'agent';
  const name = values.name ?? slug(typeof info.title === 'string' ? info.title : 'agent');
  const schemes = result.config.server.securitySchemes ?? [];
  const secretName = `${name}-credentials`;
  const keysName = `${name}-consumer-keys`;
  const product = {
    apiVersion: 'ai.higress.io/v1alpha1',
    kind: 'AgentProduct',
    metadata: { name, namespace: values.namespace },
    spec: {
      tools: [
        {
          name: 'api',
          openapi: {
            // The whole document inline; swap for configMap/url to keep the resource small.
            inline: text,
            operations: result.operations.map((o) => o.operationId),
            ...(baseUrl ? { baseUrl } : {}),
            ...(schemes.length ? { credentials: schemes.map((s) => ({ scheme: s.id, secretRef: { name: secretName, key: s.id } })) } : {}),
          },
        },
      ],
      agent: { model: { pool: values.pool, name: values.model ?? 'gpt-4o' }, maxIterations: 10 },
      access: { consumers: [{ name: 'demo', keySecretRef: { name: keysName, key: 'demo' } }] },
    },
  };
  agentProductSchema.parse(product);
  const stub = (n: string, keys: string[]) => ({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: n, namespace: values.namespace },
    stringData: Object.fromEntries(keys.map((k) => [k, 'REPLACE-ME'])),
  });
  const docs: unknown[] = [
    ...(schemes.length
      ? [
          stub(
            secretName,
            schemes.map((s) => s.id),
          ),
        ]
      : []),
    stub(keysName, ['demo']),
    product,
  ];
  const notes = result.warnings.map((w) => `# note: ${w.pointer}: ${w.message}\n`).join('');
  return notes + docs.map((d) => stringify(d, { lineWidth: 0 })).join('---\n');
}

function preview(file: string): string {
  const docs = parseAllDocuments(readFileSync(file, 'utf8')).map(
    (d) => d.toJS() as { kind?: string; metadata?: { name?: string; namespace?: string }; data?: Record<string, string>; stringData?: Record<string, string> },
  );
  const raw = docs.find((d) => d.kind === 'AgentProduct');
  if (!raw) fail(`${file}: no AgentProduct in the file`);
  const parsed = agentProductSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    fail(`${file}: spec.${issue.path.slice(1).join('.')}: ${issue.message}`);
  }
  const product = parsed.data;
  // Offline: Secrets and ConfigMaps come from the same file; documents by URL or missing are reported.
  const local = (kind: string, name: string) => docs.find((d) => d.kind === kind && d.metadata?.name === name);
  const documents: Record<string, { text: string } | { error: string }> = {};
  for (const t of product.spec.tools) {
    const o = t.openapi;
    if (!o) continue;
    if (o.inline !== undefined) documents[t.name] = { text: o.inline };
    else if (o.configMap) {
      const cm = local('ConfigMap', o.configMap.name)?.data?.[o.configMap.key];
      documents[t.name] = cm !== undefined ? { text: cm } : { error: `ConfigMap ${o.configMap.name} key ${o.configMap.key} is not in ${file}` };
    } else {
      const path = resolve(dirname(file), new URL(o.url!).pathname.split('/').pop() ?? '');
      try {
        documents[t.name] = { text: readFileSync(path, 'utf8') };
      } catch {
        documents[t.name] = { error: `preview is offline: ${o.url} is not fetched (put the document beside ${file} as ${path})` };
      }
    }
  }
  const render = renderAgentProduct(product, {
    documents,
    secret: (r) => {
      const s = local('Secret', r.name);
      return s?.stringData?.[r.key] ?? (s?.data?.[r.key] !== undefined ? Buffer.from(s.data[r.key]!, 'base64').toString('utf8') : undefined);
    },
    ragServices: Object.fromEntries(
      product.spec.tools
        .filter((t) => t.ragPipeline)
        .map((t) => [t.ragPipeline!.name, `${t.ragPipeline!.name}-rag.${product.metadata.namespace ?? 'default'}.svc.cluster.local:8080`]),
    ),
    redisExists: true,
    agentModel: offlineModelRoute(product),
  });
  const blocking = render.problems.find((p) =>
    [
      'BadRef',
      'MissingOperationId',
      'InvalidDocument',
      'UnsupportedVersion',
      'NoServerUrl',
      'UnknownOperation',
      'InvalidToolName',
      'DuplicateToolName',
      'ArgNameCollision',
      'OpenApiUnavailable',
    ].includes(p.reason),
  );
  if (blocking) fail(`${blocking.field}: ${blocking.message}`);
  const objects = [...render.ingresses, ...render.configMaps, ...render.shared.map((e) => sharedPluginMerger.merge(undefined, e)), ...render.owned];
  const summary = [
    `# MCP servers (${render.tools.length} tools, toolset revision ${render.toolsetRevision}):`,
    ...render.mcpServers.map((s) => `#   ${s.path}  ${s.type}  ${s.tools.join(', ')}`),
    ...(render.agentEndpoint ? [`# agent: ${render.agentEndpoint}/v1/chat/completions  tools: ${render.agentTools.join(', ')}`] : []),
    ...render.problems.map((p) => `# problem ${p.reason} at ${p.field}: ${p.message}`),
    '',
  ].join('\n');
  // Secret values reach the gateway's plugin config by design; the preview masks them.
  const masked = objects.map((o) => stringify(o, { lineWidth: 0, aliasDuplicateObjects: false })).join('---\n');
  return summary + maskSecrets(masked, docs);
}

/**
 * Offline, the agent's model is taken as routed the way its owner routes it: a ModelPool's provider for the
 * model (reconcilers/modelpool.ts names it; its endpoint assumed HTTPS on 443), or the SemanticRouter's
 * provider (reconcilers/semanticrouter-gateway.ts) on the router Service port.
 */
function offlineModelRoute(product: AgentProduct): ModelRoute | undefined {
  const m = product.spec.agent?.model;
  if (!m) return undefined;
  const ns = product.metadata.namespace ?? 'default';
  const [provider, port] = m.pool
    ? [consoleName([ns, m.pool, m.name]), 443]
    : [routerProviderId({ kind: 'SemanticRouter', namespace: ns, name: m.router ?? '' }), ROUTER_PORT];
  return { upstreams: [{ provider, weight: 100 }], services: { [provider]: { name: `llm-${provider}.internal.dns`, port } } };
}

function maskSecrets(text: string, docs: { kind?: string; stringData?: Record<string, string>; data?: Record<string, string> }[]): string {
  let out = text;
  for (const d of docs.filter((x) => x.kind === 'Secret')) {
    const values = [...Object.values(d.stringData ?? {}), ...Object.values(d.data ?? {}).map((v) => Buffer.from(v, 'base64').toString('utf8'))];
    for (const v of values) if (v.length >= 4) out = out.split(v).join('********');
  }
  return out;
}

export function main(argv: string[]): void {
  const [cmd, ...rest] = argv;
  try {
    if (cmd === 'scaffold' && rest[0] === 'agent') process.stdout.write(scaffold(rest.slice(1)));
    else if (cmd === 'preview' && rest[0]) process.stdout.write(preview(rest[0]));
    else throw new UsageError('unknown command');
  } catch (err) {
    if (err instanceof OpenApiError) fail(err.message);
    if (err instanceof UsageError) {
      process.stderr.write(`${err.message}\n${USAGE}\n`);
      process.exit(64);
    }
    fail(errorMessage(err));
  }
}

main(process.argv.slice(2));
