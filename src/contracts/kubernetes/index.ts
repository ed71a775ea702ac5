// Built-in Kubernetes objects our runtimes run as, and the runtime documents their ConfigMaps carry.
import { deploymentSchema, persistentVolumeClaimSchema, serviceSchema } from './workload.js';

export * from './workload.js';
export * from './runtime-config-map.js';

/** The versioned envelope, like HIGRESS_CONTRACTS: `version` changes whenever a schema here changes shape. */
export const KUBERNETES_CONTRACTS = {
  version: 'contracts.higress-ai-operator.io/v1alpha1',
  /** The k8s.io/api module the field names were checked against (the test control plane's version). */
  kubernetes: 'k8s.io/api v0.35.4',
  kinds: {
    'apps/v1/Deployment': deploymentSchema,
    'v1/Service': serviceSchema,
    'v1/PersistentVolumeClaim': persistentVolumeClaimSchema,
  },
} as const;
