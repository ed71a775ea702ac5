import { z } from 'zod';
import type { DecisionRequest } from '../types.js';
import { contentText } from './openai-http.js';

// Validation of an incoming chat request and extraction of what the decision is made on. Pure, so the
// 400 behaviour is unit-testable without a server.

const messageSchema = z
  .object({
    role: z.string({ message: 'each message needs a string role' }).min(1),
    content: z.unknown().optional(),
  })
  .passthrough();

export const chatRequestSchema = z
  .object({
    model: z.string({ message: "'model' is required and must be a string" }).min(1, "'model' must not be empty"),
    messages: z.array(messageSchema, { message: "'messages' must be an array" }).min(1, "'messages' must not be empty"),
    stream: z.boolean({ message: "'stream' must be a boolean" }).optional().nullable(),
  })
  .passthrough();

export type ChatRequest = z.infer<typeof chatRequestSchema>;

export type ParsedChat = { ok: true; request: ChatRequest } | { ok: false; message: string; param: string | null };

export function parseChatRequest(body: unknown): ParsedChat {
  if (!body || typeof body !== 'object' || Array.isArray(body)) {
    return { ok: false, message: 'request body must be a JSON object', param: null };
  }
  const parsed = chatRequestSchema.safeParse(body);
  if (parsed.success) return { ok: true, request: parsed.data };
  const issue = parsed.error.issues[0];
  const param = issue?.path.length ? issue.path.map(String).join('.') : null;
  return { ok: false, message: issue?.message ?? 'invalid request', param };
}

/** The text decisions (and flywheel evaluation) are made on: the last user message. */
export function decisionPrompt(request: ChatRequest): string {
  for (let i = request.messages.length - 1; i >= 0; i--) {
    const m = request.messages[i];
    if (m?.role === 'user') return contentText(m.content);
  }
  return contentText(request.messages.at(-1)?.content);
}

function promptChars(request: ChatRequest): number {
  let n = 0;
  for (const m of request.messages) n += contentText(m.content).length;
  return n;
}

/** Capabilities a request implies by its shape (tools, images), plus those a client asks for by header. */
export function requiredCapabilities(request: ChatRequest, header: string | undefined): string[] {
  const caps = new Set<string>();
  if (Array.isArray(request.tools) && request.tools.length > 0) caps.add('tools');
  for (const m of request.messages) {
    if (Array.isArray(m.content) && m.content.some((p: unknown) => !!p && typeof p === 'object' && 'type' in p && p.type === 'image_url')) {
      caps.add('vision');
    }
  }
  for (const c of (header ?? '').split(',')) if (c.trim()) caps.add(c.trim());
  return [...caps];
}

export function decisionRequest(request: ChatRequest, headers: { capabilities?: string; lambda?: string }): DecisionRequest {
  const out: DecisionRequest = {
    prompt: decisionPrompt(request),
    promptTokens: Math.max(1, Math.ceil(promptChars(request) / 4)),
  };
  const caps = requiredCapabilities(request, headers.capabilities);
  if (caps.length > 0) out.requiredCapabilities = caps;
  const lambda = headers.lambda === undefined ? NaN : Number(headers.lambda);
  if (Number.isFinite(lambda) && lambda >= 0) out.lambda = lambda;
  return out;
}
