import type { EvalResult } from '../rag/config.js';
import type { RagPipelineStatus } from '../api/v1alpha1/ragpipeline.js';
import { READY, type ConditionInput } from '../kube/conditions.js';
import { runtimeReadiness, type DeploymentStatusView, type RagRender, type Readiness } from './ragpipeline.js';

/**
 * RagPipeline status as pure functions of the render and what was observed: the runtime's readiness (the
 * Deployment as the deployment controller reported it, or the local process), then the conditions and status
 * fields once the runtime has (maybe) been probed. The controller only observes, calls these, and writes.
 */

export const PROGRESSING = 'Progressing';
export const EXPOSED = 'Exposed';
/** Whether the runtime embeds with what spec.embedding asked for (a missing encoder falls back to hashing). */
export const EMBEDDING = 'Embedding';

/** Readiness of the runtime: the Deployment's, or — in local-process mode — whether the process answers. */
export function ragRuntimeReadiness(replicas: number, deployment: DeploymentStatusView | undefined, local?: { endpoint: string | undefined }): Readiness {
  if (!local) return runtimeReadiness(replicas, deployment);
  const { endpoint } = local;
  const message = endpoint ? `runtime runs as a local process at ${endpoint}` : 'local runtime process is not running';
  const reason = endpoint ? 'LocalProcess' : 'LocalProcessNotRunning';
  return {
    ready: { type: READY, status: endpoint ? 'True' : 'False', reason, message },
    progressing: { type: PROGRESSING, status: 'False', reason, message },
    replicas: endpoint ? '1/1' : '0/1',
  };
}

/** What the runtime said about itself (MCP tools/list and /healthz); see controllers/ragpipeline-runtime.ts. */
export interface RuntimeStats {
  tools: string[];
  chunks?: number | undefined;
  documents?: number | undefined;
  lastIndexedTime?: string | undefined;
  lastEval?: EvalResult | undefined;
  embedder?: string | undefined;
  degraded?: { reason: string; message: string } | undefined;
}

export interface RagStatusInput {
  render: RagRender;
  readiness: Readiness;
  /** Where the MCP endpoint answers (the local process's, or the in-cluster Service's). */
  endpoint: string;
  /** A ModelPool reference that cannot be reached. */
  refError?: { reason: string; message: string } | undefined;
  /** First failed write of the render. */
  applyError?: { reason: string; message: string } | undefined;
  /** Who holds the MCP Ingress's name when it is not us. */
  heldBy?: string | undefined;
  /** Our MCP Ingress is in the gateway namespace. */
  exposed: boolean;
  /** Set when the runtime was probed: what it answered, or undefined when it did not answer. */
  probe?: { stats: RuntimeStats | undefined; documentsFallback?: number | undefined };
  /** Chunks the last status recorded (a change stands in for lastIndexedTime from older runtimes). */
  previousChunks?: number | undefined;
  /** RFC 3339 second-precision "now". */
  now: string;
  /** `higress-config` mcpServer.enable, when the controller checks it. */
  gatewayMcp?: ConditionInput | undefined;
}

export function ragPipelineStatus(input: RagStatusInput): { parts: Partial<RagPipelineStatus>; conditions: ConditionInput[] } {
  const { render, readiness, endpoint, heldBy } = input;
  const ingress = `${render.gatewayNamespace}/${render.ingress.metadata.name}`;
  const conflict = heldBy ? { reason: 'NameConflict', message: `Ingress ${ingress} belongs to ${heldBy}; not overwritten` } : undefined;
  let ready: ConditionInput = readiness.ready;
  if (input.refError) ready = { type: READY, status: 'False', ...input.refError };
  const applyError = input.applyError ?? conflict;
  if (applyError) ready = { type: READY, status: 'False', ...applyError };

  const stats: Partial<RagPipelineStatus> = {};
  const info = input.probe?.stats;
  if (info) {
    stats.discoveredTools = info.tools;
    const documents = info.documents ?? input.probe?.documentsFallback;
    if (documents !== undefined) stats.documentsIndexed = documents;
    if (info.chunks !== undefined) {
      stats.chunksIndexed = info.chunks;
      // The runtime knows when it indexed; older runtimes do not say, so a change of count stands in.
      if (info.lastIndexedTime) stats.lastIndexedTime = info.lastIndexedTime;
      else if (info.chunks !== input.previousChunks) stats.lastIndexedTime = input.now;
    }
    if (info.lastEval) stats.lastEval = info.lastEval;
    if (info.embedder) stats.embedder = info.embedder;
  } else if (input.probe && ready.status === 'True') {
    ready = { type: READY, status: 'False', reason: 'RuntimeUnreachable', message: `MCP endpoint ${endpoint} did not answer tools/list` };
  }

  const exposed: ConditionInput = conflict
    ? { type: EXPOSED, status: 'False', ...conflict }
    : input.exposed
      ? { type: EXPOSED, status: 'True', reason: 'IngressPresent', message: `MCP endpoint served on the gateway at ${render.gatewayPath} (Ingress ${ingress})` }
      : { type: EXPOSED, status: 'False', reason: 'IngressPending', message: `waiting for Ingress ${ingress}` };
  return {
    parts: {
      replicas: readiness.replicas,
      endpoint,
      gatewayPath: render.gatewayPath,
      // A held name is listed with its error, and so never read back as ours (the controller's mcpIngressHolder).
      generatedObjects: heldBy
        ? render.generatedObjects.map((g) =>
            g.kind === 'Ingress' && g.name === render.ingress.metadata.name ? { ...g, error: `name held by ${heldBy}; not overwritten` } : g,
          )
        : render.generatedObjects,
      ...stats,
    },
    conditions: [ready, readiness.progressing, exposed, ...(input.gatewayMcp ? [input.gatewayMcp] : []), ...embeddingCondition(info)],
  };
}

/** Only from a runtime that says which embedder serves (older ones do not): the configured one, or why not. */
function embeddingCondition(info: RuntimeStats | undefined): ConditionInput[] {
  if (!info?.embedder) return [];
  const d = info.degraded;
  return [
    d
      ? {
          type: EMBEDDING,
          status: 'False',
          reason: d.reason,
          message: `spec.embedding.encoder: ${d.message}; serving with ${info.embedder} until the files are there (the index is re-embedded then)`,
        }
      : { type: EMBEDDING, status: 'True', reason: 'Configured', message: `vectors from ${info.embedder}` },
  ];
}
