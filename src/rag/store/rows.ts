import type { Chunk, StoredChunk } from '../types.js';

// The flat row both the LanceDB and the Milvus stores persist: sentences as a JSON string so the
// schema has only scalar columns and one vector column.
export interface ChunkRow {
  id: string;
  docId: string;
  title: string;
  sentencesJson: string;
  sentenceOffset: number;
  source: string;
  vector: number[];
}

export const TEXT_COLUMNS = ['id', 'docId', 'title', 'sentencesJson', 'sentenceOffset', 'source'] as const;

export function chunkToRow(c: StoredChunk): ChunkRow {
  return {
    id: c.id,
    docId: c.docId,
    title: c.title,
    sentencesJson: JSON.stringify(c.sentences),
    sentenceOffset: c.sentenceOffset,
    source: c.source,
    vector: Array.from(c.vector),
  };
}

export function rowToChunk(r: Record<string, unknown>): Chunk {
  return {
    id: String(r.id),
    docId: String(r.docId),
    title: String(r.title),
    sentences: JSON.parse(String(r.sentencesJson)) as string[],
    sentenceOffset: Number(r.sentenceOffset),
    source: String(r.source),
  };
}
