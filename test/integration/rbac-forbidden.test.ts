// The generated RBAC is also "no more than needed": an operator whose gateway Role lacks the Ingress rule (or the
// WasmPlugin read rule) says so in a precise Ready=False condition (no crash loop) and recovers without a restart
// once the rule is back;
// and the real ServiceAccount cannot write what the table does not grant.
import { describe, expect, it } from '@jest/globals';
import { provisionOperatorIdentity } from '../../hack/lib/control-plane-identity.js';
import type { ModelPoolObject } from '../../src/controllers/modelpool.js';
import { modelPoolResource } from '../../src/controllers/resources.js';
import { KubeClient } from '../../src/kube/client.js';
import { Resources } from '../../src/kube/resources.js';
import { DEFAULT_RBAC_NAMES, type RbacNames } from '../../src/rbac/render.js';
import { RBAC_TABLE } from '../../src/rbac/table.js';
import { createLogger } from '../../src/util/log.js';
import { errorMessage } from '../../src/util/errors.js';
import { operatorKubeConfig, testKubeConfig, uniqueNamespace, waitFor } from './support/kube.js';
import { readyOf, scopedOperator, vllmPool } from './support/scoped-operator.js';

const { admin, identity, start } = scopedOperator('rbac');

/**
 * An operator granted only `table` (fresh names), and one pool on its gateway: resolves once the pool shows
 * Ready=False with `reason`. A write error is reported in status, not retried with backoff: the periodic resync
 * (10 min by default, 2 s here) is what looks again once the rule is back.
 */
async function poolDenied(prefix: string, table: typeof RBAC_TABLE, reason: string) {
  const ns = await uniqueNamespace(prefix);
  const { names, kubeConfig } = await identity({ table });
  await start({ kubeConfig, resyncPeriodMs: 2_000, log: createLogger('operator', 'fatal') });
  await admin.create(modelPoolResource, vllmPool('p', ns, names.higressNamespace));
  const condition = await waitFor(
    async () => {
      const c = readyOf(await admin.get<ModelPoolObject>(modelPoolResource, 'p', ns));
      return c?.status === 'False' && c.reason === reason ? c : undefined;
    },
    { timeoutMs: 20_000, description: `Ready=False ${reason}` },
  );
  return { ns, names, condition };
}

/** Put the rules back (the full table for the same names): the same operator process converges, no restart. */
async function readyOnceRestored(ns: string, names: RbacNames): Promise<void> {
  await provisionOperatorIdentity(testKubeConfig(), { names });
  await waitFor(
    async () => {
      const p = await admin.get<ModelPoolObject>(modelPoolResource, 'p', ns);
      return readyOf(p)?.status === 'True' ? p : undefined;
    },
    { timeoutMs: 60_000, description: 'Ready=True after the rule is restored' },
  );
}

describe('generated RBAC', () => {
  it('one rule removed ⇒ a precise Forbidden condition, then recovery without a restart when it is back', async () => {
    // The gateway Role without its `ingresses` rule (rendered from the table minus the Ingress write rows).
    const withoutIngressWrites = RBAC_TABLE.filter((g) => !(g.resource === Resources.Ingress && g.scope === 'higress'));
    const { ns, names, condition: forbidden } = await poolDenied('rbac-pool', withoutIngressWrites, 'IngressForbidden');
    // Names the object, the identity and the missing permission.
    expect(forbidden.message).toContain(`Ingress ${names.higressNamespace}/`);
    expect(forbidden.message).toContain(`system:serviceaccount:${names.namespace}:${names.name}`);
    expect(forbidden.message).toMatch(/cannot (patch|create) resource "ingresses" in API group "networking.k8s.io" in the namespace/);
    await readyOnceRestored(ns, names);
  });

  it('a watched kind it cannot list ⇒ the pool names the cache and the missing permission, then recovers', async () => {
    // No rule lets it read WasmPlugins (every controller's read row), so that cache never lists.
    const withoutPluginReads = RBAC_TABLE.filter((g) => !(g.resource === Resources.WasmPlugin && g.verbs.includes('list')));
    const { ns, names, condition: waiting } = await poolDenied('rbac-list', withoutPluginReads, 'WasmPluginCacheForbidden');
    expect(waiting.message).toContain(`system:serviceaccount:${names.namespace}:${names.name}`);
    expect(waiting.message).toMatch(/cannot list resource "wasmplugins" in API group "extensions.higress.io"/);
    await readyOnceRestored(ns, names);
  });

  it('the operator ServiceAccount cannot write Secrets, nor gateway objects outside the Higress namespace', async () => {
    const sa = KubeClient.fromKubeConfig(operatorKubeConfig());
    const ns = await uniqueNamespace('rbac-deny');
    const attempts: Array<[string, () => Promise<unknown>]> = [
      [
        'create Secret',
        () => sa.create(Resources.Secret, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: ns }, stringData: { k: 'v' } }),
      ],
      [
        'create Ingress outside the Higress namespace',
        () =>
          sa.create(Resources.Ingress, {
            apiVersion: 'networking.k8s.io/v1',
            kind: 'Ingress',
            metadata: { name: 'i', namespace: ns },
            spec: { defaultBackend: { service: { name: 's', port: { number: 80 } } } },
          }),
      ],
      [
        'create WasmPlugin outside the Higress namespace',
        () =>
          sa.create(Resources.WasmPlugin, {
            apiVersion: 'extensions.higress.io/v1alpha1',
            kind: 'WasmPlugin',
            metadata: { name: 'w', namespace: ns },
            spec: {},
          }),
      ],
      ['delete McpBridge in the Higress namespace', () => sa.delete(Resources.McpBridge, 'default', DEFAULT_RBAC_NAMES.higressNamespace)],
    ];
    for (const [what, attempt] of attempts) {
      const outcome = await attempt().then(
        () => 'allowed',
        (error: unknown) => errorMessage(error),
      );
      expect({ what, forbidden: /forbidden/i.test(outcome) }).toEqual({ what, forbidden: true });
    }
  });
});
