import { describe, expect, it } from '@jest/globals';
import { parseRouterConfig } from '../config.js';
import { Flywheel, type FlywheelOptions } from './flywheel.js';
import { MemoryStore } from './store.js';

const models = [
  { name: 'big', pricePer1MInput: 5, pricePer1MOutput: 15, capabilities: ['vision', 'tools'], contextWindow: 128_000 },
  { name: 'mid', pricePer1MInput: 1, pricePer1MOutput: 2, capabilities: ['tools'], contextWindow: 8_000 },
  { name: 'small', pricePer1MInput: 0.1, pricePer1MOutput: 0.1 },
];

function flywheel(baselineModel: string, list = models): Flywheel {
  const config = parseRouterConfig({
    apiVersion: 'router.higress-ai.io/v1alpha1',
    upstream: { baseUrl: 'http://127.0.0.1:9/v1' },
    models: list,
    policy: { baselineModel, aliases: ['auto'] },
    flywheel: { mode: 'data-generation', sampleRate: 1, fanOut: 'all' },
  });
  // Only what shadowModels reads: no request is sent here.
  return new Flywheel({ config: config.flywheel, baselineModel, models: config.models, store: new MemoryStore() } as unknown as FlywheelOptions);
}

// What the routing decision derived from the request (serve/request.ts requiredCapabilities): an image needs vision.
const image = (promptTokens: number) => ({ promptTokens, requiredCapabilities: ['vision'] });
const text = (promptTokens: number) => ({ promptTokens, requiredCapabilities: [] });

describe('flywheel shadows', () => {
  it('asks the baseline and every other model of a text request', () => {
    expect(flywheel('big').shadowModels('small', text(10))).toEqual(['big', 'mid']);
  });

  it('asks only models that can take the request: images to vision models, long prompts to large contexts', () => {
    expect(flywheel('mid').shadowModels('big', image(10))).toEqual([]);
    expect(flywheel('big').shadowModels('small', image(10))).toEqual(['big']);
    expect(flywheel('big').shadowModels('small', text(20_000))).toEqual(['big']);
  });

  it('asks all models when none declares what the request needs (as routing does)', () => {
    const plain = models.map(({ name, pricePer1MInput, pricePer1MOutput }) => ({ name, pricePer1MInput, pricePer1MOutput }));
    expect(flywheel('big', plain).shadowModels('small', image(10))).toEqual(['big', 'mid']);
  });
});
