import type { AgentProduct } from '../api/v1alpha1/agentproduct.js';
import { DEFAULT_HIGRESS_NAMESPACE } from '../higress/namespace.js';
import { makeKey, type KubeObject, type ObjectKey } from '../kube/object.js';

/** Which objects of other kinds a product reads: the controller caches exactly these (ReferencedObjects). */
export type ReferenceKind = 'secrets' | 'configMaps' | 'services';

/** Secrets, ConfigMaps (OpenAPI documents) and the Redis Service a product names, as `namespace/name` keys. Pure. */
export function referencesOf(p: AgentProduct & KubeObject): Record<ReferenceKind, ObjectKey[]> {
  const ns = p.metadata.namespace ?? 'default';
  const tools = p.spec?.tools ?? [];
  const secrets = [
    ...tools.flatMap((t) => (t.openapi?.credentials ?? []).map((c) => c.secretRef.name)),
    ...(p.spec?.access?.consumers ?? []).map((c) => c.keySecretRef.name),
    ...(p.spec?.access?.redis?.passwordSecretRef ? [p.spec.access.redis.passwordSecretRef.name] : []),
  ];
  const configMaps = tools.flatMap((t) => (t.openapi?.configMap ? [t.openapi.configMap.name] : []));
  const redis = p.spec?.access?.redis?.service;
  const services = redis ? [makeKey(redis.namespace ?? p.spec.gateway?.namespace ?? DEFAULT_HIGRESS_NAMESPACE, redis.name)] : [];
  return { secrets: [...new Set(secrets)].map((n) => makeKey(ns, n)), configMaps: [...new Set(configMaps)].map((n) => makeKey(ns, n)), services };
}
