import type { SemanticRouterSpec } from '../api/v1alpha1/semanticrouter.js';
import type { Informer } from '../kube/informer.js';
import { makeKey } from '../kube/object.js';
import { runtimeReadiness } from '../reconcilers/ragpipeline.js';
import type { RouterRender } from '../reconcilers/semanticrouter.js';
import { errorMessage } from '../util/errors.js';
import type { WorkloadObject } from './ragpipeline.js';
import { deploymentView, type PollMemory, type RouterLocator, type RouterStatusReader } from './semanticrouter-runtime.js';

/**
 * The status half of the SemanticRouter controller: is the router running (the local process in local mode,
 * else what the deployment controller reported), and its `/status` on the admin port, polled when due. A poll
 * that fails is remembered and retried with backoff (semanticrouter-status.ts decides when Ready turns False).
 */

export interface RuntimeObservation {
  /** The router's OpenAI base URL (…/v1) as reported in status. */
  endpoint: string | undefined;
  runtimeAvailable: boolean;
  runtimeMessage: string;
  memory: PollMemory;
  /** A poll was due (and made) on this pass. */
  due: boolean;
}

export interface RouterPollerDeps {
  deployments: Informer<WorkloadObject>;
  reader: RouterStatusReader;
  locator?: RouterLocator | undefined;
  now: () => number;
}

export class RouterPoller {
  private readonly memory = new Map<string, PollMemory>();

  constructor(private readonly deps: RouterPollerDeps) {}

  /** `held`: why a pod could not start (a missing Secret or claim); a local runtime is then not started either. */
  async observe(key: string, render: RouterRender | undefined, spec: Pick<SemanticRouterSpec, 'replicas'>, held?: string): Promise<RuntimeObservation> {
    let endpoint = render?.endpoint;
    let admin = render?.adminEndpoint;
    let runtimeAvailable = false;
    let runtimeMessage = 'not rendered: see PoolResolved';
    if (render && this.deps.locator?.replacesDeployment && held !== undefined) {
      endpoint = undefined;
      admin = undefined;
      runtimeMessage = `local router process not started: ${held}`;
    } else if (render && this.deps.locator?.replacesDeployment) {
      const local = await this.deps.locator.endpointFor(render);
      endpoint = local?.api;
      admin = local?.admin;
      runtimeAvailable = local !== undefined;
      runtimeMessage = local ? `router runs as a local process at ${local.api}` : 'local router process is not running';
    } else if (render) {
      const d = this.deps.deployments.store.get(makeKey(render.owner.namespace, render.deployment.metadata.name));
      const readiness = runtimeReadiness(spec.replicas, d ? deploymentView(d) : undefined);
      runtimeAvailable = readiness.ready.status === 'True';
      runtimeMessage = readiness.ready.message;
    }
    const memory = this.memory.get(key) ?? { failures: 0, nextPollAt: 0 };
    const due = runtimeAvailable && admin !== undefined && this.deps.now() >= memory.nextPollAt;
    if (due && admin) await this.poll(memory, admin);
    return { endpoint, runtimeAvailable, runtimeMessage, memory, due };
  }

  /** Remember the pass: the next poll after `requeueAfterMs` when one was made. Returns the requeue delay. */
  settle(key: string, seen: RuntimeObservation, requeueAfterMs: number): number | undefined {
    if (seen.due) seen.memory.nextPollAt = this.deps.now() + requeueAfterMs;
    this.memory.set(key, seen.memory);
    return seen.runtimeAvailable ? Math.max(50, seen.memory.nextPollAt - this.deps.now()) : undefined;
  }

  forget(key: string): void {
    this.memory.delete(key);
  }

  private async poll(memory: PollMemory, admin: string): Promise<void> {
    try {
      memory.lastStatus = await this.deps.reader.read(admin);
      memory.lastPolled = new Date(this.deps.now()).toISOString().replace(/\.\d{3}Z$/, 'Z');
      memory.failures = 0;
      delete memory.lastError;
    } catch (err) {
      memory.failures++;
      memory.lastError = errorMessage(err);
    }
  }
}
