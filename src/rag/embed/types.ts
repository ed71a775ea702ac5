// The embedding contract lives in src/embed/ (shared with the cache and the router); RAG modules
// keep importing it from here.
export type { Embedder } from '../../embed/types.js';
