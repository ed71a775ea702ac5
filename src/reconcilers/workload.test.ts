import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { goldenFiles } from '../../test/support/golden.js';
import type { Deployment } from '../contracts/kubernetes/index.js';
import { APPLIED_HASH_ANNOTATION, desiredHash } from '../kube/apply.js';
import { droppedImageVolumes, imageVolumeDropped } from './workload.js';

// The runtimes must start in namespaces that enforce the restricted Pod Security Standard. These are the checks of
// k8s.io/pod-security-admission (policy/check_runAsNonRoot.go, check_seccompProfile_restricted.go,
// check_allowPrivilegeEscalation.go, check_capabilities_restricted.go, check_restrictedVolumes.go) over every
// Deployment the reconcilers render.
const deployments = goldenFiles(join(import.meta.dirname ?? process.cwd(), '..')).flatMap((file) =>
  parseAllDocuments(readFileSync(file, 'utf8'))
    .map((d) => d.toJS() as { kind?: string })
    .filter((d): d is Deployment => d?.kind === 'Deployment'),
);

describe('generated Deployments meet the restricted Pod Security Standard', () => {
  it('covers the RAG and router workloads', () => {
    expect(deployments.length).toBeGreaterThanOrEqual(6);
  });

  it.each(deployments.map((d) => [d.metadata.name, d] as const))('%s', (_name, deployment) => {
    const pod = deployment.spec.template.spec;
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    // A fresh PVC is root-owned on most provisioners; the image's user (uid 1000) writes the router's store there.
    expect(pod.securityContext?.fsGroup).toBe(1000);
    for (const c of pod.containers) {
      expect(c.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
      expect(c.securityContext?.capabilities?.add ?? []).toEqual([]);
      expect(c.volumeMounts?.some((m) => m.mountPath === '/tmp')).toBe(true);
    }
    for (const v of pod.volumes ?? [])
      expect(Object.keys(v).filter((k) => k !== 'name')).toEqual([expect.stringMatching(/^(configMap|persistentVolumeClaim|emptyDir)$/)]);
  });
});

describe('droppedImageVolumes', () => {
  const pod = (volumes: object[]) => ({ template: { spec: { containers: [], volumes } } });
  const desired = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'r', namespace: 'ns' },
    spec: pod([
      { name: 'encoder', image: { reference: 'registry.example/minilm:1' } },
      { name: 'config', configMap: { name: 'r' } },
    ]),
  };
  const stored = (volumes: object[], hash = desiredHash(desired)) => ({
    ...desired,
    metadata: { ...desired.metadata, annotations: { [APPLIED_HASH_ANNOTATION]: hash } },
    spec: pod(volumes),
  });

  it('names the image volumes the API server removed from the stored template', () => {
    expect(droppedImageVolumes(desired, stored([{ name: 'config', configMap: { name: 'r' } }]))).toEqual(['encoder']);
    expect(droppedImageVolumes(desired, stored(desired.spec.template.spec.volumes))).toEqual([]);
  });

  it('says nothing of a Deployment not yet written from this render, or not written at all', () => {
    expect(droppedImageVolumes(desired, stored([], 'another-render'))).toEqual([]);
    expect(droppedImageVolumes(desired, undefined)).toEqual([]);
  });

  it('names the spec field and the volume to use instead', () => {
    expect(imageVolumeDropped('spec.cache.encoder.image').message).toMatch(
      /^spec\.cache\.encoder\.image: .*ImageVolume feature gate.* spec\.cache\.encoder\.persistentVolumeClaim instead$/,
    );
  });
});
