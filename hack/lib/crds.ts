import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ApiextensionsV1Api, KubeConfig, PatchStrategy, type V1CustomResourceDefinition } from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import { REPO_ROOT } from './control-plane-binaries.js';
import { rawRequest } from './raw-request.js';

const FIELD_MANAGER = 'higress-ai-operator-harness';

export const OUR_CRDS_DIR = join(REPO_ROOT, 'crds');
export const HIGRESS_CRDS_DIR = join(REPO_ROOT, 'hack', 'higress-crds');

export interface InstallCrdsOptions {
  /** Deadline for every CRD to become Established. */
  timeoutMs?: number;
  log?: (line: string) => void;
}

async function yamlFilesIn(dir: string): Promise<string[]> {
  let entries: string[];
  try {
    entries = await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  return entries
    .filter((name) => name.endsWith('.yaml') || name.endsWith('.yml'))
    .sort()
    .map((name) => join(dir, name));
}

/** Our generated CRDs (`crds/*.yaml`, possibly none yet) followed by the Higress fixtures. */
export async function defaultCrdFiles(): Promise<string[]> {
  return [...(await yamlFilesIn(OUR_CRDS_DIR)), ...(await yamlFilesIn(HIGRESS_CRDS_DIR))];
}

/** A CRD exactly as written in YAML (wire spelling, e.g. `x-kubernetes-validations`), never passed through client-node models. */
export interface RawCrd {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec: Record<string, unknown>;
}

export async function readCrdFile(file: string): Promise<RawCrd[]> {
  const docs = parseAllDocuments(await readFile(file, 'utf8'));
  const crds: RawCrd[] = [];
  for (const doc of docs) {
    if (doc.errors.length > 0) throw new Error(`${file}: invalid YAML: ${doc.errors[0]?.message ?? ''}`);
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) continue;
    const object = value as Partial<RawCrd>;
    if (object.kind !== 'CustomResourceDefinition' || object.apiVersion !== 'apiextensions.k8s.io/v1') {
      throw new Error(
        `${file}: expected only apiextensions.k8s.io/v1 CustomResourceDefinition documents, got ${String(object.apiVersion)}/${String(object.kind)}`,
      );
    }
    if (typeof object.metadata?.name !== 'string' || typeof object.spec !== 'object' || object.spec === null) {
      throw new Error(`${file}: CustomResourceDefinition without metadata.name or spec`);
    }
    crds.push(object as RawCrd);
  }
  return crds;
}

function condition(crd: V1CustomResourceDefinition, type: string): { status: string; message?: string } | undefined {
  return crd.status?.conditions?.find((c) => c.type === type);
}

/**
 * The first request for a new resource type is answered 429 "storage is (re)initializing" while its watch cache
 * starts. Real clusters do the same and clients retry, but handing tests a cluster where that already happened
 * keeps their first request from failing spuriously.
 */
async function warmUp(kc: KubeConfig, crd: RawCrd, deadline: number): Promise<void> {
  const spec = crd.spec as { group?: string; names?: { plural?: string }; versions?: { name: string; served?: boolean }[] };
  const version = spec.versions?.find((v) => v.served !== false)?.name;
  if (!spec.group || !spec.names?.plural || !version) return;
  const path = `/apis/${spec.group}/${version}/${spec.names.plural}?limit=1`;
  for (;;) {
    try {
      await rawRequest(kc, 'GET', path);
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/**
 * Server-side applies every CRD found in `files` (create or refresh, forcing ownership so an older copy is
 * replaced), waits until each one is Established and its storage answers a list. Works against any cluster, not only the embedded one.
 * Returns the CRD names in file order.
 */
export async function installCrds(kubeconfigPath: string, files: string[], opts: InstallCrdsOptions = {}): Promise<string[]> {
  const timeoutMs = opts.timeoutMs ?? 60_000;
  const log = opts.log ?? (() => {});
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfigPath);
  const extensions = kc.makeApiClient(ApiextensionsV1Api);

  const crds: RawCrd[] = [];
  for (const file of files) crds.push(...(await readCrdFile(file)));

  for (const crd of crds) {
    const { name, labels, annotations } = crd.metadata;
    // Only the desired state: SSA rejects server-populated fields (status, managedFields) in the body.
    const body = { apiVersion: crd.apiVersion, kind: crd.kind, metadata: { name, labels, annotations }, spec: crd.spec };
    const path = `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${encodeURIComponent(name)}?fieldManager=${FIELD_MANAGER}&force=true`;
    await rawRequest(kc, 'PATCH', path, body, PatchStrategy.ServerSideApply);
    log(`applied CRD ${name}`);
  }

  const deadline = Date.now() + timeoutMs;
  for (const crd of crds) {
    const { name } = crd.metadata;
    for (;;) {
      const current = await extensions.readCustomResourceDefinition({ name });
      const namesAccepted = condition(current, 'NamesAccepted');
      if (namesAccepted?.status === 'False') {
        throw new Error(`CRD ${name} names not accepted: ${namesAccepted.message ?? ''}`);
      }
      if (condition(current, 'Established')?.status === 'True') break;
      if (Date.now() > deadline) throw new Error(`CRD ${name} not Established within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  await Promise.all(crds.map((crd) => warmUp(kc, crd, deadline)));
  return crds.map((crd) => crd.metadata.name);
}
