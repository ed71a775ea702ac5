import { describe, expect, it } from '@jest/globals';
import type { KubeClient } from '../kube/client.js';
import type { KubeObject } from '../kube/object.js';
import { GatewayMcpSwitch, HIGRESS_CONFIG } from './ragpipeline-mcp.js';

// Issue 7 finding 1: the mcp-server annotations act only when `higress-config` has `mcpServer.enable: true`
// (alibaba/higress pkg/ingress/kube/configmap/mcp_server.go). The switch detects it, says so in GatewayMcp,
// and writes that gateway-wide ConfigMap only when the operator was started with the opt-in.

type ConfigMap = KubeObject & { data?: Record<string, string> };

/** A KubeClient that holds one namespace's ConfigMaps and records every update. */
function fakeClient(maps: Record<string, ConfigMap>) {
  const updates: ConfigMap[] = [];
  const client = {
    get: (_rt: unknown, name: string, namespace: string) => Promise.resolve(maps[`${namespace}/${name}`]),
    update: (_rt: unknown, o: ConfigMap) => {
      updates.push(o);
      return Promise.resolve(o);
    },
  } as unknown as KubeClient;
  return { client, updates };
}
const higressConfig = (higress: string): Record<string, ConfigMap> => ({
  [`gw/${HIGRESS_CONFIG}`]: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: HIGRESS_CONFIG, namespace: 'gw' }, data: { higress } },
});
const DISABLED = 'tracing:\n  enable: false\nmcpServer:\n  enable: false\n  sse_path_suffix: /sse\n';

describe('GatewayMcpSwitch (condition GatewayMcp)', () => {
  it('no higress-config: False HigressConfigMissing, nothing written', async () => {
    const { client, updates } = fakeClient({});
    expect(await new GatewayMcpSwitch(client, { enable: true }).condition('gw')).toMatchObject({ status: 'False', reason: 'HigressConfigMissing' });
    expect(updates).toEqual([]);
  });

  it('mcpServer.enable true: True McpServerEnabled, nothing written', async () => {
    const { client, updates } = fakeClient(higressConfig('mcpServer:\n  enable: true\n'));
    expect(await new GatewayMcpSwitch(client, { enable: true }).condition('gw')).toMatchObject({ status: 'True', reason: 'McpServerEnabled' });
    expect(updates).toEqual([]);
  });

  it('disabled and no opt-in: False McpServerDisabled, the ConfigMap is left alone', async () => {
    const { client, updates } = fakeClient(higressConfig(DISABLED));
    expect(await new GatewayMcpSwitch(client).condition('gw')).toMatchObject({ status: 'False', reason: 'McpServerDisabled' });
    expect(updates).toEqual([]);
  });

  it('disabled with the opt-in: one update setting mcpServer.enable, every other key kept', async () => {
    const { client, updates } = fakeClient(higressConfig(DISABLED));
    expect(await new GatewayMcpSwitch(client, { enable: true }).condition('gw')).toMatchObject({ status: 'True', reason: 'McpServerEnabledByOperator' });
    expect(updates).toHaveLength(1);
    const written = updates[0]!.data!.higress!;
    expect(written).toMatch(/mcpServer:\n(?:.*\n)*?\s+enable: true/);
    expect(written).toContain('sse_path_suffix: /sse');
    expect(written).toContain('tracing:');
  });
});
