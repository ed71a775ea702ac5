/**
 * TEST ONLY. HTTP-level pieces of the HiMarket contract server: HiMarket's error envelope codes and message
 * patterns (himarket.md §3.1), its two timestamp precisions, SQL LIKE name filtering and 1-based Spring
 * pages (§12).
 */

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}
export const notFound = (type: string, id: string) => new HttpError(404, 'NOT_FOUND', `Resource not found: ${type}:${id}`);
export const invalid = (msg: string) => new HttpError(400, 'INVALID_REQUEST', `Invalid request: ${msg}`);
export const conflict = (msg: string) => new HttpError(409, 'CONFLICT', `Resource conflict: ${msg}`);
export const internal = (msg: string) => new HttpError(500, 'INTERNAL_ERROR', `Internal server error: ${msg}`);

/** `2026-11-30T08:44:55.474721212` — what create/update answers carry (§12). */
export function nanoTimestamp(d: Date): string {
  return d
    .toISOString()
    .replace('Z', '')
    .replace(/\.(\d{3})$/, (_m, ms: string) => `.${ms}${String(Math.floor(Math.random() * 1e6)).padStart(6, '0')}`);
}
/** `…08:45:00.9` / `…08:45:00` — what reads carry: milliseconds, trailing zeros trimmed (§12). */
export function readTimestamp(d: Date): string {
  return d
    .toISOString()
    .replace('Z', '')
    .replace(/\.?0+$/, '');
}

export function removeWhere<T>(xs: T[], pred: (x: T) => boolean): void {
  for (let i = xs.length - 1; i >= 0; i--) if (pred(xs[i]!)) xs.splice(i, 1);
}

/** SQL `LIKE '%name%'`, case-insensitive, `_` and `%` as wildcards (§12). */
export function likeFilter(name: string): RegExp {
  const body = [...name].map((c) => (c === '%' ? '.*' : c === '_' ? '.' : c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))).join('');
  return new RegExp(body, 'i');
}

/** Spring page, 1-based: page=0 acts as 1, size=0 gives 100, size capped at 2000 (§12). */
export function page<T>(rows: T[], q: URLSearchParams): { content: T[]; number: number; size: number; totalElements: number; totalPages: number } {
  const n = Math.max(1, Number(q.get('page') ?? 1) || 1);
  const rawSize = Number(q.get('size') ?? 100) || 100;
  const size = Math.min(2000, Math.max(1, rawSize));
  return { content: rows.slice((n - 1) * size, n * size), number: n, size, totalElements: rows.length, totalPages: Math.ceil(rows.length / size) };
}
