import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Whether `sent` (a request header's value) is `expected`, in time independent of where they differ (both are
 * hashed first, so their lengths do not show either). An empty `expected` matches nothing: a token that is
 * configured but unset must not open the door.
 */
export function tokenMatches(expected: string | undefined, sent: string | string[] | undefined): boolean {
  if (!expected || typeof sent !== 'string') return false;
  return timingSafeEqual(createHash('sha256').update(expected).digest(), createHash('sha256').update(sent).digest());
}
