/** kubeconfig contexts the harness writes. */
export const ADMIN_CONTEXT = 'admin';
/** Authenticated (group system:authenticated only) but granted nothing by RBAC: for "is it forbidden?" tests. */
export const UNPRIVILEGED_CONTEXT = 'unprivileged';
/**
 * The operator's ServiceAccount (`system:serviceaccount:higress-ai-operator-system:higress-ai-operator`), bound
 * to exactly the generated RBAC (src/rbac/table.ts): integration tests run the operator under it.
 */
export const OPERATOR_CONTEXT = 'operator';
