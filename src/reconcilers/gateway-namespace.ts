import { READY, type ConditionInput } from '../kube/conditions.js';

/**
 * With `--higress-namespace-only` the operator's caches (and its RBAC) cover one gateway namespace only, so an
 * object naming another one could never be observed Ready: it would stay pending forever. Every kind that writes
 * to a gateway asks this first and, given a condition, writes nothing and reports it. Pure.
 *
 * @param gatewayNamespace the object's `spec.gateway.namespace` (defaulted)
 * @param served the one gateway namespace this operator serves; undefined = all
 * @param noun how the message names the object ("pool", "pipeline", …)
 */
export function gatewayNamespaceNotServed(gatewayNamespace: string, served: string | undefined, noun: string): ConditionInput | undefined {
  if (served === undefined || gatewayNamespace === served) return undefined;
  return {
    type: READY,
    status: 'False',
    reason: GATEWAY_NAMESPACE_NOT_SERVED,
    message: `spec.gateway.namespace ${gatewayNamespace}: this operator serves only gateway namespace ${served} (HIGRESS_NAMESPACE with --higress-namespace-only); nothing was written for this ${noun}`,
  };
}

export const GATEWAY_NAMESPACE_NOT_SERVED = 'GatewayNamespaceNotServed';
