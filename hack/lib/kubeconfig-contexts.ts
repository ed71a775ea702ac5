/** kubeconfig contexts the harness writes. */
export const ADMIN_CONTEXT = 'admin';
/** Authenticated (group system:authenticated only) but granted nothing by RBAC: for "is it forbidden?" tests. */
export const UNPRIVILEGED_CONTEXT = 'unprivileged';
