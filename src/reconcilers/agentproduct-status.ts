import type { AgentProductStatus } from '../api/v1alpha1/agentproduct.js';
import { READY, setCondition, type Condition, type ConditionInput } from '../kube/conditions.js';
import type { AgentRender } from './agentproduct.js';

/**
 * AgentProduct status as a pure function of the render and what applying it did. Conditions name the field at
 * fault (`spec.tools[0].openapi.configMap: …`), so `kubectl describe` says what to fix. Secret values never
 * reach here: the render carries names and revisions only.
 */
export interface AgentStatusInput {
  generation: number | undefined;
  previous: AgentProductStatus | undefined;
  /** Spec failed validation (a CRD schema older than the operator): the message lists the fields. */
  invalid?: string;
  /** The product names a gateway namespace this operator does not serve (gateway-namespace.ts): nothing rendered. */
  notServed?: ConditionInput;
  render?: AgentRender;
  /** First failed write (Forbidden, Invalid, …) while applying the render. */
  applyError?: { reason: string; message: string };
  now?: Date;
}

export const TOOLS_RESOLVED = 'ToolsResolved';
export const APPLIED = 'Applied';

export function agentProductStatus(input: AgentStatusInput): AgentProductStatus {
  const { generation, previous, render } = input;
  const at = (c: Omit<ConditionInput, 'observedGeneration'>): ConditionInput => ({
    ...c,
    ...(generation !== undefined ? { observedGeneration: generation } : {}),
  });
  let conditions: Condition[] = previous?.conditions ?? [];
  const set = (c: Omit<ConditionInput, 'observedGeneration'>) => (conditions = setCondition(conditions, at(c), input.now));
  if (input.invalid !== undefined || input.notServed || !render) {
    set(input.notServed ?? { type: READY, status: 'False', reason: 'InvalidSpec', message: input.invalid ?? 'spec did not render' });
    return { ...(previous ?? {}), ...(generation !== undefined ? { observedGeneration: generation } : {}), conditions };
  }
  const first = render.problems[0];
  if (first) {
    const all = render.problems.map((p) => `${p.field}: ${p.message}`).join('; ');
    set({ type: TOOLS_RESOLVED, status: 'False', reason: first.reason, message: all.slice(0, 4000) });
  } else {
    set({ type: TOOLS_RESOLVED, status: 'True', reason: 'Resolved', message: `${render.tools.length} tools from ${render.mcpServers.length} MCP servers` });
  }
  if (input.applyError) set({ type: APPLIED, status: 'False', reason: input.applyError.reason, message: input.applyError.message });
  else set({ type: APPLIED, status: 'True', reason: 'Applied', message: `${render.generatedObjects.length} gateway objects up to date` });
  if (input.applyError) set({ type: READY, status: 'False', reason: input.applyError.reason, message: input.applyError.message });
  else if (first) set({ type: READY, status: 'False', reason: first.reason, message: `${first.field}: ${first.message}` });
  else
    set({
      type: READY,
      status: 'True',
      reason: 'Ready',
      message: render.agentEndpoint ? `MCP servers and agent at ${render.agentEndpoint} served` : 'MCP servers served',
    });
  return {
    ...(generation !== undefined ? { observedGeneration: generation } : {}),
    conditions,
    toolsetRevision: render.toolsetRevision,
    toolCount: render.tools.length,
    tools: render.tools,
    mcpServers: render.mcpServers.map(({ source, name, type, path, tools }) => ({ source, name, type, path, tools })),
    ...(render.agentEndpoint ? { agentEndpoint: render.agentEndpoint, agentTools: render.agentTools } : {}),
    consumers: render.consumers,
    generatedObjects: render.generatedObjects,
    ...(previous?.publish ? { publish: previous.publish } : {}), // owned by the HiMarket publish controller
  };
}
