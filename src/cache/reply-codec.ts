import type { CachedReply } from './types.js';

// Turning upstream replies into cache entries and entries back into replies. A streamed reply is
// stored assembled (one chat.completion) and replayed as a real SSE stream of chat.completion.chunk
// events — role, the content in pieces, finish_reason, [DONE] — the framing the official openai
// client's Stream parser reads (data: lines, blank-line separated), not the plugin's single event.

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

function estimateTokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}

function firstChoice(body: Json): Json | undefined {
  const choices = body.choices;
  return Array.isArray(choices) && isObject(choices[0]) ? choices[0] : undefined;
}

/**
 * A cacheable reply from a JSON completion body: one choice, plain text, finished normally. Tool
 * calls and truncated answers are not cached (a replayed tool call would re-run a side effect).
 */
export function replyFromJson(body: unknown, promptChars: number): CachedReply | undefined {
  if (!isObject(body)) return undefined;
  const choices = body.choices;
  const choice = firstChoice(body);
  if (!Array.isArray(choices) || choices.length !== 1 || !choice) return undefined;
  const message = choice.message;
  if (!isObject(message) || typeof message.content !== 'string' || message.content.length === 0) return undefined;
  if (message.tool_calls !== undefined && message.tool_calls !== null) return undefined;
  if (choice.finish_reason !== 'stop') return undefined;
  const usage = isObject(body.usage) ? body.usage : {};
  return {
    completion: body,
    promptTokens: typeof usage.prompt_tokens === 'number' ? usage.prompt_tokens : estimateTokens('x'.repeat(promptChars)),
    completionTokens: typeof usage.completion_tokens === 'number' ? usage.completion_tokens : estimateTokens(message.content),
  };
}

/** Assembles an SSE chat stream into one completion; undefined when it is not cacheable. */
export function replyFromSse(raw: string, promptChars: number): CachedReply | undefined {
  let content = '';
  let finish: unknown = null;
  let usage: Json | undefined;
  let head: Json | undefined;
  let done = false;
  for (const block of raw.split(/\r?\n\r?\n/)) {
    const data = block
      .split(/\r?\n/)
      .filter((l) => l.startsWith('data:'))
      .map((l) => l.slice(5).trimStart())
      .join('\n');
    if (!data) continue;
    if (data === '[DONE]') {
      done = true;
      continue;
    }
    let event: unknown;
    try {
      event = JSON.parse(data);
    } catch {
      return undefined;
    }
    if (!isObject(event) || event.error !== undefined) return undefined;
    head ??= event;
    if (isObject(event.usage)) usage = event.usage;
    const choices = event.choices;
    if (!Array.isArray(choices)) continue;
    if (choices.length > 1) return undefined;
    const choice: unknown = choices[0];
    if (!isObject(choice)) continue;
    const delta = isObject(choice.delta) ? choice.delta : {};
    if (delta.tool_calls !== undefined && delta.tool_calls !== null) return undefined;
    if (typeof delta.content === 'string') content += delta.content;
    if (choice.finish_reason !== null && choice.finish_reason !== undefined) finish = choice.finish_reason;
  }
  if (!done || finish !== 'stop' || !content || !head) return undefined;
  const completion: Json = {
    id: head.id,
    object: 'chat.completion',
    created: head.created,
    model: head.model,
    choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop', logprobs: null }],
  };
  if (usage) completion.usage = usage;
  return {
    completion,
    promptTokens: typeof usage?.prompt_tokens === 'number' ? usage.prompt_tokens : estimateTokens('x'.repeat(promptChars)),
    completionTokens: typeof usage?.completion_tokens === 'number' ? usage.completion_tokens : estimateTokens(content),
  };
}

const ZERO_USAGE = { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 };

function replayHead(reply: CachedReply, id: string, now: number): { id: string; created: number; model: unknown; content: string } {
  const choice = firstChoice(reply.completion);
  const message = isObject(choice?.message) ? choice.message : {};
  return { id, created: Math.floor(now / 1000), model: reply.completion.model, content: typeof message.content === 'string' ? message.content : '' };
}

/** The JSON body of a replayed hit: the stored completion, a fresh id, no tokens billed. */
export function replayJson(reply: CachedReply, id: string, now = Date.now()): string {
  const h = replayHead(reply, id, now);
  return JSON.stringify({ ...reply.completion, id: h.id, created: h.created, usage: ZERO_USAGE });
}

/** Content pieces of about `size` characters, cut after whitespace where possible (like model tokens). */
export function pieces(text: string, size = 16): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < text.length) {
    let end = Math.min(text.length, i + size);
    const space = text.lastIndexOf(' ', end);
    if (end < text.length && space > i) end = space + 1;
    out.push(text.slice(i, end));
    i = end;
  }
  return out;
}

/** SSE events of a replayed hit, each a complete `data: …\n\n` frame. */
export function replaySse(reply: CachedReply, id: string, opts: { includeUsage?: boolean; now?: number } = {}): string[] {
  const h = replayHead(reply, id, opts.now ?? Date.now());
  const chunk = (delta: Json, finish: string | null, extra: Json = {}): string =>
    `data: ${JSON.stringify({ id: h.id, object: 'chat.completion.chunk', created: h.created, model: h.model, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }], ...extra })}\n\n`;
  const frames = [chunk({ role: 'assistant', content: '' }, null)];
  for (const p of pieces(h.content)) frames.push(chunk({ content: p }, null));
  frames.push(chunk({}, 'stop'));
  if (opts.includeUsage) {
    frames.push(
      `data: ${JSON.stringify({ id: h.id, object: 'chat.completion.chunk', created: h.created, model: h.model, choices: [], usage: ZERO_USAGE })}\n\n`,
    );
  }
  frames.push('data: [DONE]\n\n');
  return frames;
}
