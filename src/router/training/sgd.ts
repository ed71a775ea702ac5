import type { SparseFeatures } from '../decision/features.js';
import { sigmoid } from '../decision/predictor.js';
import { seededRandom } from '../../util/random.js';

// AdaGrad on sparse features with L2 applied to the coordinates an example touches (the usual lazy
// approximation): cheap per step, and well suited to hashed n-grams where most features are rare.

export interface SgdOptions {
  epochs: number;
  learningRate: number;
  l2: number;
  seed: number;
}

export type Loss = 'logistic' | 'squared';

export interface LinearFit {
  weights: Float32Array;
  bias: number;
}

export function fitLinear(features: readonly SparseFeatures[], targets: readonly number[], dim: number, loss: Loss, options: SgdOptions): LinearFit {
  const weights = new Float32Array(dim);
  const g2 = new Float32Array(dim);
  const n = targets.length;
  let mean = 0;
  for (const t of targets) mean += t;
  mean = n > 0 ? mean / n : 0;
  // Start the bias at the base rate so the weights only learn what the prompt adds to it.
  let bias = loss === 'logistic' ? Math.log((mean + 1e-3) / (1 - mean + 1e-3)) : mean;
  let biasG2 = 0;
  const order = Array.from({ length: n }, (_, i) => i);
  const random = seededRandom(options.seed);
  const { learningRate: lr, l2 } = options;
  for (let epoch = 0; epoch < options.epochs; epoch++) {
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    for (const e of order) {
      const x = features[e]!;
      let z = bias;
      for (let k = 0; k < x.nnz; k++) z += weights[x.indices[k]!]! * x.values[k]!;
      const g = (loss === 'logistic' ? sigmoid(z) : z) - targets[e]!;
      for (let k = 0; k < x.nnz; k++) {
        const idx = x.indices[k]!;
        const w = weights[idx]!;
        const grad = g * x.values[k]! + l2 * w;
        const acc = g2[idx]! + grad * grad;
        g2[idx] = acc;
        weights[idx] = w - (lr * grad) / Math.sqrt(acc + 1e-8);
      }
      biasG2 += g * g;
      bias -= (lr * g) / Math.sqrt(biasG2 + 1e-8);
    }
  }
  return { weights, bias };
}
