import type { ServerResponse } from 'node:http';

// Small HTTP helpers shared by the router and the simulator: OpenAI-shaped errors (body reading is src/util/http-body.ts),
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

export { BodyError, readBody, readJson } from '../../util/http-body.js';

/** Text of an OpenAI message `content` (a string or an array of parts; non-text parts are skipped). */
export function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content
      .map((part: unknown) => (part && typeof part === 'object' && 'text' in part && typeof part.text === 'string' ? part.text : ''))
      .filter((t) => t.length > 0)
      .join('\n');
  }
  return '';
}
