import { createHash } from 'node:crypto';
import type { FlywheelRecord, ObservedAnswer } from '../types.js';

// Flattens flywheel records into per-model supervised examples and splits them deterministically.

export interface Example {
  /** Index into the prompt list the examples were built with. */
  prompt: number;
  model: string;
  score: number;
  outputTokens: number;
  costUsd: number;
}

export interface Dataset {
  prompts: string[];
  /** Estimated prompt tokens per prompt (the primary answer's input tokens). */
  promptTokens: number[];
  examples: Example[];
  /** Every model seen with at least one scored answer. */
  models: string[];
}

export function answersOf(record: FlywheelRecord): ObservedAnswer[] {
  return [record.primary, ...record.shadows];
}

export function buildDataset(records: readonly FlywheelRecord[]): Dataset {
  const prompts: string[] = [];
  const promptTokens: number[] = [];
  const examples: Example[] = [];
  const models = new Set<string>();
  for (const record of records) {
    const index = prompts.length;
    prompts.push(record.prompt);
    promptTokens.push(record.primary.inputTokens > 0 ? record.primary.inputTokens : Math.ceil(record.prompt.length / 4));
    // A model answered twice (primary and shadow) counts once: the first scored answer wins.
    const seen = new Set<string>();
    for (const answer of answersOf(record)) {
      if (answer.score === null || seen.has(answer.model)) continue;
      seen.add(answer.model);
      models.add(answer.model);
      examples.push({
        prompt: index,
        model: answer.model,
        score: Math.min(1, Math.max(0, answer.score)),
        outputTokens: answer.outputTokens,
        costUsd: answer.costUsd,
      });
    }
  }
  return { prompts, promptTokens, examples, models: [...models].sort() };
}

/** FNV-1a of a string mapped to [0, 1): a split that depends only on the record id. */
export function unitHash(id: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193);
  h ^= h >>> 13;
  h = Math.imul(h, 0x5bd1e995);
  h ^= h >>> 15;
  return (h >>> 0) / 4294967296;
}

/**
 * A key that depends only on what a record says, never on its random id or its position in the store:
 * the prompt and each answer (model, score, tokens). The same data therefore always lands on the same side
 * of a split, and the same prompt asked twice never straddles train and validation.
 */
export function recordKey(record: FlywheelRecord): string {
  const answers = answersOf(record)
    .map((a) => `${a.model}\u0001${a.score ?? ''}\u0001${a.inputTokens}\u0001${a.outputTokens}`)
    .sort()
    .join('\u0002');
  return createHash('sha256').update(record.prompt).update('\u0000').update(answers).digest('hex');
}

/** Records in an order fixed by their content (store order and ids do not matter). */
export function canonicalOrder(records: readonly FlywheelRecord[]): FlywheelRecord[] {
  return records
    .map((r) => ({ r, k: recordKey(r) }))
    .sort((a, b) => (a.k < b.k ? -1 : a.k > b.k ? 1 : 0))
    .map((x) => x.r);
}

/**
 * Deterministic split: records whose content hash (salted, on the prompt only, so duplicates of a question
 * stay together) falls below `fraction` go to `holdout`.
 */
export function splitRecords(records: readonly FlywheelRecord[], fraction: number, salt = 'holdout'): { train: FlywheelRecord[]; holdout: FlywheelRecord[] } {
  const train: FlywheelRecord[] = [];
  const holdout: FlywheelRecord[] = [];
  for (const r of records) (unitHash(`${salt}:${r.prompt}`) < fraction ? holdout : train).push(r);
  return { train, holdout };
}
