import { createHash } from 'node:crypto';
import { splitSentences } from './text.js';
import type { Chunk, DocumentInput } from './types.js';

export type DocumentCheck =
  { ok: true; docId: string; title: string; sentences: string[]; source: string } | { ok: false; reason: 'InvalidDocument'; message: string };

// Validation is per document so one corrupt document is skipped with a reason while the rest of a
// batch is indexed.
export function checkDocument(input: unknown, position: number): DocumentCheck {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return { ok: false, reason: 'InvalidDocument', message: `document ${position} is not an object` };
  }
  const d = input as DocumentInput;
  if (d.id !== undefined && (typeof d.id !== 'string' || d.id.trim() === ''))
    return { ok: false, reason: 'InvalidDocument', message: `document ${position}: id must be a non-empty string` };
  if (d.title !== undefined && typeof d.title !== 'string')
    return { ok: false, reason: 'InvalidDocument', message: `document ${position}: title must be a string` };
  let sentences: string[];
  if (d.sentences !== undefined) {
    if (!Array.isArray(d.sentences) || d.sentences.some((s) => typeof s !== 'string')) {
      return { ok: false, reason: 'InvalidDocument', message: `document ${position}: sentences must be an array of strings` };
    }
    sentences = d.sentences;
  } else if (typeof d.text === 'string') {
    sentences = splitSentences(d.text);
  } else {
    return { ok: false, reason: 'InvalidDocument', message: `document ${position}: needs text or sentences` };
  }
  if (sentences.join('').trim() === '') return { ok: false, reason: 'InvalidDocument', message: `document ${position}: text is empty` };
  if (sentences.some((s) => s.includes('\u0000'))) return { ok: false, reason: 'InvalidDocument', message: `document ${position}: contains NUL bytes` };
  const title = (d.title ?? '').trim();
  const docId =
    d.id ??
    `doc-${createHash('sha256')
      .update(`${title}\n${sentences.join('')}`)
      .digest('hex')
      .slice(0, 16)}`;
  return { ok: true, docId, title, sentences, source: typeof d.source === 'string' ? d.source : docId };
}

/** Packs whole sentences into chunks of at most maxChars (a longer single sentence is its own chunk). */
export function chunkDocument(doc: { docId: string; title: string; sentences: string[]; source: string }, maxChars: number): Chunk[] {
  const chunks: Chunk[] = [];
  let current: string[] = [];
  let offset = 0;
  let size = 0;
  const flush = (): void => {
    if (current.length === 0) return;
    chunks.push({ id: `${doc.docId}#${chunks.length}`, docId: doc.docId, title: doc.title, sentences: current, sentenceOffset: offset, source: doc.source });
    offset += current.length;
    current = [];
    size = 0;
  };
  for (const s of doc.sentences) {
    if (size > 0 && size + s.length > maxChars) flush();
    current.push(s);
    size += s.length;
  }
  flush();
  return chunks;
}
