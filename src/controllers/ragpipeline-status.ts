import type { RagPipelineSpec, RagPipelineStatus } from '../api/v1alpha1/ragpipeline.js';
import type { KubeClient } from '../kube/client.js';
import { READY, setCondition, writeStatus, type ConditionInput } from '../kube/conditions.js';
import { domainMetrics } from '../kube/metrics.js';
import type { Informer } from '../kube/informer.js';
import { makeKey } from '../kube/object.js';
import type { DeploymentStatusView } from '../reconcilers/ragpipeline.js';
import type { EventSink, ModelPoolObject } from './modelpool.js';
import type { RagPipelineObject, WorkloadObject } from './ragpipeline.js';
import { ragPipelineResource } from './resources.js';

/** Status helpers of the RagPipeline controller: model references, the Deployment view, the status write. */

/** Why the pipeline's LLM or embedding model cannot be reached through its ModelPool, if it cannot. */
export function modelRefError(pools: Informer<ModelPoolObject>, namespace: string, spec: RagPipelineSpec): { reason: string; message: string } | undefined {
  const refs = [
    ...(spec.llm ? [{ use: 'llm', ...spec.llm }] : []),
    ...(spec.embedding.type === 'model' && spec.embedding.model ? [{ use: 'embedding', ...spec.embedding.model }] : []),
  ];
  for (const ref of refs) {
    const pool = pools.store.get(makeKey(namespace, ref.pool));
    if (!pool) return { reason: 'ModelPoolNotFound', message: `${ref.use}: ModelPool ${namespace}/${ref.pool} not found` };
    const names = [...pool.spec.models.map((m) => m.name), ...(pool.spec.alias ? [pool.spec.alias] : [])];
    if (!names.includes(ref.model)) return { reason: 'ModelNotInPool', message: `${ref.use}: ModelPool ${ref.pool} has no model ${ref.model}` };
  }
  return undefined;
}

export function deploymentView(d: WorkloadObject | undefined): DeploymentStatusView | undefined {
  if (!d) return undefined;
  const s = d.status ?? {};
  const num = (v: unknown) => (typeof v === 'number' ? v : undefined);
  return {
    generation: d.metadata.generation,
    observedGeneration: num(s.observedGeneration),
    replicas: num(s.replicas),
    updatedReplicas: num(s.updatedReplicas),
    availableReplicas: num(s.availableReplicas),
  };
}

export async function writePipelineStatus(
  client: KubeClient,
  event: EventSink | undefined,
  pipeline: RagPipelineObject,
  parts: Partial<RagPipelineStatus>,
  conditions: ConditionInput[],
): Promise<void> {
  const generation = pipeline.metadata.generation;
  let list = pipeline.status?.conditions;
  for (const c of conditions) list = setCondition(list, { ...c, ...(generation !== undefined ? { observedGeneration: generation } : {}) });
  const previous = pipeline.status ?? {};
  const status: RagPipelineStatus = {
    // Stats survive reconciles that did not probe (runtime not yet available, or probing disabled).
    ...(previous.documentsIndexed !== undefined ? { documentsIndexed: previous.documentsIndexed } : {}),
    ...(previous.chunksIndexed !== undefined ? { chunksIndexed: previous.chunksIndexed } : {}),
    ...(previous.lastIndexedTime ? { lastIndexedTime: previous.lastIndexedTime } : {}),
    ...(previous.discoveredTools ? { discoveredTools: previous.discoveredTools } : {}),
    ...(previous.lastEval ? { lastEval: previous.lastEval } : {}),
    ...(previous.endpoint ? { endpoint: previous.endpoint } : {}),
    ...(previous.gatewayPath ? { gatewayPath: previous.gatewayPath } : {}),
    ...(previous.generatedObjects ? { generatedObjects: previous.generatedObjects } : {}),
    ...(previous.replicas ? { replicas: previous.replicas } : {}),
    ...parts,
    ...(generation !== undefined ? { observedGeneration: generation } : {}),
    conditions: list ?? [],
  };
  recordTransition(event, pipeline, status);
  await writeStatus(client, ragPipelineResource, pipeline, status);
}

/** An Event when Ready turns True, or turns/stays False for a new reason (as the ModelPool controller does). */
function recordTransition(event: EventSink | undefined, pipeline: RagPipelineObject, status: RagPipelineStatus): void {
  const before = pipeline.status?.conditions?.find((c) => c.type === READY);
  const after = status.conditions?.find((c) => c.type === READY);
  const { namespace = 'default', name = '' } = pipeline.metadata;
  if (status.documentsIndexed !== undefined) domainMetrics.ragIndexDocuments.set({ namespace, name }, status.documentsIndexed);
  if (status.chunksIndexed !== undefined) domainMetrics.ragIndexChunks.set({ namespace, name }, status.chunksIndexed);
  if (!after || (before?.status === after.status && before.reason === after.reason)) return;
  // A rollout in progress is news, not a warning.
  const rollingOut = status.conditions?.some((c) => c.type === 'Progressing' && c.status === 'True');
  event?.(pipeline, after.status === 'True' || rollingOut ? 'Normal' : 'Warning', after.reason, after.message);
}
