// Errors that cross the RAG server's module boundaries carry a CamelCase reason a caller (or the
// operator's status condition) can switch on without parsing messages.
import { ReasonError } from '../util/errors.js';

export type RagErrorReason =
  | 'EmbeddingUnavailable'
  | 'EmbeddingDimensionMismatch'
  | 'LlmUnavailable'
  | 'RerankerUnavailable'
  | 'WebSearchUnavailable'
  | 'StoreUnavailable'
  | 'InvalidDocument'
  | 'InvalidRagConfig'
  | 'IngestForbidden';

export class RagError extends ReasonError<RagErrorReason> {}

export { errorMessage } from '../util/errors.js';
