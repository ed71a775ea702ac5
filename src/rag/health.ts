import { z } from 'zod';

/**
 * What the runtime's `GET /healthz` reports and the operator's probe copies into RagPipeline status: the
 * one contract between them for index and eval state (tools come over MCP).
 */
export const evalResultSchema = z.object({
  time: z.string(),
  questions: z.number().int().min(0),
  recallAt5: z.number().min(0).max(1),
  precisionAt5: z.number().min(0).max(1),
  mrr: z.number().min(0).max(1),
});
export type EvalResult = z.output<typeof evalResultSchema>;

export const runtimeHealthSchema = z.object({
  ok: z.boolean(),
  chunks: z.number().int().min(0),
  documents: z.number().int().min(0).optional(),
  lastIndexedTime: z.string().optional(),
  lastEval: evalResultSchema.optional(),
});
export type RuntimeHealth = z.output<typeof runtimeHealthSchema>;

/** Mutable facts the entrypoint learns while loading sources and running the eval set. */
export interface RuntimeFacts {
  documents?: number;
  lastIndexedTime?: string;
  lastEval?: EvalResult;
}

/** One eval question: the passages (document ids) a good retrieval returns for it. */
export const evalSetSchema = z.union([
  z.array(z.object({ question: z.string().min(1), relevant: z.array(z.string()).min(1) })),
  z.object({ questions: z.array(z.object({ question: z.string().min(1), relevant: z.array(z.string()).min(1) })) }).transform((o) => o.questions),
]);
export type EvalSet = z.output<typeof evalSetSchema>;
