// Core data shapes shared by the store, the stages and the server.

export interface DocumentInput {
  id?: string;
  title?: string;
  text?: string;
  /** Pre-split sentences; when given they are kept as-is so sentence ids stay stable (HotpotQA). */
  sentences?: string[];
  source?: string;
}

export interface Chunk {
  id: string;
  docId: string;
  title: string;
  sentences: string[];
  /** Index of the chunk's first sentence inside its document. */
  sentenceOffset: number;
  source: string;
}

export interface StoredChunk extends Chunk {
  vector: Float32Array;
}

export interface ScoredChunk {
  chunk: Chunk;
  score: number;
  /** Where the passage came from: the local index or the web-search provider. */
  origin: 'index' | 'web';
  /** Cosine of the question's embedding to the passage's, when the question's dense list held it. */
  dense?: number;
}

/** A passage as handed to the generator after compression: only the kept sentences. */
export interface ContextPassage {
  chunkId: string;
  docId: string;
  title: string;
  source: string;
  score: number;
  origin: 'index' | 'web';
  sentences: { index: number; text: string }[];
}

export function chunkText(c: Chunk): string {
  return c.sentences.join(' ');
}
