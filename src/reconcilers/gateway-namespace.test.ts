import { describe, expect, it } from '@jest/globals';
import { gatewayNamespaceNotServed } from './gateway-namespace.js';

describe('gatewayNamespaceNotServed', () => {
  it('is silent when every namespace is served, or the served one is named', () => {
    expect(gatewayNamespaceNotServed('higress-system', undefined, 'pool')).toBeUndefined();
    expect(gatewayNamespaceNotServed('higress-system', 'higress-system', 'pool')).toBeUndefined();
  });

  it('names the field, the namespace asked for and the one served', () => {
    expect(gatewayNamespaceNotServed('gw-b', 'gw-a', 'pipeline')).toEqual({
      type: 'Ready',
      status: 'False',
      reason: 'GatewayNamespaceNotServed',
      message:
        'spec.gateway.namespace gw-b: this operator serves only gateway namespace gw-a (HIGRESS_NAMESPACE with --higress-namespace-only); nothing was written for this pipeline',
    });
  });
});
