import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { collectDefaultMetrics, register } from 'prom-client';
import { createLogger } from '../util/log.js';
import type { KubeClient } from './client.js';
import { metricsEndpoint, serveEndpoints, type Endpoint, type EndpointServer } from './http-endpoints.js';
import { Informer, type EventSource } from './informer.js';
import { LeaderElector } from './leader.js';
import { leaderElectionMasterStatus } from './metrics.js';
import { makeKey, type KubeObject, type ObjectKey } from './object.js';
import { ReferencedObjects } from './referenced-objects.js';
import type { ResourceType } from './resources.js';

/** Something the manager starts and stops: a Controller, a runtime supervisor. */
export interface Runnable {
  start(): void | Promise<void>;
  stop(): Promise<void>;
}

/** A cache the manager starts on every replica (informer, ReferencedObjects). */
export interface Cache extends Runnable {
  hasSynced(): boolean;
}

export interface LeaderElectionConfig {
  /** Namespace of the coordination.k8s.io Lease (the operator's own namespace). */
  namespace: string;
  name: string;
  /** Unique per process: pod name, or host + pid. */
  identity: string;
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
}

export interface ManagerOptions {
  client: KubeClient;
  log?: Logger;
  /** Periodic resync of every informer; 0 disables. Default 10 min. */
  resyncPeriodMs?: number;
  /**
   * The one gateway namespace this operator serves: informers over gateway kinds ({@link Manager.gatewayInformer})
   * list and watch only there, so the RBAC for those reads can be a Role in that namespace. Undefined: every namespace.
   */
  gatewayNamespace?: string;
  /** `/healthz` and `/readyz`; undefined serves none, 0 picks a free port. */
  healthPort?: number;
  /** `/metrics`; undefined serves none, 0 picks a free port, `'health'` serves it on the health server. */
  metricsPort?: number | 'health';
  /** Default 0.0.0.0 (probes come from the kubelet, scrapes from Prometheus). */
  bindAddress?: string;
  /** Campaign for a Lease before starting controllers; absent = this process leads at once. */
  leaderElection?: LeaderElectionConfig;
  /**
   * Leadership was held and is now lost. Default: stop the controllers (no more writes), stop campaigning,
   * keep serving probes. A process that prefers a clean slate (src/main.ts) exits here and lets the Deployment restart it.
   */
  onLeadershipLost?: () => void;
}

export interface InformerScope {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** The kind may not be served (Higress CRDs not installed yet): its sync does not gate readiness. */
  optional?: boolean;
}

/**
 * controller-runtime's Manager, small: shared informers (one per resource + scope, whoever asks), probes and
 * metrics served from process start on EVERY replica, caches warm on every replica (a standby that takes
 * over only has to start its controllers), and controllers that run only while this replica holds the
 * Lease. Controllers register themselves (`setupXController(mgr, …)`, kubebuilder's SetupWithManager):
 * they ask `mgr.informer(...)` for what they watch and `mgr.add(controller)`.
 *
 * `/readyz` answers 200 once the required caches have listed, saying `leader` or `standby`, so a standby
 * replica is Ready (rollouts proceed) and `kubectl get pods` + the body tell who leads.
 */
export class Manager {
  readonly client: KubeClient;
  readonly log: Logger;
  readonly resyncPeriodMs: number;
  /** See {@link ManagerOptions.gatewayNamespace}. */
  readonly gatewayNamespace: string | undefined;
  private readonly informers = new Map<string, Informer<KubeObject>>();
  private readonly caches: Array<{ cache: Cache; required: boolean }> = [];
  private readonly leaderRunnables: Runnable[] = [];
  private readonly servers: EndpointServer[] = [];
  private elector?: LeaderElector;
  private leading = false;
  private leaderRunning = false;
  private started = false;
  private stopping?: Promise<void>;
  private leaderIdentity = '';
  healthAddress?: AddressInfo;
  metricsAddress?: AddressInfo;

  constructor(private readonly opts: ManagerOptions) {
    this.client = opts.client;
    this.log = opts.log ?? createLogger('manager');
    this.resyncPeriodMs = opts.resyncPeriodMs ?? 10 * 60_000;
    this.gatewayNamespace = opts.gatewayNamespace;
  }

  /** The shared informer for `resource` in `scope`; created on first request, started with the manager. */
  informer<T extends KubeObject>(resource: ResourceType, scope: InformerScope = {}): Informer<T> {
    const id = [resource.group, resource.plural, scope.namespace ?? '', scope.labelSelector ?? '', scope.fieldSelector ?? ''].join('|');
    let informer = this.informers.get(id);
    if (!informer) {
      informer = new Informer<KubeObject>({
        client: this.client,
        resource,
        namespace: scope.namespace,
        labelSelector: scope.labelSelector,
        fieldSelector: scope.fieldSelector,
        resyncPeriodMs: this.resyncPeriodMs,
        logger: this.log,
      });
      this.informers.set(id, informer);
      this.addCache(informer, { required: !scope.optional });
    } else if (!scope.optional) {
      // Asked for as required by someone: it gates readiness.
      const entry = this.caches.find((c) => c.cache === informer);
      if (entry) entry.required = true;
    }
    return informer as unknown as Informer<T>;
  }

  /**
   * The shared informer over a kind the gateway reads (Ingress, WasmPlugin, McpBridge, EnvoyFilter, the console's
   * ConfigMaps): in the served gateway namespace when the operator is scoped to one, else in every namespace.
   */
  gatewayInformer<T extends KubeObject>(resource: ResourceType, scope: Omit<InformerScope, 'namespace'> = {}): Informer<T> {
    return this.informer<T>(resource, { ...scope, ...(this.gatewayNamespace ? { namespace: this.gatewayNamespace } : {}) });
  }

  /**
   * A cache of only the objects that `primary` objects name (ReferencedObjects: one watch each, scoped by namespace and
   * name), following the references as primaries come, change and go. Its handler is registered now, so it runs
   * before the controllers' handlers registered later: a reconcile finds the references already followed.
   * `onSynced` hears each object's first list, found or absent (absent is an answer: e.g. SecretNotFound).
   */
  referencedCache<T extends KubeObject, P extends KubeObject>(
    resource: ResourceType,
    o: { primary: EventSource<P>; refs: (p: P) => Iterable<ObjectKey>; onSynced?: (key: ObjectKey) => void; required: boolean; logger?: Logger },
  ): ReferencedObjects<T> {
    const cache = new ReferencedObjects<T>({
      client: this.client,
      resource,
      resyncPeriodMs: this.resyncPeriodMs,
      logger: o.logger ?? this.log,
      ...(o.onSynced ? { onSynced: o.onSynced } : {}),
    });
    this.addCache(cache, { required: o.required });
    const owner = (p: P) => makeKey(p.metadata.namespace, p.metadata.name ?? '');
    o.primary.addEventHandler({
      onAdd: (p) => cache.setReferences(owner(p), o.refs(p)),
      onUpdate: (_old, p) => cache.setReferences(owner(p), o.refs(p)),
      onDelete: (p) => cache.setReferences(owner(p), []),
    });
    return cache;
  }

  /** A cache that is not a plain informer (e.g. ReferencedObjects); started on every replica. */
  addCache(cache: Cache, opts: { required: boolean }): void {
    this.caches.push({ cache, required: opts.required });
    if (this.started) void cache.start();
  }

  /** A controller (or anything that writes): runs only while this replica leads. */
  add(runnable: Runnable): void {
    this.leaderRunnables.push(runnable);
    if (this.leaderRunning) void runnable.start();
  }

  isLeader(): boolean {
    return this.leading;
  }

  /** Whether every required cache has listed once. */
  hasSynced(): boolean {
    return this.caches.every((c) => !c.required || c.cache.hasSynced());
  }

  /** Resolves once every required cache has listed; rejects after `timeoutMs`. */
  async waitForCacheSync(timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.hasSynced()) {
      if (Date.now() > deadline) throw new Error(`caches did not sync in ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** Re-deliver every cached object to the controllers (what the periodic resync does). */
  resync(): void {
    for (const i of this.informers.values()) i.resync();
  }

  /** Serve probes and metrics, start the caches, then lead at once or campaign for the Lease. */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    // process_* and nodejs_* series (RSS, event-loop lag), as client_golang's default collectors give Go operators.
    if (!register.getSingleMetric('process_resident_memory_bytes')) collectDefaultMetrics({ register });
    await this.serve();
    for (const { cache } of this.caches) void cache.start();
    const le = this.opts.leaderElection;
    if (!le) {
      this.becomeLeader(undefined);
      return;
    }
    leaderElectionMasterStatus.set({ name: le.name }, 0);
    this.elector = new LeaderElector({
      client: this.client,
      ...le,
      logger: this.log,
      onNewLeader: (id) => (this.leaderIdentity = id),
      onStartedLeading: () => this.becomeLeader(le.name),
      onStoppedLeading: () => {
        this.leading = false;
        leaderElectionMasterStatus.set({ name: le.name }, 0);
        if (this.stopping) return; // we released the lease ourselves
        this.log.error({ identity: le.identity }, 'lost leadership; controllers stop writing');
        if (this.opts.onLeadershipLost) return this.opts.onLeadershipLost();
        // Stopped controllers cannot restart (their queues are shut down): stop campaigning too, so this
        // replica never claims a lease it would not serve. It keeps answering probes until restarted.
        void this.stopLeaderRunnables();
        void this.elector?.release();
      },
    });
    this.elector.start();
  }

  /** Stop controllers (in-flight reconciles finish), release the Lease, stop caches and servers. */
  stop(): Promise<void> {
    return (this.stopping ??= (async () => {
      await this.stopLeaderRunnables();
      await this.elector?.release();
      await Promise.all(this.caches.map(({ cache }) => cache.stop()));
      await Promise.all(this.servers.map((s) => s.close()));
      this.log.info('manager stopped');
    })());
  }

  private becomeLeader(leaseName: string | undefined): void {
    this.leading = true;
    if (leaseName) leaderElectionMasterStatus.set({ name: leaseName }, 1);
    this.leaderRunning = true;
    for (const r of this.leaderRunnables) void r.start();
    this.log.info({ controllers: this.leaderRunnables.length }, 'leading: controllers started');
  }

  private async stopLeaderRunnables(): Promise<void> {
    if (!this.leaderRunning) return;
    this.leaderRunning = false;
    await Promise.all(this.leaderRunnables.map((r) => r.stop()));
  }

  private role(): string {
    if (this.leading) return 'leader';
    return this.leaderIdentity ? `standby (leader: ${this.leaderIdentity})` : 'standby';
  }

  private async serve(): Promise<void> {
    const host = this.opts.bindAddress ?? '0.0.0.0';
    const health: Record<string, Endpoint> = {
      // Liveness: the event loop answers. Never tied to leadership or the API server, or a standby (or an
      // API-server outage) would make the kubelet restart healthy replicas.
      '/healthz': () => ({ status: 200, body: 'ok' }),
      '/readyz': () => (this.hasSynced() ? { status: 200, body: `ok: ${this.role()}` } : { status: 503, body: `informers not synced; ${this.role()}` }),
    };
    const { healthPort, metricsPort } = this.opts;
    if (healthPort !== undefined && (metricsPort === 'health' || (metricsPort === healthPort && healthPort !== 0))) {
      const s = await serveEndpoints(healthPort, host, { ...health, '/metrics': metricsEndpoint });
      this.servers.push(s);
      this.healthAddress = this.metricsAddress = s.address;
      return;
    }
    if (healthPort !== undefined) {
      const s = await serveEndpoints(healthPort, host, health);
      this.servers.push(s);
      this.healthAddress = s.address;
    }
    if (typeof metricsPort === 'number') {
      const s = await serveEndpoints(metricsPort, host, { '/metrics': metricsEndpoint });
      this.servers.push(s);
      this.metricsAddress = s.address;
    }
  }
}
