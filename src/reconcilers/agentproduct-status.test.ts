import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { agentProductSchema } from '../api/v1alpha1/agentproduct.js';
import { renderAgentProduct, type AgentObserved } from './agentproduct.js';
import { agentProductStatus } from './agentproduct-status.js';

const HERE = import.meta.dirname ?? process.cwd();
const PETSTORE = readFileSync(join(HERE, '../../test/fixtures/openapi/petstore.yaml'), 'utf8');
const now = new Date('2026-01-01T00:00:00Z');
const product = agentProductSchema.parse({
  apiVersion: 'ai.higress.io/v1alpha1',
  kind: 'AgentProduct',
  metadata: { namespace: 'team-a', name: 'shop', generation: 3 },
  spec: {
    tools: [{ name: 'pets', openapi: { inline: PETSTORE, operations: ['findPetsByStatus'] } }],
    access: { consumers: [{ name: 'alice', keySecretRef: { name: 'keys', key: 'alice' } }] },
  },
});
const observed = (secret: string | undefined): AgentObserved => ({ documents: { pets: { text: PETSTORE } }, secret: () => secret, ragServices: {} });
const ready = (s: ReturnType<typeof agentProductStatus>) => s.conditions?.find((c) => c.type === 'Ready');

describe('agentProductStatus', () => {
  it('is Ready with tools, consumers and revision when everything resolved and applied', () => {
    const s = agentProductStatus({ generation: 3, previous: undefined, render: renderAgentProduct(product, observed('sk-secret')), now });
    expect(ready(s)).toMatchObject({ status: 'True', observedGeneration: 3 });
    expect(s.tools).toHaveLength(1);
    expect(s.consumers).toEqual(['team-a-alice']);
    expect(s.toolsetRevision).toMatch(/^[0-9a-f]{16}$/);
    expect(JSON.stringify(s)).not.toContain('sk-secret');
  });

  it('names the field at fault, and an apply failure wins the Ready reason', () => {
    const render = renderAgentProduct(product, observed(undefined));
    const s = agentProductStatus({ generation: 3, previous: undefined, render, now });
    expect(ready(s)).toMatchObject({ status: 'False', reason: 'SecretKeyMissing' });
    expect(ready(s)?.message).toContain('spec.access.consumers[0].keySecretRef');
    const failed = agentProductStatus({
      generation: 3,
      previous: s,
      render,
      applyError: { reason: 'WasmPluginForbidden', message: 'WasmPlugin: forbidden' },
      now,
    });
    expect(ready(failed)?.reason).toBe('WasmPluginForbidden');
    expect(failed.conditions?.find((c) => c.type === 'Applied')?.status).toBe('False');
  });

  it('reports an invalid spec without dropping the last good observed state', () => {
    const good = agentProductStatus({ generation: 3, previous: undefined, render: renderAgentProduct(product, observed('k')), now });
    const s = agentProductStatus({ generation: 4, previous: good, invalid: 'spec.tools: Required', now });
    expect(ready(s)).toMatchObject({ status: 'False', reason: 'InvalidSpec', observedGeneration: 4 });
    expect(s.toolsetRevision).toBe(good.toolsetRevision);
  });
});
