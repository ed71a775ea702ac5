import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, join, relative } from 'node:path';
import type { RagSource, RagSources } from './config.js';
import { errorMessage } from '../util/errors.js';

/**
 * The runtime loads its own documents at start, from the `sources` section of its config document
 * (src/rag/config.ts): inline documents as written, ConfigMap and PVC sources from `<mountRoot>/<source
 * name>` (mounted by the Deployment, or written there by local-process mode), URL sources fetched. Ingest
 * replaces documents by id, so loading again after a restart duplicates nothing.
 */

const MAX_FILE_BYTES = 5 * 1024 * 1024;
const MAX_FILES_PER_SOURCE = 10_000;
const URL_TIMEOUT_MS = 15_000;

export type SourceDocument = Record<string, unknown> & { source: string };

export interface SourceProblem {
  source: string;
  reason: 'SourceUnreadable' | 'FileTooLarge' | 'InvalidJson' | 'TooManyFiles';
  message: string;
}

export interface CollectOptions {
  fetch?: typeof fetch;
}

/** Documents from a JSON body: a list, or `{documents: [...]}`, tagged with their source. */
export function documentsFromJson(body: unknown, source: string): SourceDocument[] {
  const list = Array.isArray(body) ? body : ((body as { documents?: unknown } | null)?.documents ?? []);
  return (Array.isArray(list) ? list : []).map((d) => ({ ...(d as Record<string, unknown>), source }));
}

/** Every document the sources name; unreadable parts are reported, never fatal. */
export async function collectDocuments(sources: RagSources, opts: CollectOptions = {}): Promise<{ documents: SourceDocument[]; problems: SourceProblem[] }> {
  const documents: SourceDocument[] = [];
  const problems: SourceProblem[] = [];
  for (const s of sources.items) {
    try {
      documents.push(...(await collectOne(s, sources.mountRoot, opts.fetch ?? fetch, problems)));
    } catch (err) {
      problems.push({ source: s.name, reason: 'SourceUnreadable', message: errorMessage(err) });
    }
  }
  return { documents, problems };
}

async function collectOne(s: RagSource, root: string, fetchImpl: typeof fetch, problems: SourceProblem[]): Promise<SourceDocument[]> {
  switch (s.type) {
    case 'inline':
      return s.documents.map((d) => ({ ...d, source: s.name }));
    case 'url': {
      const res = await fetchImpl(s.url, { signal: AbortSignal.timeout(URL_TIMEOUT_MS) });
      if (!res.ok) throw new Error(`GET ${s.url}: HTTP ${res.status}`);
      const text = await res.text();
      return parseFile(text, s.url, s.name, problems);
    }
    case 'configMap':
    case 'pvc': {
      const dir = join(root, s.name);
      const files = await walk(dir, s.name, problems);
      const only = s.type === 'configMap' ? s.configMap.key : undefined;
      const out: SourceDocument[] = [];
      for (const file of files) {
        const rel = relative(dir, file);
        if (only && rel !== only) continue;
        const size = (await stat(file)).size;
        if (size > MAX_FILE_BYTES) {
          problems.push({ source: s.name, reason: 'FileTooLarge', message: `${rel}: ${size} bytes (limit ${MAX_FILE_BYTES})` });
          continue;
        }
        const prefix = s.type === 'configMap' ? s.configMap.name : s.name;
        out.push(...parseFile(await readFile(file, 'utf8'), `${prefix}/${rel}`, s.name, problems));
      }
      return out;
    }
  }
}

/** `.json` files hold documents; anything else is one text document named after the file. */
function parseFile(text: string, id: string, source: string, problems: SourceProblem[]): SourceDocument[] {
  if (id.endsWith('.json') || /^\s*[[{]/.test(text)) {
    try {
      return documentsFromJson(JSON.parse(text), source);
    } catch (err) {
      if (id.endsWith('.json')) {
        problems.push({ source, reason: 'InvalidJson', message: `${id}: ${errorMessage(err)}` });
        return [];
      }
    }
  }
  return [{ id, title: basename(id), text, source }];
}

/** Regular files under `dir`, skipping Kubernetes' `..data` symlink farm entries of ConfigMap mounts. */
async function walk(dir: string, source: string, problems: SourceProblem[]): Promise<string[]> {
  const out: string[] = [];
  const visit = async (d: string): Promise<void> => {
    for (const entry of await readdir(d, { withFileTypes: true })) {
      if (entry.name.startsWith('..')) continue;
      const path = join(d, entry.name);
      if (entry.isDirectory()) await visit(path);
      else if (entry.isFile() || entry.isSymbolicLink()) {
        if (out.length >= MAX_FILES_PER_SOURCE) {
          problems.push({ source, reason: 'TooManyFiles', message: `more than ${MAX_FILES_PER_SOURCE} files; the rest are not indexed` });
          return;
        }
        out.push(path);
      }
    }
  };
  await visit(dir);
  return out.sort();
}
