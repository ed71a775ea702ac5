import { createHash } from 'node:crypto';
import { stringify } from 'yaml';
import type { GeneratedObject } from '../api/v1alpha1/common.js';
import type { EncoderVolume } from '../api/v1alpha1/encoder.js';
import type { ConfigMap, Deployment, EnvVar, PersistentVolumeClaim, Service, Volume, VolumeMount, WorkloadObjectMeta } from '../contracts/kubernetes/index.js';
import { APPLIED_HASH_ANNOTATION, desiredHash } from '../kube/apply.js';
import { stableStringify, type KubeObject } from '../kube/object.js';
import { ownerAnnotations, ownerLabels, type OwnerRef } from '../kube/owner.js';

/**
 * The shell every runtime of ours runs in (RagPipeline, SemanticRouter), as a pure function: a ConfigMap with
 * the runtime's config document, an optional PVC for its data, a Deployment whose pod template carries the
 * checksum of that ConfigMap (a config change rolls the pods) and a Service publishing the container's named
 * ports. All in the owner's namespace, with an ownerReference (same namespace, so garbage collection removes
 * them) and the owner labels. What differs per kind (the document, extra env and volumes, the strategy) comes
 * in as input; the objects come back as the typed contracts of src/contracts/kubernetes.
 */

export const DEFAULT_RUNTIME_IMAGE = 'ghcr.io/higress-ai-operator/higress-ai-operator:latest';
export const CHECKSUM_ANNOTATION = 'checksum/config';

/**
 * The restricted Pod Security Standard, as the operator's own Deployment (config/manager): namespaces that enforce
 * it admit the runtimes. The image runs as `node` (uid/gid 1000, Dockerfile `USER node`); fsGroup makes a fresh PVC
 * (root-owned on most provisioners) writable by it, where the router keeps its flywheel store and model versions.
 */
const POD_SECURITY_CONTEXT = {
  runAsNonRoot: true,
  runAsUser: 1000,
  runAsGroup: 1000,
  fsGroup: 1000,
  seccompProfile: { type: 'RuntimeDefault' as const },
};
const CONTAINER_SECURITY_CONTEXT = { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } };

/** Hash of ConfigMap data, independent of key order. Pure. */
export function configChecksum(data: Record<string, string>): string {
  return createHash('sha256').update(stableStringify(data)).digest('hex').slice(0, 16);
}

/** A named port, the same on the container and the Service (the Service targets it by name). */
export interface WorkloadPort {
  name: string;
  port: number;
}

export interface WorkloadData {
  accessMode: 'ReadWriteOnce' | 'ReadWriteMany';
  size: string;
  storageClassName?: string | undefined;
  mount: string;
}

/** Whose workload it is: what every object's name, labels and ownerReference come from. */
export interface WorkloadOwner {
  ref: OwnerRef;
  /** The owner's uid; without it (a render before the object exists) no ownerReference is written. */
  uid: string | undefined;
  /** `app.kubernetes.io/name` of the pods. */
  appName: string;
  /** `workload`: ConfigMap, Deployment and Service; `data`: the PVC. */
  names: { workload: string; data: string };
}

export interface WorkloadInput {
  /** The runtime document, stored as YAML under `key`, mounted at `mount`, its path passed in env `pathEnv`. */
  config: { key: string; document: unknown; mount: string; pathEnv: string };
  /** The data PVC and where it is mounted; absent when the runtime keeps no local state. */
  data?: WorkloadData | undefined;
  container: {
    name: string;
    image: string;
    args: string[];
    /** Env after the config path. */
    env: EnvVar[];
    ports: WorkloadPort[];
    /** The port `/healthz` is probed on. */
    probePort: string;
    resources?: Deployment['spec']['template']['spec']['containers'][number]['resources'];
  };
  /** Volumes and mounts after the config and data ones. */
  volumes?: Volume[];
  mounts?: VolumeMount[];
  replicas: number;
  /** Recreate when two pods must never run at once (one writer of an RWO volume or an SQLite file). */
  recreate: boolean;
  terminationGracePeriodSeconds?: number;
}

/** The objects of one workload, as the render results of both kinds carry them. */
export interface WorkloadObjects {
  /** Hash of the ConfigMap data; the Deployment's pod template carries it. */
  checksum: string;
  configMap: ConfigMap;
  pvc: PersistentVolumeClaim | undefined;
  deployment: Deployment;
  service: Service;
}

export interface WorkloadRender {
  objects: WorkloadObjects;
  /** In-cluster host name of the Service. */
  serviceHost: string;
}

export function renderWorkload(who: WorkloadOwner, input: WorkloadInput & { data: WorkloadData }): WorkloadRender & { objects: { pvc: PersistentVolumeClaim } };
export function renderWorkload(who: WorkloadOwner, input: WorkloadInput): WorkloadRender;
export function renderWorkload(who: WorkloadOwner, input: WorkloadInput): WorkloadRender {
  const { ref: owner, names } = who;
  const { config, data, container } = input;
  const { kind, namespace, name } = owner;
  const selector = { 'app.kubernetes.io/name': who.appName, 'app.kubernetes.io/instance': name };
  const ownerReferences = who.uid
    ? [{ apiVersion: 'ai.higress.io/v1alpha1', kind, name, uid: who.uid, controller: true, blockOwnerDeletion: true }]
    : undefined;
  const meta = (objName: string): WorkloadObjectMeta => ({
    name: objName,
    namespace,
    labels: { ...ownerLabels(owner), ...selector },
    annotations: ownerAnnotations(owner),
    ...(ownerReferences ? { ownerReferences } : {}),
  });

  const configData = { [config.key]: stringify(config.document, { lineWidth: 0 }) };
  const checksum = configChecksum(configData);
  const configMap: ConfigMap = { apiVersion: 'v1', kind: 'ConfigMap', metadata: meta(names.workload), data: configData };
  const pvc: PersistentVolumeClaim | undefined = data
    ? {
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        metadata: meta(names.data),
        spec: {
          accessModes: [data.accessMode],
          resources: { requests: { storage: data.size } },
          ...(data.storageClassName ? { storageClassName: data.storageClassName } : {}),
        },
      }
    : undefined;

  const volumes: Volume[] = [{ name: 'config', configMap: { name: names.workload } }];
  const mounts: VolumeMount[] = [{ name: 'config', mountPath: config.mount, readOnly: true }];
  if (data) {
    volumes.push({ name: 'data', persistentVolumeClaim: { claimName: names.data } });
    mounts.push({ name: 'data', mountPath: data.mount });
  }
  // The root filesystem is read-only (restricted securityContext below); Node and its libraries may still write temp files.
  volumes.push({ name: 'tmp', emptyDir: {} });
  mounts.push({ name: 'tmp', mountPath: '/tmp' });
  volumes.push(...(input.volumes ?? []));
  mounts.push(...(input.mounts ?? []));

  const deployment: Deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: meta(names.workload),
    spec: {
      replicas: input.replicas,
      selector: { matchLabels: selector },
      strategy: { type: input.recreate ? 'Recreate' : 'RollingUpdate' },
      template: {
        metadata: { labels: selector, annotations: { [CHECKSUM_ANNOTATION]: checksum } },
        spec: {
          ...(input.terminationGracePeriodSeconds !== undefined ? { terminationGracePeriodSeconds: input.terminationGracePeriodSeconds } : {}),
          securityContext: POD_SECURITY_CONTEXT,
          containers: [
            {
              name: container.name,
              image: container.image,
              args: container.args,
              env: [{ name: config.pathEnv, value: `${config.mount}/${config.key}` }, ...container.env],
              ports: container.ports.map((p) => ({ name: p.name, containerPort: p.port, protocol: 'TCP' as const })),
              readinessProbe: { httpGet: { path: '/healthz', port: container.probePort }, periodSeconds: 5 },
              volumeMounts: mounts,
              ...(container.resources ? { resources: container.resources } : {}),
              securityContext: CONTAINER_SECURITY_CONTEXT,
            },
          ],
          volumes,
        },
      },
    },
  };
  const service: Service = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: meta(names.workload),
    spec: { selector, ports: container.ports.map((p) => ({ name: p.name, port: p.port, targetPort: p.name, protocol: 'TCP' as const })) },
  };
  return { objects: { checksum, configMap, pvc, deployment, service }, serviceHost: `${names.workload}.${namespace}.svc.cluster.local` };
}

/** The `status.generatedObjects[]` entry of an object we wrote. */
export function generatedObjectOf(o: { apiVersion: string; kind: string; metadata: { name: string; namespace: string } }): GeneratedObject {
  return { apiVersion: o.apiVersion, kind: o.kind, namespace: o.metadata.namespace, name: o.metadata.name };
}

/**
 * A spec's sentence-encoder volume (src/api/v1alpha1/encoder.ts) mounted read-only at `mountPath`, and the model
 * directory inside it the runtime's `embedding.modelDir` names.
 */
export function encoderMount(encoder: EncoderVolume, name: string, mountPath: string): { volume: Volume; mount: VolumeMount; modelDir: string } {
  const volume: Volume = encoder.persistentVolumeClaim
    ? { name, persistentVolumeClaim: { claimName: encoder.persistentVolumeClaim.claimName, readOnly: true } }
    : { name, image: { reference: encoder.image!.reference, ...(encoder.image!.pullPolicy ? { pullPolicy: encoder.image!.pullPolicy } : {}) } };
  const dir = encoder.path?.replace(/\/+$/, '');
  return { volume, mount: { name, mountPath, readOnly: true }, modelDir: dir ? `${mountPath}/${dir}` : mountPath };
}

/** A Deployment's pod volumes as stored (any object: what is not a pod template has none). */
function templateVolumes(o: KubeObject): { name: string; image?: unknown }[] {
  const volumes = (o as { spec?: { template?: { spec?: { volumes?: unknown } } } }).spec?.template?.spec?.volumes;
  return Array.isArray(volumes) ? volumes.filter((v): v is { name: string; image?: unknown } => typeof (v as { name?: unknown })?.name === 'string') : [];
}

/**
 * Image volumes of the rendered Deployment that the stored one lacks. While the ImageVolume feature gate is off
 * the API server removes `image` volumes and their mounts from pod templates without an error (kubernetes
 * pkg/api/pod/util.go `dropImageVolumes`, called for Deployment templates; the gate is on by default from 1.35,
 * off in 1.31–1.34). Compared only when `stored` was written from `desired` (same applied hash), so a Deployment not
 * yet updated to a new render is not mistaken for one. Pure.
 */
export function droppedImageVolumes(desired: KubeObject, stored: KubeObject | undefined): string[] {
  if (!stored || stored.metadata.annotations?.[APPLIED_HASH_ANNOTATION] !== desiredHash(desired)) return [];
  const kept = new Set(templateVolumes(stored).map((v) => v.name));
  return templateVolumes(desired)
    .filter((v) => v.image !== undefined && !kept.has(v.name))
    .map((v) => v.name);
}

/** The Ready reason and message for an encoder image volume the cluster drops; `field` is the spec field that asked for it. */
export function imageVolumeDropped(field: string): { reason: 'ImageVolumeUnsupported'; message: string } {
  const pvc = field.replace(/\.image$/, '.persistentVolumeClaim');
  return {
    reason: 'ImageVolumeUnsupported',
    message: `${field}: this cluster removes image volumes from pod templates (the ImageVolume feature gate is off; it is on by default from Kubernetes 1.35), so the pods would start without the encoder — mount it from ${pvc} instead`,
  };
}
