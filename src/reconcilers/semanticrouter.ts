import type { GeneratedObject } from '../api/v1alpha1/common.js';
import type { ModelPoolSpec } from '../api/v1alpha1/modelpool.js';
import { OBJECTIVE_PRESETS, type SemanticRouter, type SemanticRouterSpec } from '../api/v1alpha1/semanticrouter.js';
import type { OwnerRef } from '../kube/owner.js';
import type { CacheSpec } from '../api/v1alpha1/cache.js';
import type { EncoderVolume } from '../api/v1alpha1/encoder.js';
import type { CacheRuntimeConfig } from '../cache/runtime-config.js';
import { ROUTER_ADMIN_PORT, ROUTER_CONFIG_VERSION, parseRouterConfig, type RouterConfig, type RouterConfigInput } from '../router/config.js';
import { DEFAULT_RAG_IMAGE } from './ragpipeline.js';
import { CHECKSUM_ANNOTATION, encoderMount, generatedObjectOf, renderWorkload, type WorkloadObjects } from './workload.js';
import { RUNTIME_DOCUMENTS, type EnvVar, type PersistentVolumeClaim, type Volume, type VolumeMount } from '../contracts/kubernetes/index.js';
import type { RouteAuthConfig } from '../higress/console/ai-route.js';
import { renderRouterGateway, type RouterGatewayRender } from './semanticrouter-gateway.js';

/**
 * SemanticRouter → objects, as pure functions of the spec and the ModelPool it names.
 *
 * In the router's namespace: a ConfigMap with the router's versioned config document (src/router/config.ts,
 * the one contract between operator and runtime), a Deployment whose pod template carries the checksum of
 * that ConfigMap (a spec or pool change rolls the pods), a Service, and a PVC for the flywheel SQLite store
 * and the model versions (binary snapshots, never in a ConfigMap: 1 MiB object limit). In the gateway
 * namespace: the console-form provider and AI routes of semanticrouter-gateway.ts.
 *
 * Cross-field rules that need the pool cannot be CEL; they come back as `issues`, each naming the field.
 */

/** The OpenAI API port, the one the gateway reaches; /status, /metrics and the cache admin API are on ROUTER_ADMIN_PORT. */
export const ROUTER_PORT = 8080;
export { ROUTER_ADMIN_PORT };
export const ROUTER_CONFIG_KEY = RUNTIME_DOCUMENTS.router.key;
export const ROUTER_CONFIG_MOUNT = '/etc/router';
export const ROUTER_DATA_MOUNT = '/var/lib/router';
/** spec.cache.encoder's volume (read-only) and spec.cache.verifier's ConfigMap key. */
export const ROUTER_CACHE_ENCODER_MOUNT = '/var/lib/router-cache/encoder';
export const ROUTER_CACHE_VERIFIER_MOUNT = '/etc/router-cache';
const ROUTER_CACHE_VERIFIER_FILE = 'verifier.json';
/** The pod volume with spec.cache.verifier's ConfigMap key (local-process mode reads it from there too). */
export const ROUTER_CACHE_VERIFIER_VOLUME = 'cache-verifier';
export const ROUTER_PG_ENV = 'ROUTER_PG_URL';
/** Env variables the cache block names (src/cache/runtime-config.ts reads them; values come from Secrets). */
export const ROUTER_CACHE_REDIS_PASSWORD_ENV = 'ROUTER_CACHE_REDIS_PASSWORD';
export const ROUTER_CACHE_EMBEDDING_KEY_ENV = 'ROUTER_CACHE_EMBEDDING_API_KEY';
export const ROUTER_CHECKSUM_ANNOTATION = CHECKSUM_ANNOTATION;
const APP_NAME = 'higress-ai-router';
const KIND = 'SemanticRouter';

export const routerObjectNames = (name: string) => ({ workload: `${name}-router`, data: `${name}-router-data` });

/** A problem that needs the pool to see. `blocking` ones stop the render; the others degrade it. */
export interface RouterIssue {
  reason: string;
  message: string;
  blocking: boolean;
}

export interface RouterRenderInput {
  router: Pick<SemanticRouter, 'metadata' | 'spec'>;
  /** The spec of `spec.poolRef`, or undefined when it does not exist. */
  pool: ModelPoolSpec | undefined;
  /** Model names and aliases of every ModelPool on the same gateway: a virtual name must not shadow one. */
  gatewayModelNames?: ReadonlySet<string>;
  /** Virtual names already served by another SemanticRouter on the same gateway (name → owner id). */
  claimedVirtualModels?: ReadonlyMap<string, string>;
  defaultImage?: string;
  /** Stored `authConfig` of the router's console AI routes, by route name (see RouterGatewayInput.routeAuth). */
  routeAuth?: ReadonlyMap<string, RouteAuthConfig>;
  /**
   * Owner id of an older SemanticRouter that already samples this pool's named models through the gateway:
   * two identical named-model routes would be duplicates, and Higress keeps only the older Ingress's
   * (`createRuleKey` in pkg/ingress/kube/ingressv1/controller.go), so only one router may hold them.
   */
  namedSamplingHeldBy?: string | undefined;
}

/** Why the pool's named traffic does or does not pass through the router (condition NamedModelSampling). */
export interface NamedSampling {
  active: boolean;
  reason: 'Active' | 'Disabled' | 'FlywheelOff' | 'GatewayMismatch' | 'NamedSamplingConflict';
  message: string;
  /** When active: the candidates whose named requests the router sees, the path it intercepts, its way back. */
  models: string[];
  clientPath?: string;
  hopBaseUrl?: string;
}

export interface RouterRender extends WorkloadObjects {
  owner: OwnerRef;
  gatewayNamespace: string;
  config: RouterConfig;
  pvc: PersistentVolumeClaim;
  gateway: RouterGatewayRender;
  /** In-cluster OpenAI base URL of the router. */
  endpoint: string;
  /** In-cluster base URL of the router's admin port (/status, /metrics, cache admin). */
  adminEndpoint: string;
  candidates: string[];
  named: NamedSampling;
  generatedObjects: GeneratedObject[];
}

export type RouterRenderResult = { render: RouterRender | undefined; issues: RouterIssue[] };

/** Where the router sends the chosen model: the gateway, which routes on the body's `model`. */
export function routerGatewayUrl(spec: SemanticRouterSpec, poolPath = '/'): string {
  return spec.gateway.url ?? `http://higress-gateway.${spec.gateway.namespace}.svc.cluster.local${poolV1Path(poolPath)}`;
}

/** Where a pool's OpenAI API lives: a pool served under `…/v1` at that path, any other at `<path>/v1`. */
function poolV1Path(poolPath: string): string {
  const path = poolPath.replace(/\/+$/, '');
  return path.endsWith('/v1') ? path : `${path}/v1`;
}

/**
 * Path segment of the router's way back into the gateway while it sits in front of the pool's named traffic.
 * The named-model route matches the path prefix `<pool path>/v1/chat/completions`, which Higress tries before the
 * pool's own route on `<pool path>` (`SortHTTPRoutes` in pkg/ingress/kube/common/tool.go: same path type ⇒ the
 * longer path first, before header counts are compared). The router sends everything (named requests, its own
 * choices for `auto`, shadow and judge calls) to `<pool path>/router-hop/v1/…`: the pool's Prefix route matches it,
 * the named-model route cannot — the loop guard. ai-proxy recognises the API by path suffix (`getApiName` in
 * plugins/wasm-go/extensions/ai-proxy/main.go: `strings.HasSuffix(path, "/v1/chat/completions")`) and the provider
 * rewrites the path from that API name (`provider/openai.go` `TransformRequestHeaders` →
 * `util.OverwriteRequestPathHeaderByCapability`), so the segment never reaches a provider; model-router enables
 * itself on the `/completions` suffix (model-router/main.go `enableOnPathSuffix`).
 */
export const ROUTER_HOP_SEGMENT = 'router-hop';

const joinPath = (base: string, rest: string) => `${base.replace(/\/+$/, '')}/${rest}`;

/** The router's upstream while it samples named traffic: the gateway origin at `<pool path>/router-hop/v1`. */
export function routerHopBaseUrl(spec: SemanticRouterSpec, poolPath: string): string {
  return `${new URL(routerGatewayUrl(spec)).origin}${joinPath(poolPath, `${ROUTER_HOP_SEGMENT}/v1`)}`;
}

/** Whether the pool's named requests pass through the router, and why not. Pure. */
export function namedSampling(spec: SemanticRouterSpec, pool: ModelPoolSpec, candidates: readonly string[], heldBy?: string): NamedSampling {
  const fw = spec.flywheel;
  const off = (reason: NamedSampling['reason'], message: string): NamedSampling => ({ active: false, reason, message, models: [] });
  if (!fw.sampleNamedModels)
    return off(
      'Disabled',
      "spec.flywheel.sampleNamedModels is false: requests naming a pool model go to the pool's own routes, only virtual names reach the router",
    );
  if (fw.mode === 'off' || fw.sampleRate === 0)
    return off('FlywheelOff', "spec.flywheel samples nothing (mode off or sampleRate 0): the router is not put in front of the pool's named traffic");
  if (pool.gateway.namespace !== spec.gateway.namespace)
    return off(
      'GatewayMismatch',
      `ModelPool ${spec.poolRef.name} is served by the gateway in ${pool.gateway.namespace}, the router by the one in ${spec.gateway.namespace}`,
    );
  if (heldBy) return off('NamedSamplingConflict', `${heldBy} already samples the named models of ModelPool ${spec.poolRef.name} through the gateway`);
  const clientPath = `${poolV1Path(pool.gateway.path)}/chat/completions`;
  const hopBaseUrl = routerHopBaseUrl(spec, pool.gateway.path);
  return {
    active: true,
    reason: 'Active',
    message: `POST ${clientPath} naming ${candidates.join(', ')} passes through the router (sample rate ${fw.sampleRate}); it forwards to ${hopBaseUrl}/chat/completions, the pool's own routes`,
    models: [...candidates],
    clientPath,
    hopBaseUrl,
  };
}

/** The knob as the runtime takes it: explicit λ, else a minimum quality, else the preset's λ. */
export function routerPolicy(spec: SemanticRouterSpec): { lambda: number; qualityThreshold?: number } {
  const o = spec.objective;
  if (o.lambda !== undefined) return { lambda: o.lambda };
  if (o.minQuality !== undefined) return { lambda: 0, qualityThreshold: o.minQuality };
  return { lambda: OBJECTIVE_PRESETS[o.preset] };
}

/** Candidates and the pool-dependent rules. Pure. */
export function resolveAgainstPool(input: RouterRenderInput): { candidates: ModelPoolSpec['models']; issues: RouterIssue[] } {
  const { spec } = input.router;
  const pool = input.pool;
  const issues: RouterIssue[] = [];
  if (!pool) {
    issues.push({ reason: 'ModelPoolNotFound', message: `spec.poolRef.name: ModelPool ${spec.poolRef.name} not found in this namespace`, blocking: true });
    return { candidates: [], issues };
  }
  const inPool = new Map(pool.models.map((m) => [m.name, m]));
  const wanted = spec.candidates ?? pool.models.map((m) => m.name);
  const missing = wanted.filter((n) => !inPool.has(n));
  if (missing.length > 0) {
    issues.push({
      reason: 'CandidateNotInPool',
      message: `spec.candidates: ${missing.join(', ')} not in ModelPool ${spec.poolRef.name}; routing between the remaining candidates`,
      blocking: false,
    });
  }
  const candidates = wanted.filter((n) => inPool.has(n)).map((n) => inPool.get(n)!);
  if (!inPool.has(spec.baselineModel)) {
    issues.push({
      reason: 'BaselineNotInPool',
      message: `spec.baselineModel: ${spec.baselineModel} is not a model of ModelPool ${spec.poolRef.name}`,
      blocking: true,
    });
  }
  if (candidates.length === 0) {
    issues.push({ reason: 'NoCandidates', message: `spec.candidates: none of the candidates is in ModelPool ${spec.poolRef.name}`, blocking: true });
  }
  const judge = spec.flywheel.evaluator.type === 'llm-judge' ? spec.flywheel.evaluator.model : undefined;
  if (judge !== undefined && !inPool.has(judge)) {
    issues.push({
      reason: 'JudgeNotInPool',
      message: `spec.flywheel.evaluator.model: ${judge} is not a model of ModelPool ${spec.poolRef.name}`,
      blocking: true,
    });
  }
  const unpriced = candidates.filter((m) => !m.pricing).map((m) => m.name);
  if (unpriced.length > 0) {
    issues.push({
      reason: 'PricingMissing',
      message: `ModelPool ${spec.poolRef.name}: ${unpriced.join(', ')} have no pricing; the router counts them as free`,
      blocking: false,
    });
  }
  const shadowed = spec.virtualModels.filter((v) => inPool.has(v) || pool.alias === v || input.gatewayModelNames?.has(v));
  if (shadowed.length > 0) {
    issues.push({
      reason: 'VirtualModelConflict',
      message: `spec.virtualModels: ${shadowed.join(', ')} already name a pool model or alias on this gateway`,
      blocking: true,
    });
  }
  const claimed = spec.virtualModels.filter((v) => input.claimedVirtualModels?.has(v));
  if (claimed.length > 0) {
    const by = claimed.map((v) => `${v} (${input.claimedVirtualModels!.get(v)})`).join(', ');
    issues.push({ reason: 'VirtualModelConflict', message: `spec.virtualModels: already served on this gateway by ${by}`, blocking: true });
  }
  const embedding = spec.cache?.embedding;
  if (embedding?.type === 'openai' && !embedding.model) {
    issues.push({
      reason: 'CacheEmbeddingModelMissing',
      message: 'spec.cache.embedding.model: required for an openai embedding service; the router embeds in process (ONNX) instead',
      blocking: false,
    });
  }
  if (embedding && embedding.type !== 'openai') {
    issues.push({
      reason: 'CacheEmbeddingUnsupported',
      message: `spec.cache.embedding.type: the router's cache calls OpenAI-compatible /v1/embeddings only, not ${embedding.type}; it embeds in process (ONNX) instead`,
      blocking: false,
    });
  }
  return { candidates, issues };
}

/**
 * spec.cache → the router's `cache` block. Credentials travel as env variable names whose values the
 * Deployment takes from the Secrets (routerCacheEnv). An OpenAI-type embedding service is called at
 * `/v1/embeddings` (https on 443); any other type, or none, embeds in process with the ONNX model of
 * EMBEDDING_MODEL_DIR.
 */
export function renderRouterCache(cache: CacheSpec): CacheRuntimeConfig {
  const r = cache.redis;
  const e = cache.embedding;
  const scheme = e?.port === 443 ? 'https' : 'http';
  return {
    ...(r
      ? {
          redis: {
            host: r.service,
            port: r.port,
            database: r.database,
            ...(r.username ? { username: r.username } : {}),
            ...(r.passwordSecretRef ? { passwordEnv: ROUTER_CACHE_REDIS_PASSWORD_ENV } : {}),
            ...(cache.keyPrefix ? { keyPrefix: cache.keyPrefix } : {}),
          },
        }
      : {}),
    maxEntries: cache.maxEntries,
    ttlSeconds: cache.ttlSeconds,
    delta: cache.delta,
    semantic: cache.semantic ?? true,
    embedding:
      e?.type === 'openai' && e.model
        ? {
            kind: 'openai',
            baseUrl: `${scheme}://${e.service}${e.port && e.port !== (scheme === 'https' ? 443 : 80) ? `:${e.port}` : ''}/v1`,
            model: e.model,
            ...(e.apiKeySecretRef ? { apiKeyEnv: ROUTER_CACHE_EMBEDDING_KEY_ENV } : {}),
          }
        : { kind: 'onnx', ...(cache.encoder ? { modelDir: routerEncoder(cache.encoder).modelDir } : {}) },
    ...(cache.verifier ? { verifierPath: `${ROUTER_CACHE_VERIFIER_MOUNT}/${ROUTER_CACHE_VERIFIER_FILE}` } : {}),
  };
}

const routerEncoder = (e: EncoderVolume) => encoderMount(e, 'cache-encoder', ROUTER_CACHE_ENCODER_MOUNT);

/** The volumes spec.cache names: the encoder's files (read-only) and the verifier's ConfigMap key. */
function routerCacheVolumes(cache: CacheSpec | undefined): { volumes: Volume[]; mounts: VolumeMount[] } {
  const volumes: Volume[] = [];
  const mounts: VolumeMount[] = [];
  // An openai embedding service is what the router calls then (renderRouterCache); the encoder would sit unused.
  if (cache?.encoder && cache.embedding?.type !== 'openai') {
    const { volume, mount } = routerEncoder(cache.encoder);
    volumes.push(volume);
    mounts.push(mount);
  }
  const verifier = cache?.verifier;
  if (verifier) {
    const ref = verifier.configMapRef;
    // Optional: without it the kubelet would not start the router at all while the ConfigMap (or its key) is missing
    // (k8s pkg/volume/configmap/configmap.go). Optional, the router routes, its cache answers identical questions and
    // says VerifierUnreadable, and the kubelet projects the file once the ConfigMap appears (the router follows it).
    volumes.push({
      name: ROUTER_CACHE_VERIFIER_VOLUME,
      configMap: { name: ref.name, items: [{ key: ref.key, path: ROUTER_CACHE_VERIFIER_FILE }], optional: true },
    });
    mounts.push({ name: ROUTER_CACHE_VERIFIER_VOLUME, mountPath: ROUTER_CACHE_VERIFIER_MOUNT, readOnly: true });
  }
  return { volumes, mounts };
}

/** The Deployment's env entries for the Secrets the cache block names. */
function routerCacheEnv(cache: CacheSpec | undefined): EnvVar[] {
  const fromSecret = (name: string, ref: { name: string; key: string } | undefined) =>
    ref ? [{ name, valueFrom: { secretKeyRef: { name: ref.name, key: ref.key } } }] : [];
  return [
    ...fromSecret(ROUTER_CACHE_REDIS_PASSWORD_ENV, cache?.redis?.passwordSecretRef),
    ...fromSecret(ROUTER_CACHE_EMBEDDING_KEY_ENV, cache?.embedding?.type === 'openai' ? cache.embedding.apiKeySecretRef : undefined),
  ];
}

/** The router's config document. Parsed through the runtime's own schema: valid by construction. */
export function renderRouterConfig(spec: SemanticRouterSpec, candidates: ModelPoolSpec['models'], poolPath: string, hopBaseUrl?: string): RouterConfig {
  const policy = routerPolicy(spec);
  const fw = spec.flywheel;
  const evaluator: NonNullable<RouterConfigInput['flywheel']>['evaluator'] =
    fw.evaluator.type === 'llm-judge' && fw.evaluator.model
      ? { kind: 'llm-judge', model: fw.evaluator.model }
      : fw.evaluator.type === 'none'
        ? { kind: 'none' }
        : { kind: 'evaluate', ...(fw.evaluator.url ? { url: fw.evaluator.url } : {}) };
  const input: RouterConfigInput = {
    apiVersion: ROUTER_CONFIG_VERSION,
    listen: { host: '0.0.0.0', port: ROUTER_PORT },
    admin: { host: '0.0.0.0', port: ROUTER_ADMIN_PORT },
    upstream: { baseUrl: hopBaseUrl ?? routerGatewayUrl(spec, poolPath) },
    models: candidates.map((m) => ({
      name: m.name,
      pricePer1MInput: m.pricing?.inputPerMillionTokens ?? 0,
      pricePer1MOutput: m.pricing?.outputPerMillionTokens ?? 0,
      ...(m.contextWindow !== undefined ? { contextWindow: m.contextWindow } : {}),
      ...(m.capabilities?.length ? { capabilities: [...m.capabilities] } : {}),
    })),
    policy: { baselineModel: spec.baselineModel, aliases: [...spec.virtualModels], ...policy },
    flywheel: { mode: fw.mode, sampleRate: fw.sampleRate, fanOut: fw.fanOutAll ? 'all' : fw.fanOut, evaluator },
    store:
      fw.store.type === 'postgres'
        ? { kind: 'postgres', connectionStringEnv: ROUTER_PG_ENV, table: fw.store.postgres?.table ?? 'flywheel_records' }
        : { kind: 'sqlite', path: `${ROUTER_DATA_MOUNT}/flywheel.db` },
    trainer: {
      enabled: spec.trainer.enabled,
      minNewRecords: spec.trainer.minNewRecords,
      holdoutFraction: spec.trainer.holdoutFraction,
      promotionMargin: spec.trainer.promotionMargin,
      rollback: { ...spec.trainer.rollback },
      modelDir: `${ROUTER_DATA_MOUNT}/models`,
      ...(spec.trainer.pinnedVersion ? { pinnedVersion: spec.trainer.pinnedVersion } : {}),
    },
    ...(spec.budget ? { budget: { limitUsd: spec.budget.limitUsd, window: spec.budget.window } } : {}),
    ...(spec.cache ? { cache: renderRouterCache(spec.cache) } : {}),
  };
  return parseRouterConfig(input);
}

export function renderSemanticRouter(input: RouterRenderInput): RouterRenderResult {
  const { router } = input;
  const { candidates, issues } = resolveAgainstPool(input);
  if (issues.some((i) => i.blocking)) return { render: undefined, issues };
  const ns = router.metadata.namespace ?? 'default';
  const name = router.metadata.name;
  const spec = router.spec;
  const owner: OwnerRef = { kind: KIND, namespace: ns, name };
  const names = routerObjectNames(name);
  const pool = input.pool!; // a missing pool is a blocking issue
  const named = namedSampling(
    spec,
    pool,
    candidates.map((c) => c.name),
    input.namedSamplingHeldBy,
  );
  const config = renderRouterConfig(spec, candidates, pool.gateway.path, named.hopBaseUrl);
  const store = spec.flywheel.store;
  const env: EnvVar[] = [];
  if (store.type === 'postgres' && store.postgres) {
    env.push({ name: ROUTER_PG_ENV, valueFrom: { secretKeyRef: { name: store.postgres.secretRef.name, key: store.postgres.secretRef.key } } });
  }
  env.push(...routerCacheEnv(spec.cache));
  const { objects, serviceHost } = renderWorkload(
    { ref: owner, uid: router.metadata.uid, appName: APP_NAME, names },
    {
      config: { key: ROUTER_CONFIG_KEY, document: config, mount: ROUTER_CONFIG_MOUNT, pathEnv: 'ROUTER_CONFIG' },
      data: {
        // One writer per SQLite file; with PostgreSQL the volume holds only model versions, shared by replicas.
        accessMode: store.type === 'postgres' && spec.replicas > 1 ? 'ReadWriteMany' : 'ReadWriteOnce',
        size: store.size,
        storageClassName: store.storageClassName,
        mount: ROUTER_DATA_MOUNT,
      },
      container: {
        name: 'router',
        image: spec.image ?? input.defaultImage ?? DEFAULT_RAG_IMAGE,
        args: ['router'],
        env,
        // Only `http` is published through the gateway (McpBridge registry, ai-proxy provider); `admin` serves the
        // operator's /status poll and Prometheus inside the cluster.
        ports: [
          { name: 'http', port: ROUTER_PORT },
          { name: 'admin', port: ROUTER_ADMIN_PORT },
        ],
        probePort: 'admin',
        ...(spec.resources ? { resources: spec.resources } : {}),
      },
      ...routerCacheVolumes(spec.cache),
      replicas: spec.replicas,
      recreate: store.type === 'sqlite',
      // SIGTERM drains in-flight answers and the flywheel queue (src/router/main.ts).
      terminationGracePeriodSeconds: 60,
    },
  );
  const gateway = renderRouterGateway({
    owner,
    gatewayNamespace: spec.gateway.namespace,
    serviceHost,
    servicePort: ROUTER_PORT,
    virtualModels: spec.virtualModels,
    ...(input.routeAuth ? { routeAuth: input.routeAuth } : {}),
    ...(named.active
      ? {
          named: {
            models: named.models,
            path: named.clientPath!,
            domains: pool.gateway.hosts ?? [],
            ingressClassName: pool.gateway.ingressClassName,
          },
        }
      : {}),
  });
  return {
    issues,
    render: {
      owner,
      gatewayNamespace: spec.gateway.namespace,
      config,
      ...objects,
      gateway,
      endpoint: `http://${serviceHost}:${ROUTER_PORT}/v1`,
      adminEndpoint: `http://${serviceHost}:${ROUTER_ADMIN_PORT}`,
      candidates: candidates.map((c) => c.name),
      named,
      generatedObjects: [
        ...[objects.configMap, objects.pvc, objects.deployment, objects.service, ...gateway.routes.flatMap((r) => [r.configMap, r.ingress])].map(
          generatedObjectOf,
        ),
        // Shared objects we hold entries in (the provider, the registry, the routes' plugin rules).
        { apiVersion: 'networking.higress.io/v1', kind: 'McpBridge', namespace: spec.gateway.namespace, name: 'default' },
        ...['ai-proxy.internal', ...Object.keys(gateway.shares)]
          .sort()
          .map((n) => ({ apiVersion: 'extensions.higress.io/v1alpha1', kind: 'WasmPlugin', namespace: spec.gateway.namespace, name: n })),
      ],
    },
  };
}
