import { createHash } from 'node:crypto';
import { stableStringify } from '../kube/object.js';
import { contentText } from '../router/serve/openai-http.js';

// What a cached answer is keyed on. The question is the last user message; everything else that can
// change the right answer goes into the scope, and only entries of the same scope are ever compared:
//  - consumer (the Higress consumer / API key owner): tenants never see each other's answers;
//  - model: a cheap model's answer is not served to a client that asked for another;
//  - system prompt: the same question under another persona or instructions is another question;
//  - conversation context: a follow-up ("how old is he?") is only comparable with follow-ups of the
//    same preceding turns (ContextCache, MeanCache), never with another conversation's;
//  - what the question is about when it is not text: images, audio or files beside the words ("what is in this
//    picture?" about another picture is another question);
//  - the answer's requested shape (`answerShape`: JSON mode, a length limit, stop sequences…).

export interface ChatMessageLike {
  role: string;
  content?: unknown;
}

export interface KeyedRequest {
  consumer: string;
  model: string;
  question: string;
  /** sha256 of consumer, model, system prompt and context: entries are compared only within it. */
  scope: string;
  /** `<consumer>/<model>/<scope>/<question hash>` — readable prefixes for invalidation. */
  key: string;
  /** True when earlier turns exist (for metrics: multi-turn lookups). */
  followUp: boolean;
}

const sha = (s: string): string => createHash('sha256').update(s).digest('hex');

/** The parts of a message's content that are not text (image_url, input_audio, file…), as they were sent. */
function nonTextParts(content: unknown): string {
  if (!Array.isArray(content)) return '';
  const parts = content.filter((p: unknown) => !(p && typeof p === 'object' && 'type' in p && p.type === 'text'));
  return parts.length > 0 ? stableStringify(parts) : '';
}

/**
 * Whitespace, case and Unicode compatibility forms do not change a question's meaning; the exact-match key ignores
 * them. NFKC matters for Chinese input methods, which type full-width ？！， and digits as often as ASCII ones.
 */
export function normaliseQuestion(q: string): string {
  return q.normalize('NFKC').trim().replace(/\s+/g, ' ').toLowerCase();
}

// A consumer or model name becomes one path segment: '/' would make prefixes ambiguous.
const segment = (s: string): string => encodeURIComponent(s || '-');

/**
 * `shape`: the request's answer-shaping parameters (`answerShape`); entries are compared only under the same ones.
 * Undefined when there is no user question to key on.
 */
export function keyRequest(consumer: string, model: string, messages: readonly ChatMessageLike[], shape = ''): KeyedRequest | undefined {
  let last = -1;
  for (let i = messages.length - 1; i >= 0; i--) {
    if (messages[i]?.role === 'user') {
      last = i;
      break;
    }
  }
  if (last < 0) return undefined;
  const question = contentText(messages[last]?.content).trim();
  if (!question) return undefined;
  const system: string[] = [];
  const context: string[] = [];
  messages.forEach((m, i) => {
    if (i === last) return;
    const attachments = nonTextParts(m.content);
    const text = `${m.role}\u0001${contentText(m.content)}${attachments ? `\u0003${attachments}` : ''}`;
    if (m.role === 'system' || m.role === 'developer') system.push(text);
    else context.push(text);
  });
  // Turns after the last user message (an assistant prefill) also shape the answer.
  const attached = nonTextParts(messages[last]?.content);
  // Appended only when present: a text-only request keeps the scope it always had (entries stored before stay found).
  const scopeParts = [consumer, model, system.join('\u0002'), context.join('\u0002'), ...(attached || shape ? [attached, shape] : [])];
  const scopeHash = sha(scopeParts.join('\u0000')).slice(0, 24);
  const qHash = sha(normaliseQuestion(question)).slice(0, 24);
  return {
    consumer,
    model,
    question,
    scope: scopeHash,
    key: `${segment(consumer)}/${segment(model)}/${scopeHash}/${qHash}`,
    followUp: context.length > 0,
  };
}

/** The prefix that selects every entry of a consumer, or of a consumer's model. */
export function keyPrefix(consumer: string, model?: string): string {
  return model === undefined ? `${segment(consumer)}/` : `${segment(consumer)}/${segment(model)}/`;
}
