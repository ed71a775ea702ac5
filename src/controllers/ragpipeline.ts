import type { Logger } from 'pino';
import { ragPipelineSpecSchema, type RagPipeline, type RagPipelineStatus } from '../api/v1alpha1/ragpipeline.js';
import type { Ingress } from '../higress/types.js';
import { applyIfChanged, pruneOwned } from '../kube/apply.js';
import type { KubeClient } from '../kube/client.js';
import { READY } from '../kube/conditions.js';
import { reasonOf } from '../kube/errors.js';
import { addFinalizer, hasFinalizer, isBeingDeleted, removeFinalizer } from '../kube/finalizers.js';
import type { Informer } from '../kube/informer.js';
import { makeKey, parseKey, type KubeObject } from '../kube/object.js';
import { MANAGED_BY, MANAGED_BY_LABEL, OWNER_KIND_LABEL, ownerKeyFor, ownerOf, type OwnerRef } from '../kube/owner.js';
import { Resources, type ResourceType } from '../kube/resources.js';
import type { ReconcileResult } from '../kube/controller.js';
import { gatewayNamespaceNotServed } from '../reconcilers/gateway-namespace.js';
import { renderRagPipeline, type PlainObject, type RagRender } from '../reconcilers/ragpipeline.js';
import { ragPipelineStatus, ragRuntimeReadiness } from '../reconcilers/ragpipeline-status.js';
import { tolerateStaleCache } from '../kube/stale-cache.js';
import { requireListed, type EventSink, type ModelPoolObject } from './modelpool.js';
import { ragPipelineResource } from './resources.js';
import type { GatewayMcpSwitch } from './ragpipeline-mcp.js';
import { deploymentView, modelRefError, writePipelineStatus } from './ragpipeline-status.js';
import { ragMountedRefs, ragMountedRefsOf, type MountedKind } from '../reconcilers/mounted-refs.js';
import { mountedRefError, mountsListed, primariesMounting, type MountedCaches } from './workload-mounts.js';
import { WorkloadDeployments } from './workload-deployment.js';
import type { RuntimeProbe } from './ragpipeline-runtime.js';
import { errorMessage } from '../util/errors.js';

/**
 * The RagPipeline controller: applies what the pure reconciler renders, and reports status from observed
 * objects only. Readiness comes from the Deployment's status as the deployment controller wrote it
 * (availableReplicas), never from a write having been sent; tools and index stats are read from the
 * runtime itself once it is available (best effort, through {@link RuntimeProbe}).
 */

const KIND = 'RagPipeline';
export { EXPOSED, PROGRESSING } from '../reconcilers/ragpipeline-status.js';
/** Stats are polled this often while a runtime is available. */
const STATS_PERIOD_MS = 30_000;

export type RagPipelineObject = RagPipeline & KubeObject;
export type WorkloadObject = PlainObject & { status?: Record<string, unknown> };
export type IngressObject = Ingress & KubeObject;

export const Deployments: ResourceType = Resources.Deployment;
export const PersistentVolumeClaims: ResourceType = Resources.PersistentVolumeClaim;
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
  /** What the pipelines' pods need besides their own objects (Secrets, ConfigMaps, claims), one name-scoped watch each. */
  mounted: MountedCaches;
  log: Logger;
  defaultImage?: string;
  probe?: RuntimeProbe;
  locator?: RuntimeLocator;
  /** Kubernetes Events on the pipeline (Ready, and each new failure reason); deduplicated by the recorder. */
  event?: EventSink;
  /** Reads (and, opted in, sets) `higress-config` mcpServer.enable for condition GatewayMcp. */
  mcpSwitch?: GatewayMcpSwitch;
  /** The one gateway namespace the caches cover (src/kube/manager.ts gatewayNamespace); undefined = all. */
  servedGatewayNamespace?: string | undefined;
}

export class RagPipelineController {
  private readonly deployments: WorkloadDeployments;

  constructor(private readonly deps: RagPipelineControllerDeps) {
    this.deployments = new WorkloadDeployments(deps.client);
  }

  reconcile(key: string): Promise<ReconcileResult | void> {
    return tolerateStaleCache(this.deps.log, key, () => this.reconcilePipeline(key));
  }

  /** The pipeline a generated object belongs to. */
  static readonly ownerKey = ownerKeyFor(KIND);

  /** Pipelines whose LLM or embedding model lives in this ModelPool. */
  pipelinesUsingPool(pool: ModelPoolObject): string[] {
    const ns = pool.metadata.namespace ?? 'default';
    return this.deps.pipelines.store
      .byNamespace(ns)
      .filter((p) => p.spec.llm?.pool === pool.metadata.name || p.spec.embedding?.model?.pool === pool.metadata.name)
      .map((p) => makeKey(ns, p.metadata.name));
  }

  /** Pipelines whose pods need this Secret, ConfigMap or claim (it appeared, changed or went away). */
  pipelinesMounting(kind: MountedKind, o: KubeObject): string[] {
    return primariesMounting(this.deps.pipelines.store.byNamespace(o.metadata.namespace ?? 'default'), ragMountedRefsOf, kind, o);
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
    requireListed(caches, 'the pipeline');
    if (isBeingDeleted(pipeline)) return this.finalize(pipeline, owner);
    const current = hasFinalizer(pipeline) ? pipeline : await addFinalizer(client, ragPipelineResource, pipeline);

    const parsed = ragPipelineSpecSchema.safeParse(current.spec);
    if (!parsed.success) {
      const message = parsed.error.issues.map((i) => `spec.${i.path.join('.')}: ${i.message}`).join('; ');
      await writePipelineStatus(this.deps.client, this.deps.event, current, {}, [{ type: READY, status: 'False', reason: 'InvalidSpec', message }]);
      return;
    }
    const spec = parsed.data;
    const notServed = gatewayNamespaceNotServed(spec.gateway.namespace, this.deps.servedGatewayNamespace, 'pipeline');
    if (notServed) {
      await this.pruneIngresses(owner, () => true); // moved out of the served gateway namespace: its MCP route there goes
      return writePipelineStatus(this.deps.client, this.deps.event, current, {}, [notServed]);
    }
    // Not listed yet: wait (onSynced enqueues us) rather than report an object missing that is only unread.
    const mountRefs = ragMountedRefs(spec);
    if (!mountsListed(this.deps.mounted, mountRefs, namespace)) return;
    const mountError = mountedRefError(this.deps.mounted, mountRefs, namespace);
    const render = renderRagPipeline({ ...current, spec }, this.deps.defaultImage ? { defaultImage: this.deps.defaultImage } : {});
    const heldBy = await this.mcpIngressHolder(render, owner, current.status);
    const applyError = await this.applyAll(render, owner, heldBy !== undefined);

    const deployment = this.deps.deployments.store.get(makeKey(namespace, render.deployment.metadata.name));
    const locator = this.deps.locator;
    // As the kubelet would not start the pod, a local runtime is not started without what it mounts.
    const localEndpoint = locator && !mountError ? await locator.endpointFor(current, render) : undefined;
    const endpoint = localEndpoint ?? render.endpoint;
    const readiness = ragRuntimeReadiness(spec.replicas, deploymentView(deployment), locator?.replacesDeployment ? { endpoint: localEndpoint } : undefined);
    // Tools and index stats are read from the runtime once it is available (best effort).
    const probed =
      readiness.ready.status === 'True' && this.deps.probe
        ? { stats: await this.deps.probe.probe(endpoint), documentsFallback: locator?.documentsIndexed?.(owner) }
        : undefined;
    const { parts, conditions } = ragPipelineStatus({
      render,
      readiness,
      endpoint,
      refError: mountError ?? modelRefError(this.deps.pools, namespace, spec),
      applyError,
      heldBy,
      exposed: this.deps.ingresses.store.get(makeKey(render.gatewayNamespace, render.ingress.metadata.name)) !== undefined,
      ...(probed ? { probe: probed } : {}),
      previousChunks: current.status?.chunksIndexed,
      now: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
      gatewayMcp: this.deps.mcpSwitch ? await this.deps.mcpSwitch.condition(render.gatewayNamespace) : undefined,
    });
    await writePipelineStatus(this.deps.client, this.deps.event, current, parts, conditions);
    const ready = conditions[0]!;
    this.deps.log.debug({ pipeline: key, ready: ready.status, reason: ready.reason }, 'reconciled RagPipeline');
    return probed ? { requeueAfterMs: STATS_PERIOD_MS } : undefined;
  }

  /**
   * Who holds the MCP server's Ingress name when it is not us (issue 10: a console object of one of our names is
   * never overwritten). Ours: it carries our owner mark, or our last status lists it (a console rewrite may drop
   * our labels). Only an Ingress missing from our label-selected cache costs a GET.
   */
  private async mcpIngressHolder(render: RagRender, owner: OwnerRef, status: RagPipelineStatus | undefined): Promise<string | undefined> {
    const { namespace = '', name = '' } = render.ingress.metadata;
    const found = this.deps.ingresses.store.get(makeKey(namespace, name)) ?? (await this.deps.client.get<IngressObject>(Resources.Ingress, name, namespace));
    if (!found) return undefined;
    const o = ownerOf(found);
    if (o) return o.kind === owner.kind && o.namespace === owner.namespace && o.name === owner.name ? undefined : `${o.kind}/${o.namespace}/${o.name}`;
    const generated = (status?.generatedObjects ?? []).some((g) => g.kind === 'Ingress' && g.namespace === namespace && g.name === name && !g.error);
    return generated ? undefined : 'an object we do not own';
  }

  /** Apply every rendered object; the first failure becomes the Ready reason (the others are still tried). */
  private async applyAll(render: RagRender, owner: OwnerRef, skipIngress = false): Promise<{ reason: string; message: string } | undefined> {
    const { client } = this.deps;
    const ns = owner.namespace;
    const items: [ResourceType, KubeObject, Informer<KubeObject>][] = [
      [Resources.ConfigMap, render.configMap, this.deps.configMaps as unknown as Informer<KubeObject>],
      ...(render.pvc
        ? [[PersistentVolumeClaims, render.pvc, this.deps.pvcs as unknown as Informer<KubeObject>] as [ResourceType, KubeObject, Informer<KubeObject>]]
        : []),
      [Deployments, render.deployment, this.deps.deployments as unknown as Informer<KubeObject>],
      [Resources.Service, render.service, this.deps.services as unknown as Informer<KubeObject>],
      ...(skipIngress
        ? []
        : [[Resources.Ingress, render.ingress, this.deps.ingresses as unknown as Informer<KubeObject>] as [ResourceType, KubeObject, Informer<KubeObject>]]),
    ];
    let error: { reason: string; message: string } | undefined;
    for (const [rt, desired, informer] of items) {
      const objNs = desired.metadata.namespace ?? ns;
      const observed = informer.store.get(makeKey(objNs, desired.metadata.name ?? ''));
      try {
        if (rt === Deployments) error ??= await this.deployments.apply(desired, observed, 'spec.embedding.encoder.image');
        else await applyIfChanged(client, rt, desired, { observed, trustObservedAbsence: true });
      } catch (err) {
        error ??= { reason: `${rt.kind}${reasonOf(err)}`, message: `${rt.kind} ${objNs}/${desired.metadata.name}: ${errorMessage(err)}` };
      }
    }
    // A moved gateway namespace (or renamed path) leaves an Ingress behind elsewhere.
    await this.pruneIngresses(owner, (i) => i.metadata.namespace !== render.gatewayNamespace || i.metadata.name !== render.ingress.metadata.name);
    return error;
  }

  private async finalize(pipeline: RagPipelineObject, owner: OwnerRef): Promise<void> {
    if (!hasFinalizer(pipeline)) return;
    // Objects in the pipeline's namespace carry ownerReferences: garbage collection removes them.
    await this.pruneIngresses(owner, () => true);
    await this.deps.locator?.release(owner);
    await removeFinalizer(this.deps.client, ragPipelineResource, pipeline);
  }

  /** Delete the pipeline's MCP-route Ingresses (wherever the caches show them) that `stale` picks. */
  private async pruneIngresses(owner: OwnerRef, stale: (i: IngressObject) => boolean): Promise<void> {
    const ours = this.deps.ingresses.store.list().filter((i) => {
      const o = ownerOf(i);
      return o !== undefined && o.kind === owner.kind && o.namespace === owner.namespace && o.name === owner.name && stale(i);
    });
    for (const i of ours) await pruneOwned(this.deps.client, Resources.Ingress, i.metadata.namespace ?? '', owner, new Set(), [i]);
  }
}
