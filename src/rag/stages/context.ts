import type { ContextPassage, ScoredChunk } from '../types.js';

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
