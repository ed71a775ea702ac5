// The operator's own identity in the harness: its namespace, ServiceAccount and the generated RBAC (the same
// objects config/rbac/ and the chart install), and a ServiceAccount token from the TokenRequest API — the token a
// pod of the operator would get. Integration tests run the operator with it, so the RBAC is proven enough.
import { KubeConfig } from '@kubernetes/client-node';
import { readFile, writeFile } from 'node:fs/promises';
import { parse, stringify } from 'yaml';
import { CLUSTER_WIDE, DEFAULT_RBAC_NAMES, rbacObjects, type Placement, type RbacNames, type RbacObject } from '../../src/rbac/render.js';
import type { Grant } from '../../src/rbac/table.js';
import { OPERATOR_CONTEXT } from './kubeconfig-contexts.js';
import { RawRequestError, rawRequest } from './raw-request.js';

const FIELD_MANAGER = 'higress-ai-operator-harness';
/** Long enough for any test run; the harness's API server lives only as long as the run. */
const TOKEN_SECONDS = 24 * 3600;

function objectPath(o: RbacObject): string {
  const ns = o.metadata.namespace;
  if (o.kind === 'ServiceAccount') return `/api/v1/namespaces/${ns}/serviceaccounts/${o.metadata.name}`;
  if (o.kind === 'Namespace') return `/api/v1/namespaces/${o.metadata.name}`;
  const plural = `${o.kind.toLowerCase()}s`;
  const scope = ns ? `/namespaces/${ns}` : '';
  return `/apis/rbac.authorization.k8s.io/v1${scope}/${plural}/${o.metadata.name}`;
}

/** Server-side apply each object (as the harness's field manager, taking ownership on conflict). */
export async function applyObjects(kc: KubeConfig, objects: readonly RbacObject[]): Promise<void> {
  for (const o of objects) {
    await rawRequest(kc, 'PATCH', `${objectPath(o)}?fieldManager=${FIELD_MANAGER}&force=true`, o, 'application/apply-patch+yaml');
  }
}

async function ensureNamespace(kc: KubeConfig, name: string): Promise<void> {
  try {
    await rawRequest(kc, 'POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  } catch (error) {
    if (!(error instanceof RawRequestError && error.status === 409)) throw error;
  }
}

/** A bound ServiceAccount token, as the kubelet would mount it into the operator's pod. */
export async function serviceAccountToken(kc: KubeConfig, namespace: string, name: string): Promise<string> {
  const res = await rawRequest(kc, 'POST', `/api/v1/namespaces/${namespace}/serviceaccounts/${name}/token`, {
    apiVersion: 'authentication.k8s.io/v1',
    kind: 'TokenRequest',
    spec: { expirationSeconds: TOKEN_SECONDS },
  });
  const token = (JSON.parse(res.body) as { status?: { token?: string } }).status?.token;
  if (!token) throw new Error(`TokenRequest for ${namespace}/${name} returned no token`);
  return token;
}

export interface ProvisionOptions {
  names?: RbacNames;
  /** The RBAC table to grant (default: the real one); tests pass a table with a row removed. */
  table?: readonly Grant[];
  /** Where the gateway read rows go (default: the ClusterRole, as for an operator watching every namespace). */
  placement?: Placement;
}

/**
 * Creates the operator's namespace(s), ServiceAccount and generated RBAC with `admin`, and returns a KubeConfig
 * whose only user is that ServiceAccount's token.
 */
export async function provisionOperatorIdentity(admin: KubeConfig, opts: ProvisionOptions = {}): Promise<KubeConfig> {
  const names = opts.names ?? DEFAULT_RBAC_NAMES;
  await ensureNamespace(admin, names.namespace);
  await ensureNamespace(admin, names.higressNamespace);
  await applyObjects(admin, rbacObjects(names, opts.table, opts.placement ?? CLUSTER_WIDE));
  const token = await serviceAccountToken(admin, names.namespace, names.name);
  const cluster = admin.getCurrentCluster();
  if (!cluster) throw new Error('admin kubeconfig has no current cluster');
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [cluster],
    users: [{ name: OPERATOR_CONTEXT, token }],
    contexts: [{ name: OPERATOR_CONTEXT, cluster: cluster.name, user: OPERATOR_CONTEXT }],
    currentContext: OPERATOR_CONTEXT,
  });
  return kc;
}

/** Adds the `operator` context (the ServiceAccount's token) to a harness kubeconfig file. */
export async function addOperatorContext(kubeconfigPath: string, operator: KubeConfig): Promise<void> {
  const user = operator.getCurrentUser();
  if (!user?.token) throw new Error('operator KubeConfig carries no token');
  const doc = parse(await readFile(kubeconfigPath, 'utf8')) as {
    users: { name: string; user: Record<string, unknown> }[];
    contexts: { name: string; context: { cluster: string; user: string } }[];
    clusters: { name: string }[];
  };
  doc.users = doc.users.filter((u) => u.name !== OPERATOR_CONTEXT).concat({ name: OPERATOR_CONTEXT, user: { token: user.token } });
  const cluster = doc.clusters[0]?.name ?? 'harness';
  doc.contexts = doc.contexts.filter((c) => c.name !== OPERATOR_CONTEXT).concat({ name: OPERATOR_CONTEXT, context: { cluster, user: OPERATOR_CONTEXT } });
  await writeFile(kubeconfigPath, stringify(doc), { mode: 0o600 });
}
