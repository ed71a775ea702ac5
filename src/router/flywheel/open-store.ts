import type { RouterConfig } from '../config.js';
import { PostgresStore } from './postgres-store.js';
import { SqliteStore } from './sqlite-store.js';
import { MemoryStore, StoreError, type FlywheelStore } from './store.js';

export async function openStore(config: RouterConfig['store'], env: NodeJS.ProcessEnv = process.env): Promise<FlywheelStore> {
  switch (config.kind) {
    case 'sqlite':
      return new SqliteStore(config.path);
    case 'memory':
      return new MemoryStore();
    case 'postgres': {
      const connectionString = env[config.connectionStringEnv];
      if (!connectionString) {
        throw new StoreError('StoreOpenFailed', `env ${config.connectionStringEnv} (postgres connection string) is not set`);
      }
      return PostgresStore.open({ connectionString, table: config.table, poolSize: config.poolSize });
    }
  }
}
