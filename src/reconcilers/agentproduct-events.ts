import type { AgentProductStatus } from '../api/v1alpha1/agentproduct.js';
import type { ProviderService } from '../higress/console/ai-route.js';
import { READY } from '../kube/conditions.js';
import { counted, listSome } from '../util/phrases.js';

/** One Kubernetes Event to record on a product. */
export interface AgentEvent {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

/**
 * Events, as the other controllers emit them (deduplicated by the recorder): the first toolset, each toolset
 * revision change with the tools added and removed, Ready turning True, and each new failure reason. They
 * carry tool names, revisions and condition messages — never a Secret value (status never holds one). Pure.
 */
export function agentProductEvents(previous: AgentProductStatus | undefined, next: AgentProductStatus): AgentEvent[] {
  const events: AgentEvent[] = [];
  const before = previous?.conditions?.find((c) => c.type === READY);
  const after = next.conditions?.find((c) => c.type === READY);
  if (next.toolsetRevision && next.toolsetRevision !== previous?.toolsetRevision) {
    const servers = next.mcpServers?.length ?? 0;
    if (!previous?.toolsetRevision) {
      events.push({
        type: 'Normal',
        reason: 'ToolsCreated',
        message: `${counted(next.toolCount ?? 0, 'tool')} on ${counted(servers, 'MCP server')} (toolset ${next.toolsetRevision})`,
      });
    } else {
      const was = new Set(previous.tools ?? []);
      const now = new Set(next.tools ?? []);
      const added = [...now].filter((t) => !was.has(t));
      const removed = [...was].filter((t) => !now.has(t));
      const list = (xs: string[]) => listSome(xs, 10);
      const delta =
        [added.length ? `added ${list(added)}` : '', removed.length ? `removed ${list(removed)}` : ''].filter(Boolean).join('; ') || 'tool definitions changed';
      events.push({ type: 'Normal', reason: 'ToolsUpdated', message: `toolset ${previous.toolsetRevision} → ${next.toolsetRevision}: ${delta}` });
    }
  }
  if (!after || (before?.status === after.status && before.reason === after.reason)) return events;
  events.push(
    after.status === 'True' ? { type: 'Normal', reason: 'Ready', message: after.message } : { type: 'Warning', reason: after.reason, message: after.message },
  );
  return events;
}

/** Services of a `higress.io/destination` annotation, in order: `host:port`, or `W% host:port` per line. Pure. */
export function parseDestination(value: string): ProviderService[] {
  return value
    .split('\n')
    .map((line) => line.trim().replace(/^\d+%\s+/, ''))
    .filter(Boolean)
    .map((hp) => {
      const at = hp.lastIndexOf(':');
      return at > 0 ? { name: hp.slice(0, at), port: Number(hp.slice(at + 1)) } : { name: hp, port: 80 };
    });
}

/** `message` with every Secret value replaced by `***`. Pure. */
export function redact(message: string, secrets: ReadonlySet<string>): string {
  let out = message;
  for (const v of [...secrets].sort((a, b) => b.length - a.length)) out = out.split(v).join('***');
  return out;
}
