import { applyIfChanged, desiredHash } from '../kube/apply.js';
import type { KubeClient } from '../kube/client.js';
import { makeKey, type KubeObject } from '../kube/object.js';
import { Resources } from '../kube/resources.js';
import { droppedImageVolumes, imageVolumeDropped } from '../reconcilers/workload.js';

/**
 * Applies a runtime's Deployment and notices when the API server dropped its encoder image volume
 * (`droppedImageVolumes`). Such a Deployment looks drifted on every reconcile and would be rewritten each time, to
 * be dropped again; it is written once per render per operator process instead (a cluster that turned the feature
 * gate on is tried again after an operator restart or a spec change), and the spec field is named in Ready.
 */
export class WorkloadDeployments {
  /** Deployment key → the render hash whose image volume the server dropped. */
  private readonly dropped = new Map<string, string>();

  constructor(private readonly client: KubeClient) {}

  /** `imageField`: the spec field of the encoder image volume (e.g. `spec.cache.encoder.image`). */
  async apply(desired: KubeObject, observed: KubeObject | undefined, imageField: string): Promise<{ reason: string; message: string } | undefined> {
    const key = makeKey(desired.metadata.namespace, desired.metadata.name ?? '');
    const hash = desiredHash(desired);
    if (this.dropped.get(key) === hash && droppedImageVolumes(desired, observed).length > 0) return imageVolumeDropped(imageField);
    const result = await applyIfChanged(this.client, Resources.Deployment, desired, { observed, trustObservedAbsence: true });
    const stored = result.written ? result.object : observed;
    if (droppedImageVolumes(desired, stored).length === 0) {
      this.dropped.delete(key);
      return undefined;
    }
    this.dropped.set(key, hash);
    return imageVolumeDropped(imageField);
  }
}
