// The operator's own kubeconfig loader, so its runtime never imports @kubernetes/client-node: that package's
// generated API costs ~70 MB of RSS at import (docs/evaluation/operator.md, "Memory"), and KubeConfig was the
// only part of it the operator used. Semantics are kubectl's (client-go clientcmd), not client-node's, where
// the two differ: the KUBECONFIG merge, relative paths, the validation errors, the tokenFile precedence.
//
// Credential plugins (`exec`, `auth-provider`: cloud kubeconfigs) are not reimplemented: for such a user the
// credentials come from @kubernetes/client-node, imported on first use (`await import`), so those kubeconfigs
// keep working and only they pay for the package.
import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { OutgoingHttpHeaders } from 'node:http';
import type https from 'node:https';
import { isIP } from 'node:net';
import { homedir } from 'node:os';
import { delimiter, dirname, isAbsolute, join, resolve, sep } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { errorMessage, ReasonError } from '../util/errors.js';
import type { KubeConfigSource } from './transport.js';

export type KubeConfigErrorReason = 'KubeConfigNotFound' | 'KubeConfigInvalid' | 'KubeCredentialsUnreadable';

export class KubeConfigError extends ReasonError<KubeConfigErrorReason> {}

/** Where the kubelet mounts the pod's ServiceAccount token, the cluster CA and the namespace. */
export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

export interface KubeCluster {
  name: string;
  /** Absolute URL (a scheme-less `host:port` gets client-go's default scheme). */
  server: string;
  certificateAuthorityFile?: string;
  certificateAuthorityData?: Buffer;
  insecureSkipTlsVerify: boolean;
  tlsServerName?: string;
  /** http(s) proxy for every request to this cluster (the transport tunnels through it). */
  proxyUrl?: string;
}

export interface KubeUser {
  name: string;
  clientCertificateFile?: string;
  clientCertificateData?: Buffer;
  clientKeyFile?: string;
  clientKeyData?: Buffer;
  token?: string;
  tokenFile?: string;
  username?: string;
  password?: string;
  impersonate?: { user: string; uid?: string; groups: string[]; extra: Record<string, string[]> };
  /** Credentials from a plugin, computed by @kubernetes/client-node (imported on first use). */
  plugin?: 'exec' | 'auth-provider';
}

export interface LoadKubeConfigOptions {
  /** Default `process.env` (KUBECONFIG, KUBERNETES_SERVICE_HOST/PORT). */
  env?: NodeJS.ProcessEnv;
  /** Where `.kube/config` is looked for. Default `os.homedir()`. */
  homeDir?: string;
  /** Default {@link SERVICE_ACCOUNT_DIR}. */
  serviceAccountDir?: string;
  /** Use this context instead of `current-context`. */
  context?: string;
}

type Raw = Record<string, unknown>;

/** A loaded, validated kubeconfig: one context, its cluster and its user. The transport's {@link KubeConfigSource}. */
export class LoadedKubeConfig implements KubeConfigSource {
  private lastToken?: string;
  private plugin?: Promise<KubeConfigSource>;

  constructor(
    /** Human description of where this came from: the file list, or `in-cluster (<dir>)`. */
    readonly source: string,
    readonly contextName: string,
    /** The context's namespace, or the ServiceAccount's in cluster; `default` when neither says. */
    readonly namespace: string,
    readonly cluster: KubeCluster,
    readonly user: KubeUser,
    readonly inCluster: boolean,
    /** For plugin users: a one-context kubeconfig document (paths absolute) for @kubernetes/client-node. */
    private readonly pluginDocument?: Raw,
  ) {}

  getCurrentCluster(): KubeCluster {
    return this.cluster;
  }

  /**
   * TLS material and auth headers for one request. Files (CA, client certificate and key, token) are read on
   * every call, so what the kubelet or cert-manager rotates is picked up: the transport calls this every 30 s.
   */
  async applyToHTTPSOptions(opts: https.RequestOptions): Promise<void> {
    if (this.user.plugin) return (await this.pluginSource()).applyToHTTPSOptions(opts);
    const { cluster, user } = this;
    if (cluster.insecureSkipTlsVerify) opts.rejectUnauthorized = false;
    if (cluster.tlsServerName) opts.servername = cluster.tlsServerName;
    const ca = cluster.certificateAuthorityData ?? (cluster.certificateAuthorityFile && (await readCredential(cluster.certificateAuthorityFile, this.source)));
    if (ca) opts.ca = ca;
    const cert = user.clientCertificateData ?? (user.clientCertificateFile && (await readCredential(user.clientCertificateFile, this.source)));
    if (cert) opts.cert = cert;
    const key = user.clientKeyData ?? (user.clientKeyFile && (await readCredential(user.clientKeyFile, this.source)));
    if (key) opts.key = key;
    const headers: OutgoingHttpHeaders = opts.headers && !Array.isArray(opts.headers) ? { ...(opts.headers as OutgoingHttpHeaders) } : {};
    const token = user.token ?? (user.tokenFile ? await this.readToken(user.tokenFile) : undefined);
    if (token) headers.authorization = `Bearer ${token}`;
    if (user.username !== undefined || user.password !== undefined) opts.auth = `${user.username ?? ''}:${user.password ?? ''}`;
    if (user.impersonate) {
      headers['impersonate-user'] = user.impersonate.user;
      if (user.impersonate.uid) headers['impersonate-uid'] = user.impersonate.uid;
      if (user.impersonate.groups.length) headers['impersonate-group'] = user.impersonate.groups;
      for (const [k, v] of Object.entries(user.impersonate.extra)) headers[`impersonate-extra-${encodeURIComponent(k)}`] = v;
    }
    opts.headers = headers;
  }

  // Bound ServiceAccount tokens expire (1 h by default) and the kubelet rewrites the file well before: re-read
  // it each time. A failed read (the kubelet swaps the file's symlink) keeps the last token, as client-go does.
  private async readToken(file: string): Promise<string> {
    try {
      const token = (await readFile(file, 'utf8')).trim();
      if (!token) throw new KubeConfigError('KubeCredentialsUnreadable', 'empty');
      this.lastToken = token;
      return token;
    } catch (e) {
      if (this.lastToken) return this.lastToken;
      const problem = e instanceof KubeConfigError ? e.message : fileProblem(e);
      throw new KubeConfigError('KubeCredentialsUnreadable', `cannot read token file ${file} (${problem}), named by ${this.source}`, { cause: e });
    }
  }

  private pluginSource(): Promise<KubeConfigSource> {
    this.plugin ??= (async () => {
      const { KubeConfig } = await import('@kubernetes/client-node');
      const kc = new KubeConfig();
      kc.loadFromString(JSON.stringify(this.pluginDocument));
      return kc;
    })();
    return this.plugin;
  }
}

async function readCredential(file: string, source: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (e) {
    throw new KubeConfigError('KubeCredentialsUnreadable', `cannot read ${file} (${fileProblem(e)}), named by ${source}`, { cause: e });
  }
}

/**
 * The operator's kubeconfig, found as controller-runtime finds it: the files in `KUBECONFIG` (merged as kubectl
 * merges them), else the in-cluster ServiceAccount (KUBERNETES_SERVICE_HOST/PORT and its token), else
 * `~/.kube/config`. Nothing found is an error that says what was tried.
 */
export function loadKubeConfig(opts: LoadKubeConfigOptions = {}): LoadedKubeConfig {
  const env = opts.env ?? process.env;
  if (env.KUBECONFIG) {
    const listed = [...new Set(env.KUBECONFIG.split(delimiter).filter(Boolean))];
    // kubectl skips listed files that do not exist; only "none of them" is an error.
    const present = listed.filter((f) => existsSync(f));
    if (present.length === 0) throw new KubeConfigError('KubeConfigNotFound', `KUBECONFIG=${env.KUBECONFIG}: none of these files exists`);
    return loadKubeConfigFiles(present, opts);
  }
  const saDir = opts.serviceAccountDir ?? SERVICE_ACCOUNT_DIR;
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT;
  const tried: string[] = ['KUBECONFIG is not set'];
  if (host && port) {
    if (existsSync(join(saDir, 'token'))) return inClusterConfig(host, port, saDir);
    tried.push(`KUBERNETES_SERVICE_HOST is set but ${join(saDir, 'token')} does not exist (automountServiceAccountToken: false?)`);
  } else {
    tried.push('not in a cluster (KUBERNETES_SERVICE_HOST/PORT unset)');
  }
  const home = join(opts.homeDir ?? homedir(), '.kube', 'config');
  if (existsSync(home)) return loadKubeConfigFiles([home], opts);
  tried.push(`${home} does not exist`);
  throw new KubeConfigError('KubeConfigNotFound', `no kubeconfig: ${tried.join('; ')}`);
}

/** In-cluster config: the API server's Service address and the pod's ServiceAccount (client-go `rest.InClusterConfig`). */
export function inClusterConfig(host: string, port: string, saDir: string = SERVICE_ACCOUNT_DIR): LoadedKubeConfig {
  const source = `in-cluster (${saDir})`;
  const tokenFile = join(saDir, 'token');
  readOrThrow(tokenFile, `ServiceAccount token (${source})`);
  const caFile = join(saDir, 'ca.crt');
  const nsFile = join(saDir, 'namespace');
  const namespace = existsSync(nsFile) ? readFileSync(nsFile, 'utf8').trim() || 'default' : 'default';
  const cluster: KubeCluster = {
    name: 'in-cluster',
    server: `https://${isIP(host) === 6 ? `[${host}]` : host}:${port}`,
    // Without ca.crt client-go goes on with the system roots; so do we (the handshake then says what is wrong).
    ...(existsSync(caFile) ? { certificateAuthorityFile: caFile } : {}),
    insecureSkipTlsVerify: false,
  };
  return new LoadedKubeConfig(source, 'in-cluster', namespace, cluster, { name: 'serviceaccount', tokenFile }, true);
}

/**
 * Load and merge kubeconfig files as kubectl does: the first file to define a cluster, user or context name
 * wins it whole; the first `current-context` wins; relative paths resolve against the directory of the file
 * that holds them. Every file must exist (the KUBECONFIG list is filtered by {@link loadKubeConfig}).
 */
export function loadKubeConfigFiles(files: readonly string[], opts: { context?: string } = {}): LoadedKubeConfig {
  if (files.length === 0) throw new KubeConfigError('KubeConfigNotFound', 'no kubeconfig files given');
  const paths = files.map((f) => resolve(f));
  const source = paths.join(delimiter);
  const clusters = new Map<string, Entry>();
  const users = new Map<string, Entry>();
  const contexts = new Map<string, Entry>();
  let currentContext: string | undefined;
  for (const file of paths) {
    const doc = parseFile(file);
    for (const [kind, target] of [
      ['clusters', clusters],
      ['users', users],
      ['contexts', contexts],
    ] as const) {
      for (const entry of entries(doc, kind, file)) if (!target.has(entry.name)) target.set(entry.name, entry);
    }
    currentContext ??= str(doc, 'current-context', file) || undefined;
  }
  const contextName = opts.context ?? currentContext;
  if (!contextName) throw new KubeConfigError('KubeConfigInvalid', `current-context is not set in ${source}`);
  const context = contexts.get(contextName);
  if (!context) {
    const why = opts.context ? 'the requested context' : `the current-context`;
    throw new KubeConfigError('KubeConfigInvalid', `context "${contextName}" (${why}) is not defined in ${source}${known(contexts)}`);
  }
  const where = `context "${contextName}" in ${context.file}`;
  const clusterName = str(context.body, 'cluster', where);
  if (!clusterName) throw new KubeConfigError('KubeConfigInvalid', `${where} names no cluster`);
  const clusterEntry = clusters.get(clusterName);
  if (!clusterEntry)
    throw new KubeConfigError('KubeConfigInvalid', `${where} refers to cluster "${clusterName}", which is not defined in ${source}${known(clusters)}`);
  const userName = str(context.body, 'user', where);
  // A context without a user is anonymous, as in kubectl.
  const userEntry = userName ? users.get(userName) : { name: '', file: context.file, body: {} };
  if (!userEntry) throw new KubeConfigError('KubeConfigInvalid', `${where} refers to user "${userName}", which is not defined in ${source}${known(users)}`);
  const user = resolveUser(userEntry);
  const cluster = resolveCluster(clusterEntry, user);
  const pluginDocument = user.plugin
    ? {
        apiVersion: 'v1',
        kind: 'Config',
        'current-context': contextName,
        contexts: [{ name: contextName, context: { cluster: clusterEntry.name, user: userEntry.name } }],
        clusters: [{ name: clusterEntry.name, cluster: clusterEntry.body }],
        users: [{ name: userEntry.name, user: userEntry.body }],
      }
    : undefined;
  const namespace = str(context.body, 'namespace', where) || 'default';
  return new LoadedKubeConfig(source, contextName, namespace, cluster, user, false, pluginDocument);
}

/** One named cluster, user or context; `body` has its relative paths already made absolute. */
interface Entry {
  name: string;
  file: string;
  body: Raw;
}

const ENTRY_BODY = { clusters: 'cluster', users: 'user', contexts: 'context' } as const;

// Fields holding file paths, resolved against the kubeconfig's directory (clientcmd's ResolveLocalPaths).
const PATH_FIELDS: Record<keyof typeof ENTRY_BODY, readonly string[]> = {
  clusters: ['certificate-authority'],
  users: ['client-certificate', 'client-key', 'tokenFile'],
  contexts: [],
};

function parseFile(file: string): Raw {
  const text = readOrThrow(file, 'kubeconfig', 'KubeConfigNotFound').toString('utf8');
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    throw new KubeConfigError('KubeConfigInvalid', `${file}: not valid YAML: ${errorMessage(e)}`, { cause: e });
  }
  // An empty file is an empty config, as in kubectl.
  if (doc === null || doc === undefined) return {};
  if (!isRecord(doc)) throw new KubeConfigError('KubeConfigInvalid', `${file}: a kubeconfig is a mapping, found ${typeof doc}`);
  return doc;
}

function entries(doc: Raw, kind: keyof typeof ENTRY_BODY, file: string): Entry[] {
  const list = doc[kind];
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list)) throw new KubeConfigError('KubeConfigInvalid', `${file}: ${kind} must be a list`);
  const byName = new Map<string, Entry>();
  const bodyKey = ENTRY_BODY[kind];
  list.forEach((item: unknown, i) => {
    const at = `${file}: ${kind}[${i}]`;
    if (!isRecord(item) || typeof item.name !== 'string' || !item.name) throw new KubeConfigError('KubeConfigInvalid', `${at} has no name`);
    const body = item[bodyKey] ?? {};
    if (!isRecord(body)) throw new KubeConfigError('KubeConfigInvalid', `${at} ("${item.name}"): ${bodyKey} must be a mapping`);
    const resolved: Raw = { ...body };
    for (const field of PATH_FIELDS[kind]) {
      const v = resolved[field];
      if (typeof v === 'string' && v && !isAbsolute(v)) resolved[field] = resolve(dirname(file), v);
    }
    // An exec command with a path separator is relative to the file too; a bare name is looked up on PATH.
    if (kind === 'users' && isRecord(resolved.exec)) {
      const cmd = resolved.exec.command;
      if (typeof cmd === 'string' && cmd.includes(sep) && !isAbsolute(cmd)) resolved.exec = { ...resolved.exec, command: resolve(dirname(file), cmd) };
    }
    // Within one file a repeated name replaces the earlier one (clientcmd's list-to-map conversion).
    byName.set(item.name, { name: item.name, file, body: resolved });
  });
  return [...byName.values()];
}

function resolveCluster(entry: Entry, user: KubeUser): KubeCluster {
  const where = `cluster "${entry.name}" in ${entry.file}`;
  const b = entry.body;
  let server = str(b, 'server', where);
  if (!server) throw new KubeConfigError('KubeConfigInvalid', `${where} has no server`);
  const caFile = str(b, 'certificate-authority', where);
  const caData = base64(b, 'certificate-authority-data', where);
  if (caFile && caData) throw new KubeConfigError('KubeConfigInvalid', `${where}: certificate-authority and certificate-authority-data are both set; keep one`);
  if (caFile) readOrThrow(caFile, `certificate-authority of ${where}`);
  const insecure = bool(b, 'insecure-skip-tls-verify', where);
  if (insecure && (caFile || caData)) {
    throw new KubeConfigError(
      'KubeConfigInvalid',
      `${where}: insecure-skip-tls-verify cannot be combined with a certificate-authority (kubectl refuses it too)`,
    );
  }
  // client-go's DefaultServerURL: a scheme-less server is https when any TLS setting is present.
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(server)) {
    const tls = Boolean(caFile || caData || insecure || user.clientCertificateFile || user.clientCertificateData);
    server = `${tls ? 'https' : 'http'}://${server}`;
  }
  let url: URL;
  try {
    url = new URL(server);
  } catch {
    throw new KubeConfigError('KubeConfigInvalid', `${where}: server "${server}" is not a URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new KubeConfigError('KubeConfigInvalid', `${where}: server "${server}" is neither http nor https`);
  const proxyUrl = str(b, 'proxy-url', where);
  if (proxyUrl) {
    let proxy: URL;
    try {
      proxy = new URL(proxyUrl);
    } catch {
      throw new KubeConfigError('KubeConfigInvalid', `${where}: proxy-url "${proxyUrl}" is not a URL`);
    }
    if (proxy.protocol !== 'http:' && proxy.protocol !== 'https:') {
      // Node's built-in proxy support (the transport's agent) tunnels through http(s) proxies only.
      throw new KubeConfigError('KubeConfigInvalid', `${where}: proxy-url scheme ${proxy.protocol.slice(0, -1)} is not supported (use an http or https proxy)`);
    }
  }
  const tlsServerName = str(b, 'tls-server-name', where);
  return {
    name: entry.name,
    server,
    ...(caFile ? { certificateAuthorityFile: caFile } : {}),
    ...(caData ? { certificateAuthorityData: caData } : {}),
    insecureSkipTlsVerify: insecure,
    ...(tlsServerName ? { tlsServerName } : {}),
    ...(proxyUrl ? { proxyUrl } : {}),
  };
}

function resolveUser(entry: Entry): KubeUser {
  const where = entry.name ? `user "${entry.name}" in ${entry.file}` : `the anonymous user of ${entry.file}`;
  const b = entry.body;
  const user: KubeUser = { name: entry.name };
  const certFile = str(b, 'client-certificate', where);
  const certData = base64(b, 'client-certificate-data', where);
  const keyFile = str(b, 'client-key', where);
  const keyData = base64(b, 'client-key-data', where);
  if (certFile && certData) throw new KubeConfigError('KubeConfigInvalid', `${where}: client-certificate and client-certificate-data are both set; keep one`);
  if (keyFile && keyData) throw new KubeConfigError('KubeConfigInvalid', `${where}: client-key and client-key-data are both set; keep one`);
  if ((certFile || certData) && !(keyFile || keyData))
    throw new KubeConfigError('KubeConfigInvalid', `${where}: a client certificate needs client-key or client-key-data`);
  if ((keyFile || keyData) && !(certFile || certData)) {
    throw new KubeConfigError('KubeConfigInvalid', `${where}: a client key needs client-certificate or client-certificate-data`);
  }
  if (certFile) user.clientCertificateFile = readable(certFile, `client-certificate of ${where}`);
  if (certData) user.clientCertificateData = certData;
  if (keyFile) user.clientKeyFile = readable(keyFile, `client-key of ${where}`);
  if (keyData) user.clientKeyData = keyData;

  const token = str(b, 'token', where);
  const tokenFile = str(b, 'tokenFile', where);
  const username = str(b, 'username', where);
  const password = str(b, 'password', where);
  const methods = [...(token ? ['token'] : []), ...(username || password ? ['basic auth (username/password)'] : [])];
  if (methods.length > 1) throw new KubeConfigError('KubeConfigInvalid', `${where}: more than one authentication method (${methods.join(', ')}); keep one`);
  // clientcmd: a token wins over tokenFile; tokenFile is then re-read on every refresh.
  if (token) user.token = token;
  else if (tokenFile) user.tokenFile = readable(tokenFile, `tokenFile of ${where}`);
  if (username !== undefined) user.username = username;
  if (password !== undefined) user.password = password;

  const hasExec = b.exec !== undefined && b.exec !== null;
  const hasProvider = b['auth-provider'] !== undefined && b['auth-provider'] !== null;
  if (hasExec && hasProvider) throw new KubeConfigError('KubeConfigInvalid', `${where}: exec and auth-provider are both set; keep one`);
  if (hasExec) {
    if (!isRecord(b.exec) || typeof b.exec.command !== 'string' || !b.exec.command)
      throw new KubeConfigError('KubeConfigInvalid', `${where}: exec needs a command`);
    if (typeof b.exec.apiVersion !== 'string' || !b.exec.apiVersion) throw new KubeConfigError('KubeConfigInvalid', `${where}: exec needs an apiVersion`);
    user.plugin = 'exec';
  } else if (hasProvider) {
    if (!isRecord(b['auth-provider']) || typeof b['auth-provider'].name !== 'string')
      throw new KubeConfigError('KubeConfigInvalid', `${where}: auth-provider needs a name`);
    user.plugin = 'auth-provider';
  }

  const as = str(b, 'as', where);
  const asUid = str(b, 'as-uid', where);
  const asGroups = stringList(b, 'as-groups', where);
  const asExtra = b['as-user-extra'] ?? {};
  if (!isRecord(asExtra) || !Object.values(asExtra).every((v) => Array.isArray(v) && v.every((s) => typeof s === 'string'))) {
    throw new KubeConfigError('KubeConfigInvalid', `${where}: as-user-extra must map keys to lists of strings`);
  }
  const extra = asExtra as Record<string, string[]>;
  if (!as && (asUid || asGroups.length || Object.keys(extra).length)) {
    throw new KubeConfigError('KubeConfigInvalid', `${where}: as-uid, as-groups or as-user-extra without as (impersonating no user)`);
  }
  if (as) user.impersonate = { user: as, ...(asUid ? { uid: asUid } : {}), groups: asGroups, extra };
  return user;
}

function isRecord(v: unknown): v is Raw {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(obj: Raw, key: string, where: string): string | undefined {
  const v = obj[key];
  if (v === undefined || v === null) return undefined;
  // YAML reads `token: 12345` as a number; kubectl's decoder takes it as the string it is.
  if (typeof v === 'number') return String(v);
  if (typeof v !== 'string') throw new KubeConfigError('KubeConfigInvalid', `${where}: ${key} must be a string`);
  return v;
}

function bool(obj: Raw, key: string, where: string): boolean {
  const v = obj[key];
  if (v === undefined || v === null) return false;
  if (typeof v !== 'boolean') throw new KubeConfigError('KubeConfigInvalid', `${where}: ${key} must be true or false`);
  return v;
}

function stringList(obj: Raw, key: string, where: string): string[] {
  const v = obj[key];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || !v.every((s): s is string => typeof s === 'string'))
    throw new KubeConfigError('KubeConfigInvalid', `${where}: ${key} must be a list of strings`);
  return v;
}

function base64(obj: Raw, key: string, where: string): Buffer | undefined {
  const v = str(obj, key, where);
  if (!v) return undefined;
  const compact = v.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(compact) || compact.length % 4 !== 0) {
    throw new KubeConfigError('KubeConfigInvalid', `${where}: ${key} is not base64 (it holds the PEM base64-encoded)`);
  }
  return Buffer.from(compact, 'base64');
}

function readOrThrow(file: string, what: string, reason: KubeConfigErrorReason = 'KubeCredentialsUnreadable'): Buffer {
  try {
    return readFileSync(file);
  } catch (e) {
    throw new KubeConfigError(reason, `${what}: cannot read ${file} (${fileProblem(e)})`, { cause: e });
  }
}

function fileProblem(e: unknown): string {
  const code = typeof e === 'object' && e !== null && 'code' in e ? e.code : undefined;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EACCES') return 'permission denied';
  if (code === 'EISDIR') return 'a directory';
  return errorMessage(e);
}

/** Fail at load, not at the first request, when a referenced file cannot be read; it is read again per use. */
function readable(file: string, what: string): string {
  readOrThrow(file, what);
  return file;
}

function known(map: Map<string, Entry>): string {
  return map.size ? ` (defined: ${[...map.keys()].map((k) => `"${k}"`).join(', ')})` : ' (none defined)';
}
