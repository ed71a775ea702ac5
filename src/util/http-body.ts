import type { IncomingMessage } from 'node:http';
import { errorMessage, ReasonError } from './errors.js';

// The one bounded request-body reader of the HTTP servers (router, simulator, RAG runtime, and the test fakes).

export class BodyError extends ReasonError<'BodyTooLarge' | 'InvalidJson' | 'BodyAborted'> {}

/** HTTP status a BodyError answers with. */
export function bodyErrorStatus(err: BodyError): number {
  return err.reason === 'BodyTooLarge' ? 413 : 400;
}

/** Reads the whole request body, refusing more than `limit` bytes. */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      if (tooLarge) return;
      size += chunk.length;
      if (size > limit) {
        // Keep draining (and discarding) so the client can read the 413 instead of a connection reset.
        tooLarge = true;
        chunks = [];
        reject(new BodyError('BodyTooLarge', `request body exceeds ${limit} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', (err) => reject(new BodyError('BodyAborted', err.message)));
    req.on('aborted', () => reject(new BodyError('BodyAborted', 'client aborted the request')));
  });
}

/** The body parsed as JSON; an empty or malformed body is a BodyError('InvalidJson'). */
export async function readJson(req: IncomingMessage, limit: number): Promise<unknown> {
  const raw = await readBody(req, limit);
  if (raw.length === 0) throw new BodyError('InvalidJson', 'request body is empty; expected JSON');
  return parseJson(raw);
}

/** As readJson, but an empty body (a GET's) is undefined. */
export async function readOptionalJson(req: IncomingMessage, limit: number): Promise<unknown> {
  const raw = await readBody(req, limit);
  return raw.length === 0 ? undefined : parseJson(raw);
}

function parseJson(raw: Buffer): unknown {
  try {
    return JSON.parse(raw.toString('utf8')) as unknown;
  } catch (err) {
    throw new BodyError('InvalidJson', `request body is not valid JSON: ${errorMessage(err)}`);
  }
}
