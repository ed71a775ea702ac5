import type { OwnerRef } from '../kube/owner.js';
import type { DeploymentStatusView } from '../reconcilers/ragpipeline.js';
import type { WorkloadObject } from './ragpipeline.js';
import type { RouterRender } from '../reconcilers/semanticrouter.js';
import { routerStatusSchema, type RouterStatus } from '../router/status.js';
import { errorMessage } from '../util/errors.js';

/** The two listeners of a router: the OpenAI API (base URL with /v1) and the admin port (/status, /metrics). */
export interface RouterEndpoints {
  api: string;
  admin: string;
}

/** Where a router actually answers when it is not the in-cluster Service (local-process mode). */
export interface RouterLocator {
  /** Where the local process listens, or undefined when it is not running. */
  endpointFor(render: RouterRender): Promise<RouterEndpoints | undefined>;
  /** True when this locator, not a Deployment, decides availability. */
  readonly replacesDeployment: boolean;
  release(owner: OwnerRef): Promise<void>;
  stopAll?(): Promise<void>;
}

/** Reads a router's `GET /status` (the typed contract of src/router/status.ts). */
export interface RouterStatusReader {
  /** `admin` is the base URL of the router's admin port; rejects when the router cannot be read. */
  read(admin: string): Promise<RouterStatus>;
}

export class HttpRouterStatusReader implements RouterStatusReader {
  constructor(private readonly timeoutMs = 3000) {}

  async read(admin: string): Promise<RouterStatus> {
    const url = new URL('/status', admin);
    let res: Response;
    try {
      res = await fetch(url, { signal: AbortSignal.timeout(this.timeoutMs) });
    } catch (err) {
      throw new Error(`GET ${url.href}: ${errorMessage(err instanceof Error && err.cause ? err.cause : err)}`, { cause: err });
    }
    if (!res.ok) throw new Error(`GET ${url.href}: HTTP ${res.status}`);
    const parsed = routerStatusSchema.safeParse(await res.json());
    if (!parsed.success) throw new Error(`GET ${url.href}: not a router status document (${parsed.error.issues[0]?.message ?? 'invalid'})`);
    return parsed.data;
  }
}

/** What the controller remembers between polls of one router (in memory: a restart starts afresh). */
export interface PollMemory {
  failures: number;
  lastStatus?: RouterStatus;
  lastError?: string;
  lastPolled?: string;
  /** When the next poll is due (ms since epoch); reconciles in between reuse the memory. */
  nextPollAt: number;
}

/** The Deployment status fields readiness is read from. */
export function deploymentView(d: WorkloadObject): DeploymentStatusView {
  const s = d.status ?? {};
  const num = (v: unknown) => (typeof v === 'number' ? v : undefined);
  return {
    generation: d.metadata.generation,
    observedGeneration: num(s.observedGeneration),
    replicas: num(s.replicas),
    updatedReplicas: num(s.updatedReplicas),
    availableReplicas: num(s.availableReplicas),
  };
}
