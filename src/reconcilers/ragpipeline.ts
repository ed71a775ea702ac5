import type { GeneratedObject } from '../api/v1alpha1/common.js';
import type { RagPipeline, RagPipelineSpec } from '../api/v1alpha1/ragpipeline.js';
import type { EncoderVolume } from '../api/v1alpha1/encoder.js';
import { buildMcpServerIngress, mcpServerPath } from '../higress/console/mcp-server.js';
import { consoleName } from '../higress/console/meta.js';
import type { Ingress } from '../higress/types.js';
import { RUNTIME_DOCUMENTS, type EnvVar, type Volume, type VolumeMount } from '../contracts/kubernetes/index.js';
import {
  CHECKSUM_ANNOTATION,
  configChecksum,
  DEFAULT_RUNTIME_IMAGE,
  encoderMount,
  generatedObjectOf,
  renderWorkload,
  type WorkloadObjects,
} from './workload.js';
import type { ConditionInput } from '../kube/conditions.js';
import type { KubeObject } from '../kube/object.js';
import { ownerAnnotations, ownerLabels, type OwnerRef } from '../kube/owner.js';
import { RAG_CONFIG_VERSION, RAG_DEFAULTS, ragConfigSchema, type RagConfig, type RagConfigInput, type RagSource } from '../rag/config.js';

/**
 * RagPipeline → Kubernetes objects, as pure functions.
 *
 * In the pipeline's namespace: a ConfigMap holding the rendered runtime document (`src/rag/config.ts`, the one
 * typed contract between operator and runtime: settings, sources, eval set), a Deployment whose pod template carries a
 * checksum of that ConfigMap (a config change rolls the pods), a Service, and a PVC for the embedded store —
 * all with an ownerReference (same namespace, so garbage collection removes them) and owner labels. In the
 * gateway namespace: a DIRECT_ROUTE MCP server as the Higress console writes it (Ingress
 * `mcp-server-<n>.internal`, src/higress/console/mcp-server.ts), owned through labels and the finalizer
 * because ownerReferences cannot cross namespaces.
 */

export const RAG_PORT = 8080;
export const CONFIG_KEY = RUNTIME_DOCUMENTS.rag.key;
/** Where the eval-set key is mounted; the document names the file, the runtime reads it from there. */
export const EVAL_MOUNT = '/eval';
export const EVAL_FILE = 'eval.json';
export const CONFIG_MOUNT = '/etc/rag';
export const DATA_MOUNT = '/var/lib/rag';
/** spec.embedding.encoder's volume, read-only. */
export const ENCODER_MOUNT = '/var/lib/rag-encoder';
export { CHECKSUM_ANNOTATION, configChecksum };
export const MILVUS_USERNAME_ENV = 'RAG_MILVUS_USERNAME';
export const MILVUS_PASSWORD_ENV = 'RAG_MILVUS_PASSWORD';
export const INGEST_TOKEN_ENV = 'RAG_INGEST_TOKEN';
export const DEFAULT_RAG_IMAGE = DEFAULT_RUNTIME_IMAGE;
const APP_NAME = 'higress-ai-rag';
const KIND = 'RagPipeline';

export interface RagRenderOptions {
  /** Image when the spec names none. */
  defaultImage?: string;
}

/** A built-in object as the controller observes it (informer side); what we emit is typed by src/contracts/kubernetes. */
export interface PlainObject extends KubeObject {
  apiVersion: string;
  kind: string;
  metadata: KubeObject['metadata'] & { name: string; namespace: string };
  data?: Record<string, string>;
  spec?: Record<string, unknown>;
}

/** The workload objects; `pvc` is absent when the store is external (Milvus). */
export interface RagRender extends WorkloadObjects {
  owner: OwnerRef;
  gatewayNamespace: string;
  /** The runtime config document written into the ConfigMap (fully defaulted). */
  config: RagConfig;
  ingress: Ingress;
  /** In-cluster MCP endpoint (Streamable HTTP). */
  endpoint: string;
  /** Path of the MCP endpoint on the gateway. */
  gatewayPath: string;
  generatedObjects: GeneratedObject[];
}

export const objectNames = (name: string) => ({ workload: `${name}-rag`, data: `${name}-rag-data` });

/** Console MCP server name `<n>` of a pipeline: Ingress `mcp-server-<n>.internal`. */
export function mcpServerNameOf(p: Pick<RagPipeline, 'metadata'>): string {
  return consoleName([p.metadata.namespace ?? 'default', p.metadata.name]);
}

/** Gateway path of the MCP endpoint: the spec's, else the console's `/mcp-servers/<server>` form. */
export function gatewayPathOf(p: Pick<RagPipeline, 'metadata' | 'spec'>): string {
  return p.spec.gateway.path ?? mcpServerPath(mcpServerNameOf(p));
}

/** Where the runtime reaches ModelPool models: the gateway, which routes on the body's `model`. */
export function modelGatewayUrl(spec: RagPipelineSpec): string {
  return spec.gateway.url ?? `http://higress-gateway.${spec.gateway.namespace}.svc.cluster.local/v1`;
}

/** A spec source as the runtime reads it (src/rag/config.ts `ragSourceSchema`); CEL guarantees the field of its type. */
function runtimeSource(s: NonNullable<RagPipelineSpec['sources']>[number]): RagSource[] {
  if (s.type === 'inline' && s.documents) return [{ name: s.name, type: 'inline', documents: s.documents }];
  if (s.type === 'configMap' && s.configMap) return [{ name: s.name, type: 'configMap', configMap: s.configMap }];
  if (s.type === 'url' && s.url) return [{ name: s.name, type: 'url', url: s.url }];
  if (s.type === 'pvc' && s.pvc) return [{ name: s.name, type: 'pvc', pvc: s.pvc }];
  return [];
}

const ragEncoder = (e: EncoderVolume) => encoderMount(e, 'encoder', ENCODER_MOUNT);

/**
 * The runtime document for a pipeline. Only what the spec says is passed on; every default is the runtime
 * schema's (src/rag/config.ts `RAG_DEFAULTS`), and parsing through it makes the document valid by
 * construction.
 */
export function renderRagConfig(spec: RagPipelineSpec): RagConfig {
  const gateway = modelGatewayUrl(spec);
  const stages = spec.stages ?? {};
  const dimensions = spec.embedding.dimensions ?? RAG_DEFAULTS.hashingDimensions;
  const input: RagConfigInput = {
    version: RAG_CONFIG_VERSION,
    server: { host: '0.0.0.0', port: RAG_PORT },
    store:
      spec.store.type === 'milvus' && spec.store.milvus
        ? {
            kind: 'milvus',
            address: spec.store.milvus.address,
            ...(spec.store.milvus.collection ? { collection: spec.store.milvus.collection } : {}),
            ...(spec.store.milvus.secretRef ? { usernameEnv: MILVUS_USERNAME_ENV, passwordEnv: MILVUS_PASSWORD_ENV } : {}),
          }
        : { kind: 'lancedb', path: `${DATA_MOUNT}/lancedb` },
    ...(spec.chunking ? { chunking: spec.chunking } : {}),
    embedding:
      spec.embedding.type === 'model' && spec.embedding.model
        ? { kind: 'openai', baseUrl: gateway, model: spec.embedding.model.model, dimensions }
        : spec.embedding.type === 'encoder' && spec.embedding.encoder
          ? { kind: 'onnx', modelDir: ragEncoder(spec.embedding.encoder).modelDir }
          : { kind: 'hashing', dimensions },
    ...(spec.llm ? { llm: { baseUrl: gateway, model: spec.llm.model } } : {}),
    ...(spec.webSearch ? { webSearch: { url: spec.webSearch.url, topK: spec.webSearch.topK } } : {}),
    stages: {
      rewrite: { ...stages.rewrite, variant: spec.llm ? 'llm' : 'heuristic' },
      ...(stages.retrieve
        ? { retrieve: { variant: stages.retrieve.mode, candidatesPerList: stages.retrieve.candidatesPerList, rrfK: stages.retrieve.rrfK } }
        : {}),
      ...(stages.rerank ? { rerank: stages.rerank } : {}),
      ...(stages.crag ? { crag: stages.crag } : {}),
      // minPassageScore is left to the runtime, which keeps it equal to crag.lower.
      ...(stages.compress ? { compress: stages.compress } : {}),
    },
    topK: spec.topK,
    sources: { mountRoot: RAG_DEFAULTS.sourcesMountRoot, items: (spec.sources ?? []).flatMap(runtimeSource) },
    ...(spec.eval ? { eval: { path: `${EVAL_MOUNT}/${EVAL_FILE}` } } : {}),
    ingest: { enabled: spec.ingest?.enabled ?? false, ...(spec.ingest?.tokenSecretRef ? { tokenEnv: INGEST_TOKEN_ENV } : {}) },
  };
  return ragConfigSchema.parse(input);
}

export function renderRagPipeline(pipeline: RagPipeline, options: RagRenderOptions = {}): RagRender {
  const ns = pipeline.metadata.namespace ?? 'default';
  const name = pipeline.metadata.name;
  const { spec } = pipeline;
  const owner: OwnerRef = { kind: KIND, namespace: ns, name };
  const names = objectNames(name);
  const config = renderRagConfig(spec);
  const embedded = spec.store.type === 'lancedb';

  const env: EnvVar[] = [];
  const secretRef = spec.store.type === 'milvus' ? spec.store.milvus?.secretRef : undefined;
  if (secretRef) {
    env.push({ name: MILVUS_USERNAME_ENV, valueFrom: { secretKeyRef: { name: secretRef.name, key: secretRef.usernameKey } } });
    env.push({ name: MILVUS_PASSWORD_ENV, valueFrom: { secretKeyRef: { name: secretRef.name, key: secretRef.passwordKey } } });
  }
  const ingestToken = spec.ingest?.tokenSecretRef;
  if (ingestToken) env.push({ name: INGEST_TOKEN_ENV, valueFrom: { secretKeyRef: { name: ingestToken.name, key: ingestToken.key } } });
  const volumes: Volume[] = [];
  const mounts: VolumeMount[] = [];
  for (const s of spec.sources ?? []) {
    // The runtime reads mounted sources itself (src/rag/sources.ts), at <sources.mountRoot>/<source name>.
    if (s.type === 'configMap' && s.configMap) {
      const items = s.configMap.key ? { items: [{ key: s.configMap.key, path: s.configMap.key }] } : {};
      volumes.push({ name: `src-${s.name}`, configMap: { name: s.configMap.name, ...items } });
      mounts.push({ name: `src-${s.name}`, mountPath: `${config.sources.mountRoot}/${s.name}`, readOnly: true });
      continue;
    }
    if (s.type !== 'pvc' || !s.pvc) continue;
    volumes.push({ name: `src-${s.name}`, persistentVolumeClaim: { claimName: s.pvc.claimName, readOnly: true } });
    const subPath = s.pvc.path.replace(/^\/+|\/+$/g, '');
    // An empty subPath is dropped by the API server; emitting it would read as drift forever.
    mounts.push({ name: `src-${s.name}`, mountPath: `${config.sources.mountRoot}/${s.name}`, ...(subPath ? { subPath } : {}), readOnly: true });
  }
  if (spec.embedding.type === 'encoder' && spec.embedding.encoder) {
    const { volume, mount } = ragEncoder(spec.embedding.encoder);
    volumes.push(volume);
    mounts.push(mount);
  }
  if (spec.eval) {
    // The runtime runs the eval set the document names (`eval.path`) after indexing and reports it.
    volumes.push({ name: 'eval', configMap: { name: spec.eval.configMap.name, items: [{ key: spec.eval.configMap.key, path: EVAL_FILE }] } });
    mounts.push({ name: 'eval', mountPath: EVAL_MOUNT, readOnly: true });
  }
  const { objects, serviceHost } = renderWorkload(
    { ref: owner, uid: pipeline.metadata.uid, appName: APP_NAME, names },
    {
      config: { key: CONFIG_KEY, document: config, mount: CONFIG_MOUNT, pathEnv: 'RAG_CONFIG' },
      data: embedded
        ? { accessMode: 'ReadWriteOnce', size: spec.store.lancedb?.size ?? '1Gi', storageClassName: spec.store.lancedb?.storageClassName, mount: DATA_MOUNT }
        : undefined,
      container: {
        name: 'rag',
        image: spec.image ?? options.defaultImage ?? DEFAULT_RAG_IMAGE,
        args: ['rag'],
        env,
        ports: [{ name: 'http', port: RAG_PORT }],
        probePort: 'http',
        ...(spec.resources ? { resources: spec.resources } : {}),
      },
      volumes,
      mounts,
      replicas: spec.replicas,
      // Two pods must never hold the embedded store's RWO volume at once.
      recreate: embedded,
    },
  );

  const gw = spec.gateway.namespace;
  const path = gatewayPathOf(pipeline);
  // A DIRECT_ROUTE MCP server as the console writes it, so the console and HiMarket list it; only
  // `higress.io/rewrite-path` brings the gateway path to the runtime's own /mcp (issue 7 finding 1).
  const ingress = buildMcpServerIngress({
    namespace: gw,
    server: mcpServerNameOf(pipeline),
    type: 'DIRECT_ROUTE',
    ingressClassName: spec.gateway.ingressClassName,
    domains: spec.gateway.hosts ?? [],
    path,
    destination: `${serviceHost}:${RAG_PORT}`,
    description: `RagPipeline ${ns}/${name}`,
    direct: { path: '/mcp', transport: 'streamable', upstreamHost: serviceHost },
    labels: ownerLabels(owner),
    annotations: ownerAnnotations(owner),
  });

  return {
    owner,
    gatewayNamespace: gw,
    config,
    ...objects,
    ingress,
    endpoint: `http://${serviceHost}:${RAG_PORT}/mcp`,
    gatewayPath: path,
    generatedObjects: [objects.configMap, ...(objects.pvc ? [objects.pvc] : []), objects.deployment, objects.service, ingress].map(generatedObjectOf),
  };
}

/** The Deployment status fields readiness is read from (written by the deployment controller). */
export interface DeploymentStatusView {
  generation?: number | undefined;
  observedGeneration?: number | undefined;
  replicas?: number | undefined;
  updatedReplicas?: number | undefined;
  availableReplicas?: number | undefined;
}

export interface Readiness {
  ready: ConditionInput;
  progressing: ConditionInput;
  /** `available/desired`, for the printer column. */
  replicas: string;
}

/**
 * Ready/Progressing from what the deployment controller reported, never from a write having been sent: a
 * Deployment nobody has observed yet (no controller, or just created) is Progressing, not Ready. Pure.
 */
export function runtimeReadiness(desiredReplicas: number, observed: DeploymentStatusView | undefined): Readiness {
  const available = observed?.availableReplicas ?? 0;
  const replicas = `${available}/${desiredReplicas}`;
  const progressing = (reason: string, message: string): Readiness => ({
    ready: { type: 'Ready', status: 'False', reason, message },
    progressing: { type: 'Progressing', status: 'True', reason, message },
    replicas,
  });
  if (!observed) return progressing('DeploymentMissing', 'runtime Deployment not created yet');
  if (observed.observedGeneration === undefined || (observed.generation !== undefined && observed.observedGeneration < observed.generation)) {
    return progressing(
      'RolloutNotObserved',
      `Deployment generation ${observed.generation ?? '?'} not yet observed by the deployment controller (observed ${observed.observedGeneration ?? 'none'})`,
    );
  }
  if (desiredReplicas === 0) {
    const message = 'replicas is 0: the runtime is scaled down';
    return {
      ready: { type: 'Ready', status: 'False', reason: 'ScaledToZero', message },
      progressing: { type: 'Progressing', status: 'False', reason: 'ScaledToZero', message },
      replicas,
    };
  }
  const updated = observed.updatedReplicas ?? 0;
  if (updated < desiredReplicas) return progressing('RollingOut', `${updated}/${desiredReplicas} replicas run the current config`);
  if (available < desiredReplicas) return progressing('ReplicasUnavailable', `${available}/${desiredReplicas} replicas available`);
  const message = `${available}/${desiredReplicas} replicas available`;
  return {
    ready: { type: 'Ready', status: 'True', reason: 'Available', message },
    progressing: { type: 'Progressing', status: 'False', reason: 'RolloutComplete', message },
    replicas,
  };
}
