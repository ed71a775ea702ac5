import { mkdir, open, readdir, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import type { SerializedRouterModel } from '../types.js';
import { ReasonError } from '../../util/errors.js';
import { encodeSnapshot, parseSnapshot } from './snapshot-codec.js';

// Keeps every trained router model and which one serves. `promote` makes a saved version current;
// `rollback` returns to the version that was current before the last promotion.

export interface VersionInfo {
  version: string;
  kind: string;
  createdAt: string;
  /** Arbitrary facts recorded at save time (holdout comparison, dataset size). */
  notes?: Record<string, unknown>;
}

export interface RouterModelVersionStore {
  save(model: SerializedRouterModel, notes?: Record<string, unknown>): Promise<VersionInfo>;
  list(): Promise<VersionInfo[]>;
  load(version: string): Promise<SerializedRouterModel>;
  /** The serving version, or null before the first promotion. */
  current(): Promise<string | null>;
  promote(version: string): Promise<void>;
  /** Makes the previously promoted version current again and returns it. */
  rollback(): Promise<string>;
}

export class VersionStoreError extends ReasonError<'UnknownVersion' | 'NothingToRollBack' | 'InvalidVersionName'> {}

interface StoreState {
  /** Promotion history, oldest first; the last entry is current. */
  history: string[];
}

const VERSION_NAME = /^[A-Za-z0-9._-]{1,128}$/;

/**
 * Files on a volume: `<dir>/versions/<version>.rmodel` (binary snapshot, snapshot-codec.ts) with its
 * `<version>.info.json`, plus `<dir>/state.json`; writes are atomic. Versions written by older routers as
 * `<version>.json` ({info, model}) are still read.
 */
export class FsVersionStore implements RouterModelVersionStore {
  constructor(private readonly dir: string) {}

  async save(model: SerializedRouterModel, notes?: Record<string, unknown>): Promise<VersionInfo> {
    checkName(model.version);
    const info: VersionInfo = { version: model.version, kind: model.kind, createdAt: model.createdAt, ...(notes ? { notes } : {}) };
    await writeAtomic(this.versionPath(model.version, 'rmodel'), encodeSnapshot(model));
    await writeAtomic(this.versionPath(model.version, 'info.json'), JSON.stringify(info));
    return info;
  }

  async list(): Promise<VersionInfo[]> {
    let files: string[];
    try {
      files = await readdir(join(this.dir, 'versions'));
    } catch {
      return [];
    }
    const infos: VersionInfo[] = [];
    for (const f of files.filter((n) => n.endsWith('.json') && !n.endsWith('.tmp'))) {
      const parsed = JSON.parse(await readFile(join(this.dir, 'versions', f), 'utf8')) as VersionInfo | { info: VersionInfo };
      infos.push('info' in parsed ? parsed.info : parsed);
    }
    return infos.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.version.localeCompare(b.version));
  }

  async load(version: string): Promise<SerializedRouterModel> {
    checkName(version);
    try {
      return parseSnapshot(await readFile(this.versionPath(version, 'rmodel')));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    try {
      const parsed = JSON.parse(await readFile(this.versionPath(version, 'json'), 'utf8')) as { model: SerializedRouterModel };
      return parsed.model;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new VersionStoreError('UnknownVersion', `no router model version ${version}`);
      throw err;
    }
  }

  async current(): Promise<string | null> {
    const state = await this.readState();
    return state.history.at(-1) ?? null;
  }

  async promote(version: string): Promise<void> {
    await this.load(version);
    const state = await this.readState();
    if (state.history.at(-1) === version) return;
    state.history.push(version);
    await this.writeState(state);
  }

  async rollback(): Promise<string> {
    const state = await this.readState();
    if (state.history.length < 2) throw new VersionStoreError('NothingToRollBack', 'no earlier promoted version');
    state.history.pop();
    await this.writeState(state);
    return state.history.at(-1)!;
  }

  private versionPath(version: string, ext: 'rmodel' | 'info.json' | 'json'): string {
    return join(this.dir, 'versions', `${version}.${ext}`);
  }

  private async readState(): Promise<StoreState> {
    try {
      return JSON.parse(await readFile(join(this.dir, 'state.json'), 'utf8')) as StoreState;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { history: [] };
      throw err;
    }
  }

  private async writeState(state: StoreState): Promise<void> {
    await writeAtomic(join(this.dir, 'state.json'), JSON.stringify(state));
  }
}

function checkName(version: string): void {
  if (!VERSION_NAME.test(version)) throw new VersionStoreError('InvalidVersionName', `invalid version name ${JSON.stringify(version)}`);
}

/** Write to a temp file, fsync, rename: a crash leaves either the old or the new file, never half of one. */
async function writeAtomic(path: string, content: string | Buffer): Promise<void> {
  await mkdir(join(path, '..'), { recursive: true });
  const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
  const handle = await open(tmp, 'w');
  try {
    await handle.writeFile(content);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(tmp, path);
}
