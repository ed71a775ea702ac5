import { withMcpServerEnabled, mcpServerEnabled } from '../higress/console/mcp-server.js';
import type { KubeClient } from '../kube/client.js';
import type { ConditionInput } from '../kube/conditions.js';
import type { KubeObject } from '../kube/object.js';
import { Resources } from '../kube/resources.js';

/**
 * Whether a gateway namespace's Higress acts on the `higress.io/mcp-server*` annotations at all: only when
 * ConfigMap `higress-config` (created by the Higress chart) has `mcpServer.enable: true`
 * (alibaba/higress `pkg/ingress/kube/configmap/mcp_server.go`). Said in condition `GatewayMcp`; the
 * ConfigMap is changed only when the operator was started with the explicit opt-in
 * (`RagOperatorOptions.enableGatewayMcpServer`), since it switches a gateway-wide filter on.
 */

export const GATEWAY_MCP = 'GatewayMcp';
export const HIGRESS_CONFIG = 'higress-config';

type ConfigMapObject = KubeObject & { data?: Record<string, string> };

export class GatewayMcpSwitch {
  private readonly cache = new Map<string, { at: number; condition: ConditionInput }>();

  constructor(
    private readonly client: KubeClient,
    private readonly opts: { enable?: boolean | undefined; ttlMs?: number | undefined } = {},
  ) {}

  async condition(gw: string): Promise<ConditionInput> {
    const hit = this.cache.get(gw);
    if (hit && Date.now() - hit.at < (this.opts.ttlMs ?? 10_000)) return hit.condition;
    const condition = await this.check(gw);
    this.cache.set(gw, { at: Date.now(), condition });
    return condition;
  }

  private async check(gw: string): Promise<ConditionInput> {
    const cm = await this.client.get<ConfigMapObject>(Resources.ConfigMap, HIGRESS_CONFIG, gw);
    if (!cm) {
      return {
        type: GATEWAY_MCP,
        status: 'False',
        reason: 'HigressConfigMissing',
        message: `ConfigMap ${gw}/${HIGRESS_CONFIG} not found: no Higress installed in ${gw}?`,
      };
    }
    const text = cm.data?.higress;
    if (mcpServerEnabled(text)) {
      return { type: GATEWAY_MCP, status: 'True', reason: 'McpServerEnabled', message: `${gw}/${HIGRESS_CONFIG} has mcpServer.enable: true` };
    }
    const enabled = this.opts.enable ? withMcpServerEnabled(text) : undefined;
    if (enabled !== undefined) {
      await this.client.update<ConfigMapObject>(Resources.ConfigMap, { ...cm, data: { ...(cm.data ?? {}), higress: enabled } });
      return {
        type: GATEWAY_MCP,
        status: 'True',
        reason: 'McpServerEnabledByOperator',
        message: `set mcpServer.enable: true in ${gw}/${HIGRESS_CONFIG} (operator opt-in)`,
      };
    }
    return {
      type: GATEWAY_MCP,
      status: 'False',
      reason: 'McpServerDisabled',
      message: `${gw}/${HIGRESS_CONFIG} does not set mcpServer.enable: true, so Higress ignores the MCP server annotations; enable it there (or start the operator with the MCP opt-in)`,
    };
  }
}
