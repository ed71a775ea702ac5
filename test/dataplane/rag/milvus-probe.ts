// Exercises the Milvus adapter through the RAG service and prints what it saw as one JSON line.
// Run as a child process by milvus.test.ts because Jest's module loader cannot load the Milvus SDK
// (its thrift dependency require()s the ESM-only uuid package, which plain Node handles).
import { defaultRagConfig } from '../../../src/rag/config.js';
import { RagError } from '../../../src/rag/errors.js';
import { RagService } from '../../../src/rag/service.js';

const address = process.argv[2] ?? '127.0.0.1:19530';
const config = defaultRagConfig({ store: { kind: 'milvus', address, collection: 'rag_test' } });

async function openWithin(deadlineMs: number): Promise<RagService> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    try {
      return await RagService.open(config);
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

const rag = await openWithin(30000);
const report = await rag.ingest([
  { id: 'vienna', title: 'Vienna', text: 'The Danube river flows through Vienna.' },
  { id: 'banana', title: 'Banana', text: 'Bananas grow in the tropics.' },
]);
const hybridTop = (await rag.search('Which river flows through Vienna?')).ranked[0]?.chunk.docId;
const denseSettings = {
  ...config.stages,
  rewrite: { ...config.stages.rewrite, enabled: false },
  retrieve: { ...config.stages.retrieve, variant: 'dense' as const },
};
const denseTop = (await rag.search('Danube river Vienna', { settings: denseSettings })).ranked[0]?.chunk.docId;
await rag.ingest([{ id: 'banana', title: 'Banana', text: 'Apples grow in orchards.' }]);
const countAfterReplace = await rag.store.count();
await rag.close();

const reopened = await RagService.open(config);
const reopenedSize = reopened.index.size;
const reopenedBanana = reopened.index.get('banana#0')?.sentences;
await reopened.close();

let mismatchReason: string | undefined;
try {
  await RagService.open(defaultRagConfig({ store: { kind: 'milvus', address, collection: 'rag_test' }, embedding: { kind: 'hashing', dimensions: 128 } }));
} catch (err) {
  mismatchReason = err instanceof RagError ? err.reason : String(err);
}

console.log(JSON.stringify({ indexedChunks: report.indexedChunks, hybridTop, denseTop, countAfterReplace, reopenedSize, reopenedBanana, mismatchReason }));
