import type { ModelPoolObject } from '../../../src/controllers/modelpool.js';

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
