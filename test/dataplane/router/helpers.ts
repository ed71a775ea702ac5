import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RouterConfigInput } from '../../../src/router/config.js';
import { ROUTER_CONFIG_VERSION } from '../../../src/router/config.js';
import type { SimModel } from '../../../src/simulator/data.js';
import type { Decision, DecisionRequest, RouterModel } from '../../../src/router/types.js';

// Test doubles and config builders for the data-plane tests. The fixed-order model stands in for the
// decision core so these tests exercise the serving shell alone.

export class FixedOrderModel implements RouterModel {
  readonly version: string;
  decisions = 0;
  constructor(
    private readonly order: string[],
    version = 'fixed-1',
  ) {
    this.version = version;
  }
  decide(_request: DecisionRequest): Decision {
    this.decisions++;
    return {
      model: this.order[0] ?? '',
      ranked: this.order.map((model, i) => ({ model, expectedQuality: 1 - i / 10, expectedCost: 0, utility: 1 - i / 10 })),
      routerVersion: this.version,
      reason: 'TestDouble',
    };
  }
  serialize() {
    return { kind: 'fixed-order', version: this.version, createdAt: new Date(0).toISOString(), payload: this.order };
  }
}

export function tempDir(prefix = 'router-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function routerConfig(simUrl: string, models: SimModel[], overrides: Partial<RouterConfigInput> = {}): RouterConfigInput {
  return {
    apiVersion: ROUTER_CONFIG_VERSION,
    listen: { host: '127.0.0.1', port: 0 },
    admin: { host: '127.0.0.1', port: 0 },
    upstream: { baseUrl: `${simUrl}/v1`, firstByteTimeoutMs: 5000, maxFallbacks: 2 },
    models: models.map((m) => ({ name: m.id, pricePer1MInput: m.pricePer1MInput, pricePer1MOutput: m.pricePer1MOutput })),
    policy: { baselineModel: 'gpt-4o-2024-05-13', aliases: ['auto'] },
    store: { kind: 'memory' },
    ...overrides,
  };
}

/** Polls `check` until it returns a value or the deadline passes. */
export async function waitFor<T>(check: () => Promise<T | undefined> | T | undefined, timeoutMs = 10_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
