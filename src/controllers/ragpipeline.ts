import type { Logger } from 'pino';
import { ragPipelineSpecSchema, type RagPipeline, type RagPipelineSpec, type RagPipelineStatus } from '../api/v1alpha1/ragpipeline.js';
import type { Ingress } from '../higress/types.js';
import { applyIfChanged, pruneOwned } from '../kube/apply.js';
import type { KubeClient } from '../kube/client.js';
import { READY, setCondition, writeStatus, type Condition, type ConditionInput } from '../kube/conditions.js';
import { isConflict, isNotFound, reasonOf } from '../kube/errors.js';
import { addFinalizer, hasFinalizer, isBeingDeleted, removeFinalizer } from '../kube/finalizers.js';
import type { Informer } from '../kube/informer.js';
import { domainMetrics } from '../kube/metrics.js';
import { makeKey, parseKey, type KubeObject } from '../kube/object.js';
import { MANAGED_BY, MANAGED_BY_LABEL, OWNER_KIND_LABEL, ownerOf, type OwnerRef } from '../kube/owner.js';
import { customResource, Resources, type ResourceType } from '../kube/resources.js';
import type { ReconcileResult } from '../kube/controller.js';
import { renderRagPipeline, runtimeReadiness, type DeploymentStatusView, type PlainObject, type RagRender } from '../reconcilers/ragpipeline.js';
import { CachesNotSyncedError, type EventSink, type ModelPoolObject } from './modelpool.js';
import { ragPipelineResource } from './resources.js';
import type { RuntimeProbe } from './ragpipeline-runtime.js';

/**
 * The RagPipeline controller: applies what the pure reconciler renders, and reports status from observed
 * objects only. Readiness comes from the Deployment's status as the deployment controller wrote it
 * (availableReplicas), never from a write having been sent; tools and index stats are read from the
 * runtime itself once it is available (best effort, through {@link RuntimeProbe}).
 */

const KIND = 'RagPipeline';
export const PROGRESSING = 'Progressing';
export const EXPOSED = 'Exposed';
/** Stats are polled this often while a runtime is available. */
const STATS_PERIOD_MS = 30_000;

export type RagPipelineObject = RagPipeline & KubeObject;
export type WorkloadObject = PlainObject & { status?: Record<string, unknown> };
export type IngressObject = Ingress & KubeObject;

export const Deployments: ResourceType = customResource('apps', 'v1', 'Deployment', 'deployments');
export const PersistentVolumeClaims: ResourceType = customResource('', 'v1', 'PersistentVolumeClaim', 'persistentvolumeclaims');
/** Selects only what this controller generates, so its informers never cache a cluster's worth of objects. */
export const ragOwnedSelector = `${MANAGED_BY_LABEL}=${MANAGED_BY},${OWNER_KIND_LABEL}=${KIND}`;

/** Where a pipeline's runtime actually answers, when it is not the in-cluster Service (local-process mode). */
export interface RuntimeLocator {
  /** MCP endpoint to report and probe, or undefined to use the in-cluster one. */
  endpointFor(pipeline: RagPipelineObject, render: RagRender): Promise<string | undefined>;
  /** True when this locator, not a Deployment, decides availability. */
  readonly replacesDeployment: boolean;
  release(owner: OwnerRef): Promise<void>;
  documentsIndexed?(owner: OwnerRef): number | undefined;
  stopAll?(): Promise<void>;
}

export interface RagPipelineControllerDeps {
  client: KubeClient;
  pipelines: Informer<RagPipelineObject>;
  deployments: Informer<WorkloadObject>;
  configMaps: Informer<WorkloadObject>;
  services: Informer<WorkloadObject>;
  pvcs: Informer<WorkloadObject>;
  ingresses: Informer<IngressObject>;
  pools: Informer<ModelPoolObject>;
  log: Logger;
  defaultImage?: string;
  probe?: RuntimeProbe;
  locator?: RuntimeLocator;
  /** Kubernetes Events on the pipeline (Ready, and each new failure reason); deduplicated by the recorder. */
  event?: EventSink;
}

export class RagPipelineController {
  constructor(private readonly deps: RagPipelineControllerDeps) {}

  async reconcile(key: string): Promise<ReconcileResult | void> {
    try {
      return await this.reconcilePipeline(key);
    } catch (err) {
      // Our cached copy is stale; the watch event carrying the newer state requeues the key.
      if (isNotFound(err) || isConflict(err)) {
        this.deps.log.debug({ key, reason: reasonOf(err) }, 'stale cache; waiting for the next event');
        return;
      }
      throw err;
    }
  }

  /** The pipeline a generated object belongs to. */
  static ownerKey(obj: KubeObject): string[] {
    const owner = ownerOf(obj);
    return owner && owner.kind === KIND ? [makeKey(owner.namespace, owner.name)] : [];
  }

  /** Pipelines whose LLM or embedding model lives in this ModelPool. */
  pipelinesUsingPool(pool: ModelPoolObject): string[] {
    const ns = pool.metadata.namespace ?? 'default';
    return this.deps.pipelines.store
      .byNamespace(ns)
      .filter((p) => p.spec.llm?.pool === pool.metadata.name || p.spec.embedding?.model?.pool === pool.metadata.name)
      .map((p) => makeKey(ns, p.metadata.name));
  }

  private async reconcilePipeline(key: string): Promise<ReconcileResult | void> {
    const { client } = this.deps;
    const pipeline = this.deps.pipelines.store.get(key);
    if (!pipeline) return;
    const { namespace = 'default', name } = parseKey(key);
    const owner: OwnerRef = { kind: KIND, namespace, name };
    // Absence read from a cache that has not listed yet is not absence: an Ingress would be left behind on
    // delete, objects re-applied needlessly, and ModelPool refs reported missing.
    const caches = [this.deps.ingresses, this.deps.deployments, this.deps.configMaps, this.deps.services, this.deps.pvcs, this.deps.pools];
    if (!caches.every((i) => i.hasSynced())) throw new CachesNotSyncedError('object caches have not synced yet; the pipeline waits');
    if (isBeingDeleted(pipeline)) return this.finalize(pipeline, owner);
    const current = hasFinalizer(pipeline) ? pipeline : await addFinalizer(client, ragPipelineResource, pipeline);

    const parsed = ragPipelineSpecSchema.safeParse(current.spec);
    if (!parsed.success) {
      const message = parsed.error.issues.map((i) => `spec.${i.path.join('.')}: ${i.message}`).join('; ');
      await this.writePipelineStatus(current, {}, [{ type: READY, status: 'False', reason: 'InvalidSpec', message }]);
      return;
    }
    const spec = parsed.data;
    const render = renderRagPipeline({ ...current, spec }, this.deps.defaultImage ? { defaultImage: this.deps.defaultImage } : {});
    const applyError = await this.applyAll(render, owner);

    const deployment = this.deps.deployments.store.get(makeKey(namespace, render.deployment.metadata.name));
    const exposed = this.deps.ingresses.store.get(makeKey(render.gatewayNamespace, render.ingress.metadata.name));
    const locator = this.deps.locator;
    const localEndpoint = locator ? await locator.endpointFor(current, render) : undefined;
    const endpoint = localEndpoint ?? render.endpoint;

    let readiness = runtimeReadiness(spec.replicas, deploymentView(deployment));
    if (locator?.replacesDeployment) {
      const message = localEndpoint ? `runtime runs as a local process at ${localEndpoint}` : 'local runtime process is not running';
      const reason = localEndpoint ? 'LocalProcess' : 'LocalProcessNotRunning';
      readiness = {
        ready: { type: READY, status: localEndpoint ? 'True' : 'False', reason, message },
        progressing: { type: PROGRESSING, status: 'False', reason, message },
        replicas: localEndpoint ? '1/1' : '0/1',
      };
    }
    let ready: ConditionInput = readiness.ready;
    const refError = this.modelRefError(namespace, spec);
    if (refError) ready = { type: READY, status: 'False', ...refError };
    if (applyError) ready = { type: READY, status: 'False', ...applyError };

    const stats: Partial<RagPipelineStatus> = {};
    let result: ReconcileResult | void = undefined;
    if (readiness.ready.status === 'True' && this.deps.probe) {
      const info = await this.deps.probe.probe(endpoint);
      if (info) {
        stats.discoveredTools = info.tools;
        const documents = info.documents ?? locator?.documentsIndexed?.(owner);
        if (documents !== undefined) stats.documentsIndexed = documents;
        if (info.chunks !== undefined) {
          stats.chunksIndexed = info.chunks;
          // The runtime knows when it indexed; older runtimes do not say, so a change of count stands in.
          if (info.lastIndexedTime) stats.lastIndexedTime = info.lastIndexedTime;
          else if (info.chunks !== current.status?.chunksIndexed) stats.lastIndexedTime = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
        }
        if (info.lastEval) stats.lastEval = info.lastEval;
      } else if (ready.status === 'True') {
        ready = { type: READY, status: 'False', reason: 'RuntimeUnreachable', message: `MCP endpoint ${endpoint} did not answer tools/list` };
      }
      result = { requeueAfterMs: STATS_PERIOD_MS };
    }

    const exposedCondition: ConditionInput = exposed
      ? { type: EXPOSED, status: 'True', reason: 'IngressPresent', message: `MCP endpoint served on the gateway at ${render.gatewayPath} (Ingress ${render.gatewayNamespace}/${render.ingress.metadata.name})` }
      : { type: EXPOSED, status: 'False', reason: 'IngressPending', message: `waiting for Ingress ${render.gatewayNamespace}/${render.ingress.metadata.name}` };
    await this.writePipelineStatus(
      current,
      {
        replicas: readiness.replicas,
        endpoint,
        gatewayPath: render.gatewayPath,
        generatedObjects: render.generatedObjects,
        ...stats,
      },
      [ready, readiness.progressing, exposedCondition],
    );
    this.deps.log.debug({ pipeline: key, ready: ready.status, reason: ready.reason }, 'reconciled RagPipeline');
    return result;
  }

  /** Apply every rendered object; the first failure becomes the Ready reason (the others are still tried). */
  private async applyAll(render: RagRender, owner: OwnerRef): Promise<{ reason: string; message: string } | undefined> {
    const { client } = this.deps;
    const ns = owner.namespace;
    const items: [ResourceType, KubeObject, Informer<KubeObject>][] = [
      [Resources.ConfigMap, render.configMap, this.deps.configMaps as unknown as Informer<KubeObject>],
      ...(render.pvc ? [[PersistentVolumeClaims, render.pvc, this.deps.pvcs as unknown as Informer<KubeObject>] as [ResourceType, KubeObject, Informer<KubeObject>]] : []),
      [Deployments, render.deployment, this.deps.deployments as unknown as Informer<KubeObject>],
      [Resources.Service, render.service, this.deps.services as unknown as Informer<KubeObject>],
      [Resources.Ingress, render.ingress as IngressObject, this.deps.ingresses as unknown as Informer<KubeObject>],
    ];
    let error: { reason: string; message: string } | undefined;
    for (const [rt, desired, informer] of items) {
      const objNs = desired.metadata.namespace ?? ns;
      const observed = informer.store.get(makeKey(objNs, desired.metadata.name ?? ''));
      try {
        await applyIfChanged(client, rt, desired, { observed, trustObservedAbsence: true });
      } catch (err) {
        error ??= { reason: `${rt.kind}${reasonOf(err)}`, message: `${rt.kind} ${objNs}/${desired.metadata.name}: ${err instanceof Error ? err.message : String(err)}` };
      }
    }
    // A moved gateway namespace (or renamed path) leaves an Ingress behind elsewhere.
    const stale = this.ownedIngresses(owner).filter((i) => i.metadata.namespace !== render.gatewayNamespace || i.metadata.name !== render.ingress.metadata.name);
    for (const i of stale) await pruneOwned(client, Resources.Ingress, i.metadata.namespace ?? '', owner, new Set(), [i]);
    return error;
  }

  private modelRefError(namespace: string, spec: RagPipelineSpec): { reason: string; message: string } | undefined {
    const refs = [
      ...(spec.llm ? [{ use: 'llm', ...spec.llm }] : []),
      ...(spec.embedding.type === 'model' && spec.embedding.model ? [{ use: 'embedding', ...spec.embedding.model }] : []),
    ];
    for (const ref of refs) {
      const pool = this.deps.pools.store.get(makeKey(namespace, ref.pool));
      if (!pool) return { reason: 'ModelPoolNotFound', message: `${ref.use}: ModelPool ${namespace}/${ref.pool} not found` };
      const names = [...pool.spec.models.map((m) => m.name), ...(pool.spec.alias ? [pool.spec.alias] : [])];
      if (!names.includes(ref.model)) return { reason: 'ModelNotInPool', message: `${ref.use}: ModelPool ${ref.pool} has no model ${ref.model}` };
    }
    return undefined;
  }

  private async finalize(pipeline: RagPipelineObject, owner: OwnerRef): Promise<void> {
    if (!hasFinalizer(pipeline)) return;
    // Objects in the pipeline's namespace carry ownerReferences: garbage collection removes them.
    for (const i of this.ownedIngresses(owner)) await pruneOwned(this.deps.client, Resources.Ingress, i.metadata.namespace ?? '', owner, new Set(), [i]);
    await this.deps.locator?.release(owner);
    await removeFinalizer(this.deps.client, ragPipelineResource, pipeline);
  }

  private ownedIngresses(owner: OwnerRef): IngressObject[] {
    return this.deps.ingresses.store.list().filter((i) => {
      const o = ownerOf(i);
      return o !== undefined && o.kind === owner.kind && o.namespace === owner.namespace && o.name === owner.name;
    });
  }

  private async writePipelineStatus(pipeline: RagPipelineObject, parts: Partial<RagPipelineStatus>, conditions: ConditionInput[]): Promise<void> {
    const generation = pipeline.metadata.generation;
    let list = pipeline.status?.conditions as Condition[] | undefined;
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
    this.recordTransition(pipeline, status);
    await writeStatus(this.deps.client, ragPipelineResource, pipeline, status);
  }

  /** An Event when Ready turns True, or turns/stays False for a new reason (as the ModelPool controller does). */
  private recordTransition(pipeline: RagPipelineObject, status: RagPipelineStatus): void {
    const before = pipeline.status?.conditions?.find((c) => c.type === READY);
    const after = status.conditions?.find((c) => c.type === READY);
    const { namespace = 'default', name = '' } = pipeline.metadata;
    if (status.documentsIndexed !== undefined) domainMetrics.ragIndexDocuments.set({ namespace, name }, status.documentsIndexed);
    if (status.chunksIndexed !== undefined) domainMetrics.ragIndexChunks.set({ namespace, name }, status.chunksIndexed);
    if (!after || (before?.status === after.status && before.reason === after.reason)) return;
    // A rollout in progress is news, not a warning.
    const rollingOut = status.conditions?.some((c) => c.type === PROGRESSING && c.status === 'True');
    this.deps.event?.(pipeline, after.status === 'True' || rollingOut ? 'Normal' : 'Warning', after.reason, after.message);
  }
}

function deploymentView(d: WorkloadObject | undefined): DeploymentStatusView | undefined {
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
