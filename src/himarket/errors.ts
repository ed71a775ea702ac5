import { ReasonError } from '../util/errors.js';

/**
 * Why a HiMarket call failed, as a controller acts on it. HiMarket's own `code` (CONFLICT, NOT_FOUND, …)
 * and `message` travel along so a condition can show exactly what the server said.
 */
export type HiMarketReason =
  /** Network error or timeout: nothing (or not all) of the answer arrived. */
  | 'Unreachable'
  /** 403 with Spring's plain body (bad/expired token) even after logging in again. */
  | 'Forbidden'
  /** Login refused: 401 wrong password, 404 unknown user, 400 blank fields. */
  | 'AuthenticationFailed'
  | 'InvalidRequest'
  | 'NotFound'
  /** 409, or the SQL-leaking 500 (`Duplicate entry … for key 'uk_name'`) of a name taken by another admin. */
  | 'Conflict'
  /** 500 `Access Denied`: the account is not an administrator (§12: role mismatch is a 500). */
  | 'AccessDenied'
  /** Any other 5xx. */
  | 'ServerError'
  /** A 200 whose body does not match the contract (or carries `failures`). */
  | 'BadResponse';

export class HiMarketError extends ReasonError<HiMarketReason> {
  constructor(
    reason: HiMarketReason,
    message: string,
    readonly details: { httpStatus?: number; code?: string; method?: string; path?: string } = {},
    options?: ErrorOptions,
  ) {
    super(reason, message, options);
  }

  /** Worth retrying later without any change on our side. */
  get transient(): boolean {
    return this.reason === 'Unreachable' || this.reason === 'ServerError';
  }
}

export function isHiMarketError(e: unknown, reason?: HiMarketReason): e is HiMarketError {
  return e instanceof HiMarketError && (reason === undefined || e.reason === reason);
}

/** Classify a non-success answer (status + envelope) into a reason (§3.1 table, corrected by §12). */
export function reasonFor(httpStatus: number, code: string | undefined, message: string): HiMarketReason {
  if (httpStatus === 409 || code === 'CONFLICT') return 'Conflict';
  if (httpStatus === 500 && /Duplicate entry .* for key/i.test(message)) return 'Conflict';
  if (httpStatus === 500 && /Access Denied/.test(message)) return 'AccessDenied';
  if (httpStatus === 404 || code === 'NOT_FOUND') return 'NotFound';
  if (httpStatus === 401 || code === 'UNAUTHORIZED') return 'AuthenticationFailed';
  if (httpStatus === 403) return 'Forbidden';
  if (httpStatus >= 400 && httpStatus < 500) return 'InvalidRequest';
  return 'ServerError';
}
