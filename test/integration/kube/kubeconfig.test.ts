// src/kube/kubeconfig.ts against the real API server: every context of the harness kubeconfig, a KUBECONFIG list,
// and an in-cluster layout (ServiceAccount dir + KUBERNETES_SERVICE_HOST/PORT) whose token rotates. Who the API
// server thinks we are comes from a SelfSubjectReview, so each case proves which credentials went out.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { stringify } from 'yaml';
import { loadKubeConfig, loadKubeConfigFiles, type LoadedKubeConfig } from '../../../src/kube/kubeconfig.js';
import { KubeConfigTransport } from '../../../src/kube/transport.js';
import { ADMIN_CONTEXT, OPERATOR_CONTEXT, testKubeConfig, testKubeconfigPath, UNPRIVILEGED_CONTEXT } from '../support/kube.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'kubeconfig-it-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The username the API server authenticated (authentication.k8s.io/v1 SelfSubjectReview). */
async function whoAmI(kc: LoadedKubeConfig, transport = new KubeConfigTransport(kc)): Promise<string> {
  const res = await transport.request(
    'POST',
    '/apis/authentication.k8s.io/v1/selfsubjectreviews',
    JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' }),
  );
  expect(res.status).toBe(201);
  return (JSON.parse(res.body) as { status: { userInfo: { username: string } } }).status.userInfo.username;
}

const harnessUser = (context: string): { token?: string } => testKubeConfig({ context }).getCurrentUser() ?? {};

describe('our kubeconfig loader against the harness API server', () => {
  it('authenticates as each context of the harness kubeconfig', async () => {
    const names = await Promise.all(
      [ADMIN_CONTEXT, UNPRIVILEGED_CONTEXT, OPERATOR_CONTEXT].map((context) => whoAmI(loadKubeConfigFiles([testKubeconfigPath()], { context }))),
    );
    expect(new Set(names).size).toBe(3);
    expect(names[2]).toMatch(/^system:serviceaccount:/);
  });

  it('merges a KUBECONFIG list: a first file that only picks the context, then the harness file', async () => {
    const picker = join(dir, 'pick-operator');
    writeFileSync(picker, stringify({ apiVersion: 'v1', kind: 'Config', 'current-context': OPERATOR_CONTEXT }));
    const kc = loadKubeConfig({ env: { KUBECONFIG: [picker, testKubeconfigPath()].join(delimiter) } });
    expect(kc.contextName).toBe(OPERATOR_CONTEXT);
    expect(await whoAmI(kc)).toMatch(/^system:serviceaccount:/);
  });

  it('in cluster: the Service address, ca.crt, and a token file the kubelet rotates', async () => {
    const harness = loadKubeConfigFiles([testKubeconfigPath()]);
    const server = new URL(harness.cluster.server);
    const sa = join(dir, 'serviceaccount');
    mkdirSync(sa);
    writeFileSync(join(sa, 'ca.crt'), harness.cluster.certificateAuthorityData ?? '');
    writeFileSync(join(sa, 'namespace'), 'higress-ai-operator-system\n');
    writeFileSync(join(sa, 'token'), `${harnessUser(OPERATOR_CONTEXT).token}\n`);
    const kc = loadKubeConfig({ env: { KUBERNETES_SERVICE_HOST: server.hostname, KUBERNETES_SERVICE_PORT: server.port }, serviceAccountDir: sa });
    expect(kc.inCluster).toBe(true);
    expect(kc.namespace).toBe('higress-ai-operator-system');
    const transport = new KubeConfigTransport(kc, 0);
    const operator = await whoAmI(kc, transport);
    expect(operator).toMatch(/^system:serviceaccount:/);
    // A new token in the file is what the next request sends.
    writeFileSync(join(sa, 'token'), `${harnessUser(ADMIN_CONTEXT).token}\n`);
    const admin = await whoAmI(kc, transport);
    expect(admin).not.toBe(operator);
    expect(admin).toBe(await whoAmI(loadKubeConfigFiles([testKubeconfigPath()], { context: ADMIN_CONTEXT })));
    transport.close();
  });
});
