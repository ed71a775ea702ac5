import { describe, expect, it } from '@jest/globals';
import type { AgentProductStatus } from '../api/v1alpha1/agentproduct.js';
import { agentProductEvents } from './agentproduct-events.js';

const ready = (status: 'True' | 'False', reason: string, message = reason) => ({
  type: 'Ready',
  status,
  reason,
  message,
  lastTransitionTime: '2026-11-30T00:00:00Z',
});

describe('agentProductEvents', () => {
  it('announces the first toolset and Ready', () => {
    const next: AgentProductStatus = { toolsetRevision: 'r1', toolCount: 2, tools: ['a', 'b'], mcpServers: [], conditions: [ready('True', 'Ready', 'served')] };
    expect(agentProductEvents(undefined, next)).toEqual([
      { type: 'Normal', reason: 'ToolsCreated', message: '2 tools on 0 MCP servers (toolset r1)' },
      { type: 'Normal', reason: 'Ready', message: 'served' },
    ]);
  });

  it('names tools added and removed, and is silent when Ready keeps its reason', () => {
    const previous: AgentProductStatus = { toolsetRevision: 'r1', tools: ['a', 'b'], conditions: [ready('True', 'Ready')] };
    const next: AgentProductStatus = { toolsetRevision: 'r2', tools: ['b', 'c'], conditions: [ready('True', 'Ready')] };
    expect(agentProductEvents(previous, next)).toEqual([{ type: 'Normal', reason: 'ToolsUpdated', message: 'toolset r1 → r2: added c; removed a' }]);
  });

  it('warns on each new failure reason', () => {
    const previous: AgentProductStatus = { conditions: [ready('False', 'SecretMissing')] };
    expect(agentProductEvents(previous, { conditions: [ready('False', 'SecretMissing')] })).toEqual([]);
    expect(agentProductEvents(previous, { conditions: [ready('False', 'RedisMissing', 'no redis')] })).toEqual([
      { type: 'Warning', reason: 'RedisMissing', message: 'no redis' },
    ]);
  });
});
