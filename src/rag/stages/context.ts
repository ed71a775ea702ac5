import type { ContextPassage, ScoredChunk } from '../types.js';
import type { StageDeps } from './types.js';

/**
 * Passages at least crag.denseFloor close to the question by meaning, with a sentence encoder; undefined with the
 * hashing embedder, whose similarity is lexical too and adds nothing to what the evaluator reads.
 */
export function closeByMeaning(deps: StageDeps): ((c: ScoredChunk) => boolean) | undefined {
  if (deps.embedder.name === 'hashing') return undefined;
  const floor = deps.settings.crag.denseFloor;
  return (c) => (c.dense ?? -1) >= floor;
}

/** The passages that go to the generator: the top-k plus every web result CRAG added. */
export function contextCandidates(candidates: ScoredChunk[], topK: number): ScoredChunk[] {
  const head = candidates.slice(0, topK);
  const web = candidates.slice(topK).filter((c) => c.origin === 'web');
  return [...head, ...web];
}

export function passageOf(c: ScoredChunk, sentences: ContextPassage['sentences']): ContextPassage {
  return { chunkId: c.chunk.id, docId: c.chunk.docId, title: c.chunk.title, source: c.chunk.source, score: c.score, origin: c.origin, sentences };
}

export function uncompressed(c: ScoredChunk): ContextPassage {
  return passageOf(
    c,
    c.chunk.sentences.map((text, i) => ({ index: c.chunk.sentenceOffset + i, text })),
  );
}
