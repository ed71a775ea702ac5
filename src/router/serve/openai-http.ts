import type { IncomingMessage, ServerResponse } from 'node:http';
import { ReasonError } from '../../util/errors.js';

// Small HTTP helpers shared by the router and the simulator: bounded body reading and OpenAI-shaped errors,
// so every failure a client sees is `{error:{message,type,param,code}}` with the right status.

export interface OpenAIErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

export function openAIError(message: string, type: string, code: string | null, param: string | null = null): OpenAIErrorBody {
  return { error: { message, type, param, code } };
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(payload),
    ...headers,
  });
  res.end(payload);
}

export function sendError(
  res: ServerResponse,
  status: number,
  message: string,
  code: string,
  param: string | null = null,
  headers: Record<string, string> = {},
): void {
  const type = status === 429 ? 'rate_limit_error' : status >= 500 ? 'server_error' : 'invalid_request_error';
  sendJson(res, status, openAIError(message, type, code, param), headers);
}

export class BodyError extends ReasonError<'BodyTooLarge' | 'InvalidJson' | 'BodyAborted'> {}

/** Reads the whole request body (chat requests are small), refusing more than `limit` bytes. */
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

export async function readJson(req: IncomingMessage, limit: number): Promise<unknown> {
  const raw = await readBody(req, limit);
  if (raw.length === 0) throw new BodyError('InvalidJson', 'request body is empty; expected JSON');
  try {
    return JSON.parse(raw.toString('utf8')) as unknown;
  } catch (err) {
    throw new BodyError('InvalidJson', `request body is not valid JSON: ${(err as Error).message}`);
  }
}

/** Text of an OpenAI message `content` (a string or an array of parts; non-text parts are skipped). */
export function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content
      .map((part: unknown) =>
        part && typeof part === 'object' && 'text' in part && typeof part.text === 'string' ? part.text : '',
      )
      .filter((t) => t.length > 0)
      .join('\n');
  }
  return '';
}
