import type { V1Status } from '@kubernetes/client-node';

/**
 * An API-server error with a CamelCase `reason` (the Kubernetes Status reason when the server sent
 * one: `NotFound`, `AlreadyExists`, `Conflict`, `Invalid`, `Gone`/`Expired`, `Forbidden`, …), so a
 * controller can copy it into a status condition without parsing messages.
 */
export class KubeApiError extends Error {
  override readonly name = 'KubeApiError';
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly status?: V1Status,
  ) {
    super(message);
  }
}

const REASON_BY_CODE: Record<number, string> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  409: 'Conflict',
  410: 'Gone',
  415: 'UnsupportedMediaType',
  422: 'Invalid',
  429: 'TooManyRequests',
  500: 'InternalError',
  503: 'ServiceUnavailable',
  504: 'Timeout',
};

/** Build a {@link KubeApiError} from an HTTP status code and (maybe) a Status body. Pure. */
export function apiErrorFrom(code: number, body: unknown, what: string): KubeApiError {
  const status = isStatus(body) ? body : undefined;
  const reason = status?.reason || REASON_BY_CODE[code] || (code >= 500 ? 'InternalError' : 'Unknown');
  const message = status?.message ?? `${what}: HTTP ${code}`;
  return new KubeApiError(code, reason, message, status);
}

function isStatus(body: unknown): body is V1Status {
  return typeof body === 'object' && body !== null && (body as { kind?: unknown }).kind === 'Status';
}

export const isNotFound = (e: unknown): boolean => e instanceof KubeApiError && e.code === 404;
export const isConflict = (e: unknown): boolean => e instanceof KubeApiError && e.code === 409 && e.reason === 'Conflict';
export const isAlreadyExists = (e: unknown): boolean => e instanceof KubeApiError && e.reason === 'AlreadyExists';
/** 410 Gone / Expired: the requested resourceVersion is too old; the informer must relist. */
export const isGone = (e: unknown): boolean => e instanceof KubeApiError && (e.code === 410 || e.reason === 'Expired' || e.reason === 'Gone');

/**
 * Thrown by a reconcile that cannot decide yet for a reason that clears by itself (e.g. caches still listing at
 * start-up): the controller polls the key after `retryAfterMs` (doubling while it keeps waiting, up to 5 s), logs at debug
 * and counts a requeue, not an error.
 * A rate-limited retry would back off towards its cap (30 s) while the wait lasts, and then hold the key that long
 * after it ended, with a warning per attempt.
 */
export class WaitError extends Error {
  constructor(
    readonly reason: string,
    message: string,
    readonly retryAfterMs = 250,
  ) {
    super(message);
  }
}

/** Reason of any error: the `reason` of a KubeApiError or a typed error, else `InternalError`. */
export function reasonOf(e: unknown): string {
  if (typeof e === 'object' && e !== null && typeof (e as { reason?: unknown }).reason === 'string') {
    return (e as { reason: string }).reason;
  }
  return 'InternalError';
}
