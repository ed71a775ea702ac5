import { decodeSparseVector, encodeSparseVector, type EncodedSparseVector } from './codec.js';
import { dot, type Features } from './features.js';

// One head per model: a logistic regression for P(answer acceptable | prompt) and a linear regression on
// ln(1 + output tokens) for the expected answer length (cost). Both read the same features.

export interface ModelHead {
  model: string;
  quality: { weights: Float32Array; bias: number };
  /** ln(1 + outputTokens) ≈ w·x + b. */
  outputTokens: { weights: Float32Array; bias: number };
}

export interface SerializedModelHead {
  model: string;
  quality: { weights: EncodedSparseVector; bias: number };
  outputTokens: { weights: EncodedSparseVector; bias: number };
}

export function sigmoid(z: number): number {
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}

export function predictQuality(head: ModelHead, features: Features): number {
  return sigmoid(dot(head.quality.weights, features) + head.quality.bias);
}

export function predictOutputTokens(head: ModelHead, features: Features): number {
  return Math.max(1, Math.expm1(dot(head.outputTokens.weights, features) + head.outputTokens.bias));
}

export function serializeHead(head: ModelHead): SerializedModelHead {
  return {
    model: head.model,
    quality: { weights: encodeSparseVector(head.quality.weights), bias: head.quality.bias },
    outputTokens: { weights: encodeSparseVector(head.outputTokens.weights), bias: head.outputTokens.bias },
  };
}

export function deserializeHead(s: SerializedModelHead): ModelHead {
  return {
    model: s.model,
    quality: { weights: decodeSparseVector(s.quality.weights), bias: s.quality.bias },
    outputTokens: { weights: decodeSparseVector(s.outputTokens.weights), bias: s.outputTokens.bias },
  };
}
