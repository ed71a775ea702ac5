import type { Logger } from 'pino';
import {
  himarketConnectionSpecSchema,
  type HiMarketConnection,
  type HiMarketConnectionSpec,
  type HiMarketConnectionStatus,
} from '../api/v1alpha1/himarketconnection.js';
import { HiMarketError } from '../himarket/errors.js';
import type { HiMarketClient } from '../himarket/client.js';
import type { HiMarketSessions } from '../himarket/sessions.js';
import type { KubeClient } from '../kube/client.js';
import { READY, setCondition, writeStatus, type ConditionInput } from '../kube/conditions.js';
import type { ReconcileResult } from '../kube/controller.js';
import { isConflict, isNotFound } from '../kube/errors.js';
import type { Informer } from '../kube/informer.js';
import { makeKey, parseKey, type KubeObject } from '../kube/object.js';
import { customResource } from '../kube/resources.js';
import { himarketConnectionCrd } from '../api/v1alpha1/himarketconnection.js';
import { API_GROUP, API_VERSION } from '../api/v1alpha1/group.js';
import { errorMessage } from '../util/errors.js';
import type { SecretObject } from './modelpool.js';

/**
 * HiMarketConnection controller: logs in, makes sure the Higress gateway is registered in HiMarket (found
 * by name: `POST /gateways` returns no id) and the portals exist, and reports reachable / authenticated /
 * ids / last error. A refused login is a condition and a slow poll, never a crash loop; an unreachable
 * server is retried with the queue's backoff. Credentials never leave this process: status and events
 * carry HiMarket's code and message only.
 */

export const himarketConnectionResource = customResource(API_GROUP, API_VERSION, himarketConnectionCrd.kind, himarketConnectionCrd.plural);
export type HiMarketConnectionObject = HiMarketConnection & KubeObject;

/** What the controllers read Secrets from: an informer, or the manager's ReferencedObjects. */
export interface SecretCache {
  store: { get(key: string): SecretObject | undefined };
}

export interface ConnectionCredentials {
  baseUrl: string;
  username: string;
  password: string;
}

/** Decoded `key` of Secret `ns/name` from the cache; undefined when the Secret or key is missing. */
export function secretValue(secrets: SecretCache, ns: string, name: string, key: string): string | undefined {
  const s = secrets.store.get(makeKey(ns, name));
  const b64 = s?.data?.[key];
  if (b64 !== undefined) return Buffer.from(b64, 'base64').toString('utf8');
  return s?.stringData?.[key];
}

/** The HiMarket admin credentials of a connection, or a message naming what is missing. */
export function connectionCredentials(secrets: SecretCache, ns: string, spec: HiMarketConnectionSpec): ConnectionCredentials | string {
  const ref = spec.credentialsSecretRef;
  const username = secretValue(secrets, ns, ref.name, ref.usernameKey);
  const password = secretValue(secrets, ns, ref.name, ref.passwordKey);
  if (username === undefined || password === undefined) return `Secret ${ns}/${ref.name} needs keys ${ref.usernameKey} and ${ref.passwordKey}`;
  return { baseUrl: spec.server, username, password };
}

export interface HiMarketConnectionDeps {
  client: KubeClient;
  connections: Informer<HiMarketConnectionObject>;
  secrets: SecretCache;
  sessions: HiMarketSessions;
  log: Logger;
  event?: (obj: KubeObject, type: 'Normal' | 'Warning', reason: string, message: string) => void;
}

export class HiMarketConnectionController {
  constructor(private readonly deps: HiMarketConnectionDeps) {}

  /** Connections in `namespace` reading Secret `name` (a rotated password is picked up at once). */
  connectionsUsingSecret(namespace: string, name: string): string[] {
    return this.deps.connections.store
      .byNamespace(namespace)
      .filter((c) => c.spec.credentialsSecretRef.name === name || c.spec.gateway.consoleCredentialsSecretRef.name === name)
      .map((c) => makeKey(namespace, c.metadata.name));
  }

  async reconcile(key: string): Promise<ReconcileResult | void> {
    const conn = this.deps.connections.store.get(key);
    if (!conn) {
      this.deps.sessions.forget(key);
      return;
    }
    const { namespace } = parseKey(key);
    const parsed = himarketConnectionSpecSchema.safeParse(conn.spec);
    if (!parsed.success) {
      const message = parsed.error.issues.map((i) => `spec.${i.path.join('.')}: ${i.message}`).join('; ');
      await this.write(conn, {}, { type: READY, status: 'False', reason: 'InvalidSpec', message });
      return;
    }
    const spec = parsed.data;
    const creds = connectionCredentials(this.deps.secrets, namespace, spec);
    const consoleRef = spec.gateway.consoleCredentialsSecretRef;
    const consoleUser = secretValue(this.deps.secrets, namespace, consoleRef.name, consoleRef.usernameKey);
    const consolePassword = secretValue(this.deps.secrets, namespace, consoleRef.name, consoleRef.passwordKey);
    if (typeof creds === 'string' || consoleUser === undefined || consolePassword === undefined) {
      const message =
        typeof creds === 'string' ? creds : `Secret ${namespace}/${consoleRef.name} needs keys ${consoleRef.usernameKey} and ${consoleRef.passwordKey}`;
      await this.write(conn, {}, { type: READY, status: 'False', reason: 'SecretMissing', message });
      return; // the Secret watch brings us back
    }
    const himarket = this.deps.sessions.client(key, creds);
    const pollMs = spec.pollSeconds * 1000;
    try {
      const status = await this.check(himarket, spec, { username: consoleUser, password: consolePassword });
      const ready: ConditionInput = {
        type: READY,
        status: 'True',
        reason: 'Connected',
        message: `gateway ${spec.gateway.name} is ${status.gatewayId}; ${status.portals?.length ?? 0} portal(s)`,
      };
      if (!isReady(conn)) this.deps.event?.(conn, 'Normal', 'Connected', ready.message);
      await this.write(conn, status, ready);
      return { requeueAfterMs: pollMs };
    } catch (e) {
      if (!(e instanceof HiMarketError)) throw e;
      const reachable = e.reason !== 'Unreachable';
      const authenticated = !['AuthenticationFailed', 'Forbidden', 'AccessDenied'].includes(e.reason);
      const condition: ConditionInput = { type: READY, status: 'False', reason: `HiMarket${e.reason}`, message: e.message };
      if (conn.status?.conditions?.find((c) => c.type === READY)?.reason !== condition.reason) this.deps.event?.(conn, 'Warning', condition.reason, e.message);
      await this.write(
        conn,
        {
          reachable,
          ...(reachable ? { authenticated } : {}),
          ...(conn.status?.gatewayId ? { gatewayId: conn.status.gatewayId } : {}),
          ...(conn.status?.portals ? { portals: conn.status.portals } : {}),
          lastError: {
            reason: e.reason,
            message: e.message,
            ...(e.details.httpStatus ? { httpStatus: e.details.httpStatus } : {}),
            ...(e.details.code ? { code: e.details.code } : {}),
          },
        },
        condition,
      );
      // Unreachable / 5xx: the queue's exponential backoff; refused credentials: wait for a Secret change or the poll.
      if (e.transient) throw e;
      return { requeueAfterMs: pollMs };
    }
  }

  private async check(
    himarket: HiMarketClient,
    spec: HiMarketConnectionSpec,
    console: { username: string; password: string },
  ): Promise<HiMarketConnectionStatus> {
    await himarket.whoAmI();
    const { gateway } = await himarket.ensureGateway({
      gatewayName: spec.gateway.name,
      gatewayType: 'HIGRESS',
      higressConfig: {
        address: spec.gateway.consoleAddress,
        username: console.username,
        password: console.password,
        ...(spec.gateway.gatewayAddress ? { gatewayAddress: spec.gateway.gatewayAddress } : {}),
      },
    });
    const portals = [];
    for (const name of spec.portals) {
      const p = await himarket.ensurePortal(name);
      const domain = p.portalDomainConfig?.[0];
      portals.push({ name, portalId: p.portalId, ...(domain ? { url: `${(domain.protocol ?? 'http').toLowerCase()}://${domain.domain}` } : {}) });
    }
    return { reachable: true, authenticated: true, gatewayId: gateway.gatewayId, portals };
  }

  private async write(conn: HiMarketConnectionObject, parts: HiMarketConnectionStatus, ready: ConditionInput): Promise<void> {
    const generation = conn.metadata.generation;
    const observed = generation !== undefined ? { observedGeneration: generation } : {};
    const status: HiMarketConnectionStatus = {
      ...observed,
      ...parts,
      conditions: setCondition(conn.status?.conditions, { ...ready, ...observed }),
    };
    try {
      await writeStatus(this.deps.client, himarketConnectionResource, conn, status);
    } catch (e) {
      // A stale cache: the watch event with the newer object requeues us.
      if (isConflict(e) || isNotFound(e)) return this.deps.log.debug({ conn: conn.metadata.name, err: errorMessage(e) }, 'status write skipped');
      throw e;
    }
  }
}

function isReady(conn: HiMarketConnectionObject): boolean {
  return conn.status?.conditions?.some((c) => c.type === READY && c.status === 'True') ?? false;
}
