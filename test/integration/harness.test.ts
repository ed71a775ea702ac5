// Proves the integration harness is a real, RBAC-enforcing kube-apiserver with our Higress CRD fixtures and
// CEL admission, so the other integration suites can trust what they run against.
import { existsSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from '@jest/globals';
import {
  ApiException,
  ApiextensionsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  RbacAuthorizationV1Api,
  type V1CustomResourceDefinition,
} from '@kubernetes/client-node';
import { testKubeConfig, testKubeconfigPath, uniqueNamespace, uniqueNamespaceName, UNPRIVILEGED_CONTEXT, waitFor } from './support/kube.js';

const HIGRESS_NAMESPACE = 'higress-system';

function statusOf(error: unknown): number | undefined {
  return error instanceof ApiException ? error.code : undefined;
}

async function expectStatus(call: Promise<unknown>, code: number): Promise<unknown> {
  try {
    await call;
  } catch (error) {
    expect(statusOf(error)).toBe(code);
    return error;
  }
  throw new Error(`expected the API server to answer ${code}, but the call succeeded`);
}

function bodyMessage(error: unknown): string {
  if (!(error instanceof ApiException)) return String(error);
  const body: unknown = error.body;
  if (typeof body === 'string') return body;
  return JSON.stringify(body);
}

describe('integration harness', () => {
  const admin = testKubeConfig();

  it('hands the kubeconfig to test workers through KUBECONFIG', () => {
    expect(existsSync(testKubeconfigPath())).toBe(true);
    expect(admin.getCurrentCluster()?.server).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
  });

  it('serves a ready kube-apiserver with the Higress namespace and the default namespaces', async () => {
    const namespaces = await admin.makeApiClient(CoreV1Api).listNamespace();
    const names = namespaces.items.map((ns) => ns.metadata?.name);
    expect(names).toEqual(expect.arrayContaining(['default', 'kube-system', HIGRESS_NAMESPACE]));
  });

  it('creates unique namespaces', async () => {
    const name = await uniqueNamespace('Harness Test_');
    expect(name).toMatch(/^harness-test-[0-9a-f]{8}$/);
    expect(uniqueNamespaceName('x'.repeat(100)).length).toBeLessThanOrEqual(63);
    const ns = await admin.makeApiClient(CoreV1Api).readNamespace({ name });
    expect(ns.metadata?.name).toBe(name);
  });

  it('enforces RBAC: an authenticated user without grants is forbidden, a bad token is unauthenticated', async () => {
    const unprivileged = testKubeConfig({ context: UNPRIVILEGED_CONTEXT });
    await expectStatus(unprivileged.makeApiClient(CoreV1Api).listNamespace(), 403);
    await expectStatus(
      unprivileged.makeApiClient(CustomObjectsApi).listNamespacedCustomObject({
        group: 'extensions.higress.io',
        version: 'v1alpha1',
        namespace: HIGRESS_NAMESPACE,
        plural: 'wasmplugins',
      }),
      403,
    );

    const forged = new KubeConfig();
    forged.loadFromOptions({
      clusters: [{ name: 'c', server: admin.getCurrentCluster()?.server ?? '', caData: admin.getCurrentCluster()?.caData }],
      users: [{ name: 'u', token: 'not-a-real-token' }],
      contexts: [{ name: 'ctx', cluster: 'c', user: 'u' }],
      currentContext: 'ctx',
    });
    await expectStatus(forged.makeApiClient(CoreV1Api).listNamespace(), 401);
  });

  it('applies RBAC grants: a RoleBinding opens exactly its namespace to the unprivileged user', async () => {
    const granted = await uniqueNamespace('rbac-granted');
    const other = await uniqueNamespace('rbac-other');
    const rbac = admin.makeApiClient(RbacAuthorizationV1Api);
    await rbac.createNamespacedRole({
      namespace: granted,
      body: { metadata: { name: 'read-configmaps' }, rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['list'] }] },
    });
    await rbac.createNamespacedRoleBinding({
      namespace: granted,
      body: {
        metadata: { name: 'read-configmaps' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'read-configmaps' },
        subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'harness-unprivileged' }],
      },
    });
    const core = testKubeConfig({ context: UNPRIVILEGED_CONTEXT }).makeApiClient(CoreV1Api);
    // The RBAC authorizer reads from an informer cache, so a fresh binding takes effect after a moment.
    await waitFor(() => core.listNamespacedConfigMap({ namespace: granted }), { timeoutMs: 10_000, description: 'the RoleBinding to take effect' });
    await expectStatus(core.listNamespacedConfigMap({ namespace: other }), 403);
  });

  it('waitFor returns the first truthy value and names what it waited for on timeout', async () => {
    let calls = 0;
    await expect(waitFor(() => (++calls >= 3 ? `done after ${calls}` : undefined), { intervalMs: 1 })).resolves.toBe('done after 3');
    await expect(
      waitFor(
        () => {
          throw new Error('still broken');
        },
        { timeoutMs: 50, intervalMs: 10, description: 'the impossible' },
      ),
    ).rejects.toThrow(/waiting for the impossible; last error: still broken/);
  });

  it('has the Higress CRDs Established, categorised like upstream', async () => {
    const extensions = admin.makeApiClient(ApiextensionsV1Api);
    for (const name of ['wasmplugins.extensions.higress.io', 'mcpbridges.networking.higress.io']) {
      const crd = await extensions.readCustomResourceDefinition({ name });
      expect(crd.status?.conditions?.find((c) => c.type === 'Established')?.status).toBe('True');
      expect(crd.spec.names.categories).toEqual(['higress-io']);
      expect(crd.spec.versions[0]?.subresources?.status).toEqual({});
    }
  });

  it('stores a WasmPlugin, keeping free-form plugin config and pruning unknown spec fields', async () => {
    const objects = admin.makeApiClient(CustomObjectsApi);
    const name = `harness-${randomBytes(3).toString('hex')}`;
    const ref = { group: 'extensions.higress.io', version: 'v1alpha1', namespace: HIGRESS_NAMESPACE, plural: 'wasmplugins' };
    await objects.createNamespacedCustomObject({
      ...ref,
      body: {
        apiVersion: 'extensions.higress.io/v1alpha1',
        kind: 'WasmPlugin',
        metadata: { name },
        spec: {
          url: 'oci://higress-registry.cn-hangzhou.cr.aliyuncs.com/plugins/model-router:2.0.1',
          phase: 'AUTHN',
          priority: 900,
          failStrategy: 'FAIL_OPEN',
          defaultConfigDisable: false,
          defaultConfig: { modelToHeader: 'x-higress-llm-model', nested: { anything: [1, 'two'] } },
          matchRules: [{ domain: ['internal-llm.example.com'], config: { enableOnPathSuffix: ['*'] } }],
          notAField: 'pruned',
        },
      },
    });
    const read = (await objects.getNamespacedCustomObject({ ...ref, name })) as { spec: Record<string, unknown> };
    expect(read.spec.defaultConfig).toEqual({ modelToHeader: 'x-higress-llm-model', nested: { anything: [1, 'two'] } });
    expect(read.spec.matchRules).toEqual([{ domain: ['internal-llm.example.com'], config: { enableOnPathSuffix: ['*'] } }]);
    expect(read.spec.priority).toBe(900);
    expect(read.spec).not.toHaveProperty('notAField');

    const rejected = await expectStatus(
      objects.createNamespacedCustomObject({
        ...ref,
        body: { apiVersion: 'extensions.higress.io/v1alpha1', kind: 'WasmPlugin', metadata: { name: `${name}-bad` }, spec: { phase: 'SOMETIMES' } },
      }),
      422,
    );
    expect(bodyMessage(rejected)).toContain('spec.phase');
  });

  it('stores an McpBridge with its registries', async () => {
    const objects = admin.makeApiClient(CustomObjectsApi);
    const name = `harness-${randomBytes(3).toString('hex')}`;
    const ref = { group: 'networking.higress.io', version: 'v1', namespace: HIGRESS_NAMESPACE, plural: 'mcpbridges' };
    const registries = [
      { name: 'llm-openai.internal', type: 'dns', domain: 'api.openai.com', port: 443, protocol: 'https' },
      { name: 'local-vllm', type: 'static', domain: '10.0.3.11:8000,10.0.3.12:8000', port: 80 },
    ];
    await objects.createNamespacedCustomObject({
      ...ref,
      body: { apiVersion: 'networking.higress.io/v1', kind: 'McpBridge', metadata: { name }, spec: { registries } },
    });
    const read = (await objects.getNamespacedCustomObject({ ...ref, name })) as { spec: { registries: unknown[] } };
    expect(read.spec.registries).toEqual(registries);
  });

  describe('CEL validation rules', () => {
    const suffix = randomBytes(3).toString('hex');
    const plural = `celprobes${suffix}`;
    const group = 'harness.test.higress.io';
    const crdName = `${plural}.${group}`;
    const extensions = admin.makeApiClient(ApiextensionsV1Api);

    afterAll(async () => {
      // Matters only against an existing cluster (INTEGRATION_KUBECONFIG); the embedded one is thrown away.
      await extensions.deleteCustomResourceDefinition({ name: crdName }).catch(() => undefined);
    });

    it('rejects an object violating an x-kubernetes-validations rule with its messageExpression', async () => {
      const crd: V1CustomResourceDefinition = {
        apiVersion: 'apiextensions.k8s.io/v1',
        kind: 'CustomResourceDefinition',
        metadata: { name: crdName },
        spec: {
          group,
          scope: 'Namespaced',
          names: { plural, singular: `celprobe${suffix}`, kind: `CelProbe${suffix}`, listKind: `CelProbe${suffix}List` },
          versions: [
            {
              name: 'v1',
              served: true,
              storage: true,
              schema: {
                openAPIV3Schema: {
                  type: 'object',
                  properties: {
                    spec: {
                      type: 'object',
                      // maxLength bounds the estimated cost of the message; unbounded strings (or string(int))
                      // make the API server reject the rule as too expensive.
                      properties: { min: { type: 'integer' }, max: { type: 'integer' }, label: { type: 'string', maxLength: 32 } },
                      x_kubernetes_validations: [
                        {
                          rule: 'self.min <= self.max',
                          messageExpression: "'min exceeds max for ' + self.label",
                          fieldPath: '.min',
                        },
                      ],
                    },
                  },
                },
              },
            },
          ],
        },
      };
      await extensions.createCustomResourceDefinition({ body: crd });
      await waitFor(
        async () => {
          const current = await extensions.readCustomResourceDefinition({ name: crdName });
          return current.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True');
        },
        { timeoutMs: 30_000, description: `CRD ${crdName} Established` },
      );

      const namespace = await uniqueNamespace('cel');
      const objects = admin.makeApiClient(CustomObjectsApi);
      const ref = { group, version: 'v1', namespace, plural };
      const body = (name: string, min: number, max: number): object => ({
        apiVersion: `${group}/v1`,
        kind: `CelProbe${suffix}`,
        metadata: { name },
        spec: { min, max, label: name },
      });

      // A freshly Established CRD can take a moment to be served by every handler, hence the poll.
      await waitFor(() => objects.createNamespacedCustomObject({ ...ref, body: body('ok', 1, 2) }), {
        timeoutMs: 30_000,
        description: 'a valid CelProbe to be accepted',
      });
      const rejected = await expectStatus(objects.createNamespacedCustomObject({ ...ref, body: body('bad', 5, 2) }), 422);
      expect(bodyMessage(rejected)).toContain('spec.min: Invalid value');
      expect(bodyMessage(rejected)).toContain('min exceeds max for bad');
    });
  });
});
