import type { z } from 'zod';
import type { openApiWarningSchema } from '../../contracts/agent/conversion-notes.js';
import { ReasonError } from '../../util/errors.js';

/** Why an OpenAPI document could not be turned into tools; each names a JSON pointer into the document. */
export type OpenApiErrorReason =
  | 'InvalidDocument'
  | 'UnsupportedVersion'
  | 'BadRef'
  | 'MissingOperationId'
  | 'InvalidToolName'
  | 'DuplicateToolName'
  | 'NoServerUrl'
  | 'UnknownOperation'
  | 'ArgNameCollision';

/**
 * An OpenAPI conversion error. `pointer` is the RFC 6901 JSON pointer (as a `#/…` fragment) of the exact
 * node at fault, so a status condition or a CLI message can say "#/paths/~1pets/get: operation has no
 * operationId" rather than "bad spec".
 */
export class OpenApiError extends ReasonError<OpenApiErrorReason> {
  constructor(
    reason: OpenApiErrorReason,
    readonly pointer: string,
    readonly detail: string,
  ) {
    super(reason, `${pointer}: ${detail}`);
  }
}

/** A problem that does not stop conversion (an unsupported security scheme, a dropped media type). */
/** One converter warning, as the notes contract types it (src/contracts/agent/conversion-notes.ts). */
export type OpenApiWarning = z.infer<typeof openApiWarningSchema>;
