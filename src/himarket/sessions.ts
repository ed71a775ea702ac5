import { createHash } from 'node:crypto';
import { HiMarketClient } from './client.js';

/**
 * One {@link HiMarketClient} (hence one JWT) per connection and credential set, shared by the connection
 * controller and every publishing owner, so N products do not mean N logins. A rotated Secret yields a
 * new client; the password itself is only ever a hash input here, never a key someone could log.
 */
export class HiMarketSessions {
  private readonly clients = new Map<string, { fingerprint: string; client: HiMarketClient }>();

  constructor(private readonly defaults: { timeoutMs?: number; attempts?: number; backoffMs?: number } = {}) {}

  client(connectionKey: string, creds: { baseUrl: string; username: string; password: string }): HiMarketClient {
    const fingerprint = createHash('sha256').update(`${creds.baseUrl}\n${creds.username}\n${creds.password}`).digest('hex');
    const cached = this.clients.get(connectionKey);
    if (cached?.fingerprint === fingerprint) return cached.client;
    const client = new HiMarketClient({ ...this.defaults, ...creds });
    this.clients.set(connectionKey, { fingerprint, client });
    return client;
  }

  forget(connectionKey: string): void {
    this.clients.delete(connectionKey);
  }
}
