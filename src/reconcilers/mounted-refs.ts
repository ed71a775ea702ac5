import { ragPipelineSpecSchema, type RagPipelineSpec } from '../api/v1alpha1/ragpipeline.js';
import { semanticRouterSpecSchema, type SemanticRouterSpec } from '../api/v1alpha1/semanticrouter.js';
import type { DataObject, KubeObject } from '../kube/object.js';

/**
 * What a workload kind's pods (RagPipeline, SemanticRouter) need from objects the user creates, and why the operator
 * checks them itself: the kubelet does not start a container whose env names a missing Secret or key
 * (CreateContainerConfigError), does not set up a non-optional ConfigMap volume whose ConfigMap or item key is
 * missing (k8s pkg/volume/configmap/configmap.go, SetUpAt and MakePayload), and no pod is scheduled whose
 * PersistentVolumeClaim does not exist. The Deployment then only says 0 available; Ready names the field instead.
 */
export const MOUNTED_KINDS = ['Secret', 'ConfigMap', 'PersistentVolumeClaim'] as const;
export type MountedKind = (typeof MOUNTED_KINDS)[number];

export interface MountedRef {
  kind: MountedKind;
  /** The spec field naming the object, e.g. `spec.sources[1].configMap` (`.name` / `.key` are appended). */
  field: string;
  name: string;
  /** The key the pod reads (Secret env, ConfigMap volume item). */
  key?: string | undefined;
  /** The field naming the key, when it is not `<field>.key` (e.g. `spec.store.milvus.secretRef.passwordKey`). */
  keyField?: string;
}

export type MountReason = 'SecretNotFound' | 'SecretKeyNotFound' | 'ConfigMapNotFound' | 'ConfigMapKeyNotFound' | 'PersistentVolumeClaimNotFound';

/** The first referenced object (or key) that is missing, phrased with its field; key presence only, never a value. */
export function mountedRefError(
  refs: readonly MountedRef[],
  read: (ref: MountedRef) => DataObject | undefined,
  namespace: string,
): { reason: MountReason; message: string } | undefined {
  for (const ref of refs) {
    const found = read(ref);
    const what = `${ref.kind} ${namespace}/${ref.name}`;
    if (ref.kind === 'PersistentVolumeClaim') {
      if (!found) return { reason: 'PersistentVolumeClaimNotFound', message: `${ref.field}: ${what} not found` };
      continue;
    }
    if (!found) return { reason: ref.kind === 'Secret' ? 'SecretNotFound' : 'ConfigMapNotFound', message: `${ref.field}.name: ${what} not found` };
    if (ref.key !== undefined && found.data?.[ref.key] === undefined && found.binaryData?.[ref.key] === undefined) {
      return {
        reason: ref.kind === 'Secret' ? 'SecretKeyNotFound' : 'ConfigMapKeyNotFound',
        message: `${ref.keyField ?? `${ref.field}.key`}: ${what} has no key ${ref.key}`,
      };
    }
  }
  return undefined;
}

/** What the pipeline's pods need besides their own objects, with the fields naming it. */
export function ragMountedRefs(spec: RagPipelineSpec): MountedRef[] {
  const refs: MountedRef[] = (spec.sources ?? []).flatMap((s, i): MountedRef[] => {
    if (s.type === 'configMap' && s.configMap)
      return [{ kind: 'ConfigMap', field: `spec.sources[${i}].configMap`, name: s.configMap.name, key: s.configMap.key }];
    if (s.type === 'pvc' && s.pvc) return [{ kind: 'PersistentVolumeClaim', field: `spec.sources[${i}].pvc.claimName`, name: s.pvc.claimName }];
    return [];
  });
  if (spec.eval) refs.push({ kind: 'ConfigMap', field: 'spec.eval.configMap', name: spec.eval.configMap.name, key: spec.eval.configMap.key });
  const claim = spec.embedding.encoder?.persistentVolumeClaim?.claimName;
  if (claim) refs.push({ kind: 'PersistentVolumeClaim', field: 'spec.embedding.encoder.persistentVolumeClaim.claimName', name: claim });
  const milvus = spec.store.type === 'milvus' ? spec.store.milvus?.secretRef : undefined;
  for (const k of milvus ? (['usernameKey', 'passwordKey'] as const) : []) {
    refs.push({ kind: 'Secret', field: 'spec.store.milvus.secretRef', name: milvus!.name, key: milvus![k], keyField: `spec.store.milvus.secretRef.${k}` });
  }
  const ingestToken = spec.ingest?.tokenSecretRef;
  if (ingestToken) refs.push({ kind: 'Secret', field: 'spec.ingest.tokenSecretRef', name: ingestToken.name, key: ingestToken.key });
  return refs;
}

/** The same, from a pipeline object whose spec may not parse (then it mounts nothing we could name). */
export function ragMountedRefsOf(p: KubeObject & { spec?: unknown }): MountedRef[] {
  const parsed = ragPipelineSpecSchema.safeParse(p.spec);
  return parsed.success ? ragMountedRefs(parsed.data) : [];
}

/** What the router's pods need besides their own objects, with the fields naming it. */
export function routerMountedRefs(spec: SemanticRouterSpec): MountedRef[] {
  const refs: MountedRef[] = [];
  const secret = (field: string, ref: { name: string; key: string } | undefined) => {
    if (ref) refs.push({ kind: 'Secret', field, name: ref.name, key: ref.key });
  };
  const store = spec.flywheel.store;
  if (store.type === 'postgres') secret('spec.flywheel.store.postgres.secretRef', store.postgres?.secretRef);
  const cache = spec.cache;
  secret('spec.cache.redis.passwordSecretRef', cache?.redis?.passwordSecretRef);
  if (cache?.embedding?.type === 'openai') secret('spec.cache.embedding.apiKeySecretRef', cache.embedding.apiKeySecretRef);
  // Mounted only when the router embeds in process (routerCacheVolumes); the verifier's ConfigMap volume is optional.
  const claim = cache?.embedding?.type === 'openai' ? undefined : cache?.encoder?.persistentVolumeClaim?.claimName;
  if (claim) refs.push({ kind: 'PersistentVolumeClaim', field: 'spec.cache.encoder.persistentVolumeClaim.claimName', name: claim });
  return refs;
}

/** The same, from a router object whose spec may not parse (then it needs nothing we could name). */
export function routerMountedRefsOf(r: KubeObject & { spec?: unknown }): MountedRef[] {
  const parsed = semanticRouterSpecSchema.safeParse(r.spec);
  return parsed.success ? routerMountedRefs(parsed.data) : [];
}
