import type { ModelPoolObject } from '../../../src/controllers/modelpool.js';
import type { KubeObject } from '../../../src/kube/object.js';
import type { SimModel } from '../../../src/simulator/data.js';

/**
 * A ModelPool of two models (an OpenAI one reading Secret `k`/`token`, a vLLM one), the pool the fault,
 * restart and leader-election tests create by the dozen. Each model yields one registry, one ai-proxy rule
 * and one Ingress, which is what those tests count.
 */
export function twoModelPool(name: string, ns: string, gw: string): ModelPoolObject {
  return {
    apiVersion: 'ai.higress.io/v1alpha1',
    kind: 'ModelPool',
    metadata: { name, namespace: ns },
    spec: {
      gateway: { namespace: gw },
      models: [
        { name: `${name}-gpt`, provider: { type: 'openai', credentials: { secretRef: { name: 'k', key: 'token' } } } },
        { name: `${name}-local`, provider: { type: 'vllm', endpoint: `http://${name}.svc:8000/v1` } },
      ],
    },
  } as unknown as ModelPoolObject;
}

/**
 * ModelPool `matrix` over the simulator's models (its OpenAI-compatible endpoint, the models' real prices): the
 * pool the SemanticRouter tests route over.
 */
export function simulatorPool(namespace: string, gateway: string, simUrl: string, models: readonly SimModel[]): ModelPoolObject {
  return {
    apiVersion: 'ai.higress.io/v1alpha1',
    kind: 'ModelPool',
    metadata: { name: 'matrix', namespace },
    spec: {
      gateway: { namespace: gateway },
      models: models.map((m) => ({
        name: m.id,
        provider: { type: 'openai-compatible', endpoint: `${simUrl}/v1` },
        pricing: { inputPerMillionTokens: m.pricePer1MInput, outputPerMillionTokens: m.pricePer1MOutput },
      })),
    },
  } as unknown as ModelPoolObject;
}

/** A SemanticRouter over simulatorPool's pool `matrix` (its first model as the baseline), with `spec` on top. */
export function matrixRouter(namespace: string, name: string, gateway: string, models: readonly SimModel[], spec: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: 'ai.higress.io/v1alpha1',
    kind: 'SemanticRouter',
    metadata: { name, namespace },
    spec: { poolRef: { name: 'matrix' }, baselineModel: models[0]!.id, gateway: { namespace: gateway }, ...spec },
  } as KubeObject;
}
