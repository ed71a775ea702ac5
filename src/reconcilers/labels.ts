/**
 * Labels on objects the operator generates. Generated Higress objects live in the gateway namespace while
 * ModelPools live anywhere, so ownerReferences cannot be used; these labels (plus finalizers) carry
 * ownership instead. Kept here until src/kube/owner.ts provides the shared keys.
 */
export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const MANAGED_BY_VALUE = 'higress-ai-operator';
export const OWNER_KIND_LABEL = 'ai.higress.io/owner-kind';
export const OWNER_NAMESPACE_LABEL = 'ai.higress.io/owner-namespace';
export const OWNER_NAME_LABEL = 'ai.higress.io/owner-name';

/** Labels for an object owned by exactly one custom resource. */
export function ownerLabels(kind: string, namespace: string, name: string): Record<string, string> {
  return {
    [MANAGED_BY_LABEL]: MANAGED_BY_VALUE,
    [OWNER_KIND_LABEL]: kind,
    [OWNER_NAME_LABEL]: name,
    [OWNER_NAMESPACE_LABEL]: namespace,
  };
}

/** Labels for an object shared by many custom resources (aggregated WasmPlugins). */
export function sharedLabels(): Record<string, string> {
  return { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE };
}
