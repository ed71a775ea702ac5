// Errors that cross the RAG server's module boundaries carry a CamelCase reason a caller (or the
// operator's status condition) can switch on without parsing messages.
export type RagErrorReason =
  | 'EmbeddingUnavailable'
  | 'EmbeddingDimensionMismatch'
  | 'LlmUnavailable'
  | 'RerankerUnavailable'
  | 'WebSearchUnavailable'
  | 'StoreUnavailable'
  | 'InvalidDocument'
  | 'InvalidRagConfig';

export class RagError extends Error {
  constructor(
    readonly reason: RagErrorReason,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'RagError';
  }
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
