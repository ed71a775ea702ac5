import { z } from 'zod';

/**
 * The built-in Kubernetes objects our runtimes run as (RagPipeline, SemanticRouter): exactly the fields the
 * workload builders emit, named as k8s.io/api v0.35.4 declares them (the Go module the control-plane test
 * binaries are built from). Strict objects: the API server drops a field it does not know (a misspelt
 * `readinessProbe` would silently leave the pod without one), so here an unknown key fails. Fields we never
 * set are left out on purpose; adding one means adding it here first.
 *
 * Cross-field checks are the API server's own validation (`pkg/apis/apps/validation`,
 * `pkg/apis/core/validation` in kubernetes v1.35.4), so a render that would be rejected fails a unit test
 * instead of surfacing as `generatedObjects[].error`.
 */

const stringMap = z.record(z.string(), z.string());

/** `validation.IsDNS1123Label`: container, volume and port-less names. */
const dns1123Label = z
  .string()
  .max(63)
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'a DNS-1123 label');
/** `validation.IsDNS1123Subdomain`: object names. */
const dns1123Subdomain = z
  .string()
  .max(253)
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/, 'a DNS-1123 subdomain');
/** `validation.IsValidPortName` (IANA_SVC_NAME): at most 15 characters, a letter among them. */
const portName = z
  .string()
  .max(15)
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/)
  .regex(/[a-z]/, 'a port name needs a letter');
const portNumber = z.int().min(1).max(65535);
/** `intstr.IntOrString`: a port number or a named container port. */
const intOrPortName = z.union([portNumber, portName]);
/** `resource.Quantity` in the forms our CRDs admit (src/api/v1alpha1 `QUANTITY`). */
const quantity = z.string().regex(/^[0-9]+(\.[0-9]+)?(m|k|Ki|Mi|Gi|Ti|M|G|T)?$/, 'a quantity');
const protocol = z.enum(['TCP', 'UDP', 'SCTP']);

/** `metav1.OwnerReference` (apimachinery `pkg/apis/meta/v1/types.go`). */
export const ownerReferenceSchema = z.strictObject({
  apiVersion: z.string().min(1),
  kind: z.string().min(1),
  name: z.string().min(1),
  uid: z.string().min(1),
  controller: z.boolean().optional(),
  blockOwnerDeletion: z.boolean().optional(),
});

/** `metav1.ObjectMeta`: the subset a generated object carries (name, namespace, ownership marks). */
export const objectMetaSchema = z.strictObject({
  name: dns1123Subdomain,
  namespace: dns1123Label,
  labels: stringMap.optional(),
  annotations: stringMap.optional(),
  /** Same-namespace owners only: garbage collection ignores a cross-namespace reference. */
  ownerReferences: z.array(ownerReferenceSchema).optional(),
});
export type WorkloadObjectMeta = z.infer<typeof objectMetaSchema>;

/** An object of one kind: `apiVersion`/`kind` literals, our metadata, and the kind's `spec`. */
const kubeObject = <A extends string, K extends string, S extends z.ZodType>(apiVersion: A, kind: K, spec: S) =>
  z.strictObject({ apiVersion: z.literal(apiVersion), kind: z.literal(kind), metadata: objectMetaSchema, spec });

/** `core/v1` `SecretKeySelector` inside `EnvVarSource`: the only env source we use (no value in the spec). */
const envVarSchema = z
  .strictObject({
    name: z.string().min(1),
    value: z.string().optional(),
    valueFrom: z.strictObject({ secretKeyRef: z.strictObject({ name: dns1123Subdomain, key: z.string().min(1) }) }).optional(),
  })
  .refine((e) => (e.value === undefined) !== (e.valueFrom === undefined), 'an env var has either value or valueFrom (validateEnvVarValueFrom)');
export type EnvVar = z.infer<typeof envVarSchema>;

/** `core/v1` `ContainerPort`. */
const containerPortSchema = z.strictObject({ name: portName, containerPort: portNumber, protocol });

/** `core/v1` `Probe` with an `HTTPGetAction` handler. */
const probeSchema = z.strictObject({
  httpGet: z.strictObject({ path: z.string().startsWith('/'), port: intOrPortName }),
  periodSeconds: z.int().min(1).optional(),
});

/** `core/v1` `VolumeMount`. */
const volumeMountSchema = z.strictObject({
  name: dns1123Label,
  mountPath: z.string().startsWith('/'),
  /** Relative; the API server rejects `..` and absolute paths (`validateLocalDescendingPath`). */
  subPath: z
    .string()
    .min(1)
    .refine((p) => !p.startsWith('/') && !p.split('/').includes('..'), 'subPath must be relative without ..')
    .optional(),
  readOnly: z.boolean().optional(),
});
export type VolumeMount = z.infer<typeof volumeMountSchema>;

/** `core/v1` `ResourceRequirements` (requests/limits only). */
const resourceRequirementsSchema = z.strictObject({
  requests: z.record(z.string(), quantity).optional(),
  limits: z.record(z.string(), quantity).optional(),
});

/**
 * `core/v1` `SecurityContext` / `PodSecurityContext`: the fields the restricted Pod Security Standard checks
 * (k8s.io/pod-security-admission `policy/check_*.go`: runAsNonRoot, seccompProfile, allowPrivilegeEscalation,
 * capabilities.drop ALL) plus the ids and fsGroup that make a fresh volume writable by the image's `node` user.
 */
const seccompProfileSchema = z.strictObject({ type: z.enum(['RuntimeDefault', 'Localhost', 'Unconfined']) });
const podSecurityContextSchema = z.strictObject({
  runAsNonRoot: z.boolean().optional(),
  runAsUser: z.int().min(0).optional(),
  runAsGroup: z.int().min(0).optional(),
  fsGroup: z.int().min(0).optional(),
  seccompProfile: seccompProfileSchema.optional(),
});
const containerSecurityContextSchema = z.strictObject({
  allowPrivilegeEscalation: z.boolean().optional(),
  readOnlyRootFilesystem: z.boolean().optional(),
  capabilities: z.strictObject({ drop: z.array(z.string().min(1)).optional(), add: z.array(z.string().min(1)).optional() }).optional(),
});

/** `core/v1` `Container`. */
const containerSchema = z.strictObject({
  name: dns1123Label,
  image: z.string().min(1),
  args: z.array(z.string()).optional(),
  env: z.array(envVarSchema).optional(),
  ports: z.array(containerPortSchema).optional(),
  readinessProbe: probeSchema.optional(),
  volumeMounts: z.array(volumeMountSchema).optional(),
  resources: resourceRequirementsSchema.optional(),
  securityContext: containerSecurityContextSchema.optional(),
});

/**
 * `core/v1` `Volume` with a ConfigMap, PVC, emptyDir or image source (`KeyToPath` items,
 * `PersistentVolumeClaimVolumeSource`, `ImageVolumeSource`: an OCI object mounted read-only, Kubernetes 1.33+).
 */
const volumeSchema = z
  .strictObject({
    name: dns1123Label,
    configMap: z
      .strictObject({
        name: dns1123Subdomain,
        items: z.array(z.strictObject({ key: z.string().min(1), path: z.string().min(1) })).optional(),
        // k8s pkg/volume/configmap/configmap.go (SetUpAt, MakePayload): optional tolerates a missing ConfigMap or key.
        optional: z.boolean().optional(),
      })
      .optional(),
    persistentVolumeClaim: z.strictObject({ claimName: dns1123Subdomain, readOnly: z.boolean().optional() }).optional(),
    emptyDir: z.strictObject({ medium: z.enum(['', 'Memory']).optional(), sizeLimit: quantity.optional() }).optional(),
    image: z.strictObject({ reference: z.string().min(1), pullPolicy: z.enum(['Always', 'IfNotPresent', 'Never']).optional() }).optional(),
  })
  .refine(
    (v) => [v.configMap, v.persistentVolumeClaim, v.emptyDir, v.image].filter((source) => source !== undefined).length === 1,
    'a volume has exactly one source (validateVolumeSource)',
  );
export type Volume = z.infer<typeof volumeSchema>;

/** `core/v1` `PodSpec`: a mount must name a volume of the pod (`validateVolumeMounts`). */
const podSpecSchema = z
  .strictObject({
    terminationGracePeriodSeconds: z.int().min(0).optional(),
    securityContext: podSecurityContextSchema.optional(),
    containers: z.array(containerSchema).min(1),
    volumes: z.array(volumeSchema).optional(),
  })
  .superRefine((pod, ctx) => {
    const volumes = new Set((pod.volumes ?? []).map((v) => v.name));
    if (volumes.size !== (pod.volumes ?? []).length) ctx.addIssue({ code: 'custom', path: ['volumes'], message: 'volume names repeat' });
    pod.containers.forEach((c, i) =>
      (c.volumeMounts ?? []).forEach((m, j) => {
        if (!volumes.has(m.name)) ctx.addIssue({ code: 'custom', path: ['containers', i, 'volumeMounts', j, 'name'], message: `no volume '${m.name}'` });
      }),
    );
  });

/** `apps/v1` `Deployment` (`DeploymentSpec`, `DeploymentStrategy`, `PodTemplateSpec`). */
export const deploymentSchema = kubeObject(
  'apps/v1',
  'Deployment',
  z.strictObject({
    replicas: z.int().min(0),
    selector: z.strictObject({ matchLabels: stringMap }),
    strategy: z.strictObject({ type: z.enum(['Recreate', 'RollingUpdate']) }),
    template: z.strictObject({
      metadata: z.strictObject({ labels: stringMap, annotations: stringMap.optional() }),
      spec: podSpecSchema,
    }),
  }),
)
  // `ValidateDeploymentSpec`: "selector does not match template labels".
  .refine(
    (d) => Object.entries(d.spec.selector.matchLabels).every(([k, v]) => d.spec.template.metadata.labels[k] === v),
    'spec.selector.matchLabels must match spec.template.metadata.labels',
  );
export type Deployment = z.infer<typeof deploymentSchema>;

/** `core/v1` `Service` (ClusterIP, the default type): named ports, so a probe or registry can name them. */
export const serviceSchema = kubeObject(
  'v1',
  'Service',
  z.strictObject({
    selector: stringMap,
    ports: z.array(z.strictObject({ name: portName, port: portNumber, targetPort: intOrPortName, protocol })).min(1),
  }),
);
export type Service = z.infer<typeof serviceSchema>;

/** `core/v1` `PersistentVolumeClaim` (`PersistentVolumeClaimSpec`, `VolumeResourceRequirements`). */
export const persistentVolumeClaimSchema = kubeObject(
  'v1',
  'PersistentVolumeClaim',
  z.strictObject({
    accessModes: z.array(z.enum(['ReadWriteOnce', 'ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOncePod'])).min(1),
    resources: z.strictObject({ requests: z.strictObject({ storage: quantity }) }),
    storageClassName: z.string().min(1).optional(),
  }),
);
export type PersistentVolumeClaim = z.infer<typeof persistentVolumeClaimSchema>;

/** `core/v1` `ConfigMap` with string data (what a runtime's config document is mounted from). */
export const configMapSchema = z.strictObject({
  apiVersion: z.literal('v1'),
  kind: z.literal('ConfigMap'),
  metadata: objectMetaSchema,
  data: stringMap,
});
export type ConfigMap = z.infer<typeof configMapSchema>;
