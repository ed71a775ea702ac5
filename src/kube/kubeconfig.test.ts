import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type https from 'node:https';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { stringify } from 'yaml';
import { KubeConfigError, loadKubeConfig, loadKubeConfigFiles, type LoadedKubeConfig } from './kubeconfig.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'kubeconfig-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Write a file under the temp dir (creating parents) and return its absolute path. */
function file(rel: string, content: string | object): string {
  const path = join(dir, rel);
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, typeof content === 'string' ? content : stringify(content));
  return path;
}

const b64 = (s: string): string => Buffer.from(s).toString('base64');

function kubeconfig(opts: { current?: string; clusters?: object; users?: object; contexts?: object } = {}): object {
  const named = (kind: string, m: object | undefined) => Object.entries(m ?? {}).map(([name, body]) => ({ name, [kind]: body as object }));
  return {
    apiVersion: 'v1',
    kind: 'Config',
    ...(opts.current !== undefined ? { 'current-context': opts.current } : {}),
    clusters: named('cluster', opts.clusters),
    users: named('user', opts.users),
    contexts: named('context', opts.contexts),
  };
}

const simple = (user: object, cluster: object = { server: 'https://kube.test:6443', 'certificate-authority-data': b64('CA') }) =>
  kubeconfig({ current: 'c', clusters: { k: cluster }, users: { u: user }, contexts: { c: { cluster: 'k', user: 'u', namespace: 'team' } } });

async function httpsOptions(kc: LoadedKubeConfig): Promise<https.RequestOptions> {
  const opts: https.RequestOptions = {};
  await kc.applyToHTTPSOptions(opts);
  return opts;
}

function errorOf(fn: () => unknown): KubeConfigError {
  try {
    fn();
  } catch (e) {
    if (e instanceof KubeConfigError) return e;
    throw e;
  }
  throw new Error('expected a KubeConfigError');
}

const noHome = (): string => join(dir, 'no-home');

describe('loadKubeConfigFiles: one file', () => {
  it('reads server, CA data, token and the context namespace', async () => {
    const kc = loadKubeConfigFiles([file('config', simple({ token: 'tok' }))]);
    expect(kc.contextName).toBe('c');
    expect(kc.namespace).toBe('team');
    expect(kc.inCluster).toBe(false);
    expect(kc.getCurrentCluster()).toEqual({
      name: 'k',
      server: 'https://kube.test:6443',
      certificateAuthorityData: Buffer.from('CA'),
      insecureSkipTlsVerify: false,
    });
    const opts = await httpsOptions(kc);
    expect(opts.ca).toEqual(Buffer.from('CA'));
    expect(opts.headers).toEqual({ authorization: 'Bearer tok' });
    expect(opts.rejectUnauthorized).toBeUndefined();
  });

  it('resolves relative certificate-authority, client-certificate, client-key and tokenFile against the file, not the cwd', async () => {
    file('conf/pki/ca.crt', 'CA-FILE');
    file('conf/pki/client.crt', 'CERT-FILE');
    file('conf/pki/client.key', 'KEY-FILE');
    file('conf/token', 'file-token\n');
    const path = file(
      'conf/kubeconfig',
      simple(
        { 'client-certificate': 'pki/client.crt', 'client-key': './pki/client.key', tokenFile: 'token' },
        { server: 'https://kube.test', 'certificate-authority': 'pki/ca.crt' },
      ),
    );
    const kc = loadKubeConfigFiles([path]);
    expect(kc.cluster.certificateAuthorityFile).toBe(join(dir, 'conf/pki/ca.crt'));
    expect(kc.user.clientKeyFile).toBe(join(dir, 'conf/pki/client.key'));
    const opts = await httpsOptions(kc);
    expect(opts.ca).toEqual(Buffer.from('CA-FILE'));
    expect(opts.cert).toEqual(Buffer.from('CERT-FILE'));
    expect(opts.key).toEqual(Buffer.from('KEY-FILE'));
    expect(opts.headers).toEqual({ authorization: 'Bearer file-token' });
  });

  it('re-reads a tokenFile on every refresh, and keeps the last token while the file is briefly gone', async () => {
    const token = file('token', 'one');
    const kc = loadKubeConfigFiles([file('config', simple({ tokenFile: token }))]);
    expect((await httpsOptions(kc)).headers).toEqual({ authorization: 'Bearer one' });
    writeFileSync(token, 'two\n');
    expect((await httpsOptions(kc)).headers).toEqual({ authorization: 'Bearer two' });
    rmSync(token);
    expect((await httpsOptions(kc)).headers).toEqual({ authorization: 'Bearer two' });
  });

  it('fails a refresh with the file and its problem when there is no earlier token to keep', async () => {
    const token = file('token', 'one');
    const path = file('config', simple({ tokenFile: token }));
    const kc = loadKubeConfigFiles([path]);
    writeFileSync(token, '\n');
    await expect(kc.applyToHTTPSOptions({})).rejects.toThrow(`cannot read token file ${token} (empty), named by ${path}`);
    rmSync(token);
    await expect(kc.applyToHTTPSOptions({})).rejects.toThrow(`cannot read token file ${token} (no such file), named by ${path}`);
  });

  it('prefers token over tokenFile, as clientcmd does', async () => {
    const kc = loadKubeConfigFiles([file('config', simple({ token: 'inline', tokenFile: file('token', 'from-file') }))]);
    expect((await httpsOptions(kc)).headers).toEqual({ authorization: 'Bearer inline' });
  });

  it('takes client certificate and key as base64 data', async () => {
    const kc = loadKubeConfigFiles([file('config', simple({ 'client-certificate-data': b64('CERT'), 'client-key-data': b64('KEY') }))]);
    const opts = await httpsOptions(kc);
    expect(opts.cert).toEqual(Buffer.from('CERT'));
    expect(opts.key).toEqual(Buffer.from('KEY'));
    expect(opts.headers).toEqual({});
  });

  it('sends username/password as basic auth', async () => {
    const opts = await httpsOptions(loadKubeConfigFiles([file('config', simple({ username: 'admin', password: 's3cret' }))]));
    expect(opts.auth).toBe('admin:s3cret');
  });

  it('maps insecure-skip-tls-verify and tls-server-name to the TLS options', async () => {
    const kc = loadKubeConfigFiles([
      file('config', simple({ token: 't' }, { server: 'https://10.0.0.1:6443', 'insecure-skip-tls-verify': true, 'tls-server-name': 'kube.test' })),
    ]);
    const opts = await httpsOptions(kc);
    expect(opts.rejectUnauthorized).toBe(false);
    expect(opts.servername).toBe('kube.test');
    expect(opts.ca).toBeUndefined();
  });

  it('keeps an http(s) proxy-url for the transport and refuses a socks one', () => {
    const kc = loadKubeConfigFiles([file('config', simple({ token: 't' }, { server: 'https://kube.test', 'proxy-url': 'http://proxy.corp:3128' }))]);
    expect(kc.getCurrentCluster().proxyUrl).toBe('http://proxy.corp:3128');
    const e = errorOf(() =>
      loadKubeConfigFiles([file('socks', simple({ token: 't' }, { server: 'https://kube.test', 'proxy-url': 'socks5://proxy.corp:1080' }))]),
    );
    expect(e.message).toBe(`cluster "k" in ${join(dir, 'socks')}: proxy-url scheme socks5 is not supported (use an http or https proxy)`);
  });

  it('sends impersonation headers', async () => {
    const kc = loadKubeConfigFiles([
      file('config', simple({ token: 't', as: 'jane', 'as-uid': '42', 'as-groups': ['dev', 'ops'], 'as-user-extra': { 'reason/why': ['audit'] } })),
    ]);
    expect((await httpsOptions(kc)).headers).toEqual({
      authorization: 'Bearer t',
      'impersonate-user': 'jane',
      'impersonate-uid': '42',
      'impersonate-group': ['dev', 'ops'],
      'impersonate-extra-reason%2Fwhy': ['audit'],
    });
  });

  it('gives a scheme-less server https when TLS is configured and http otherwise (client-go DefaultServerURL)', () => {
    expect(loadKubeConfigFiles([file('a', simple({}, { server: 'kube.test:6443', 'certificate-authority-data': b64('CA') }))]).cluster.server).toBe(
      'https://kube.test:6443',
    );
    expect(loadKubeConfigFiles([file('b', simple({}, { server: 'localhost:8080' }))]).cluster.server).toBe('http://localhost:8080');
  });

  it('treats a context without a user as anonymous', async () => {
    const kc = loadKubeConfigFiles([
      file('config', kubeconfig({ current: 'c', clusters: { k: { server: 'https://kube.test' } }, contexts: { c: { cluster: 'k' } } })),
    ]);
    expect(kc.namespace).toBe('default');
    expect((await httpsOptions(kc)).headers).toEqual({});
  });

  it('uses an explicitly requested context over current-context', () => {
    const path = file(
      'config',
      kubeconfig({
        current: 'a',
        clusters: { ka: { server: 'https://a.test' }, kb: { server: 'https://b.test' } },
        users: { u: { token: 't' } },
        contexts: { a: { cluster: 'ka', user: 'u' }, b: { cluster: 'kb', user: 'u' } },
      }),
    );
    expect(loadKubeConfigFiles([path], { context: 'b' }).cluster.server).toBe('https://b.test');
  });
});

describe('loadKubeConfigFiles: precise errors', () => {
  const cases: Array<[string, () => object | string, (path: string) => string]> = [
    ['no current-context', () => kubeconfig({ clusters: { k: { server: 'https://x' } } }), (p) => `current-context is not set in ${p}`],
    [
      'an undefined current context',
      () => kubeconfig({ current: 'nope', contexts: { c: { cluster: 'k' } } }),
      (p) => `context "nope" (the current-context) is not defined in ${p} (defined: "c")`,
    ],
    [
      'a context naming a missing cluster',
      () => kubeconfig({ current: 'c', clusters: { other: { server: 'https://x' } }, contexts: { c: { cluster: 'k', user: 'u' } } }),
      (p) => `context "c" in ${p} refers to cluster "k", which is not defined in ${p} (defined: "other")`,
    ],
    [
      'a context naming a missing user',
      () => kubeconfig({ current: 'c', clusters: { k: { server: 'https://x' } }, contexts: { c: { cluster: 'k', user: 'u' } } }),
      (p) => `context "c" in ${p} refers to user "u", which is not defined in ${p} (none defined)`,
    ],
    ['a cluster without server', () => simple({ token: 't' }, {}), (p) => `cluster "k" in ${p} has no server`],
    [
      'CA file and data both',
      () => simple({}, { server: 'https://x', 'certificate-authority': '/etc/hostname', 'certificate-authority-data': b64('CA') }),
      (p) => `cluster "k" in ${p}: certificate-authority and certificate-authority-data are both set; keep one`,
    ],
    [
      'insecure with a CA',
      () => simple({}, { server: 'https://x', 'insecure-skip-tls-verify': true, 'certificate-authority-data': b64('CA') }),
      (p) => `cluster "k" in ${p}: insecure-skip-tls-verify cannot be combined with a certificate-authority (kubectl refuses it too)`,
    ],
    [
      'a missing CA file',
      () => simple({}, { server: 'https://x', 'certificate-authority': 'missing/ca.crt' }),
      (p) => `certificate-authority of cluster "k" in ${p}: cannot read ${join(dir, 'missing/ca.crt')} (no such file)`,
    ],
    [
      'a certificate without key',
      () => simple({ 'client-certificate-data': b64('C') }),
      (p) => `user "u" in ${p}: a client certificate needs client-key or client-key-data`,
    ],
    [
      'a key without certificate',
      () => simple({ 'client-key-data': b64('K') }),
      (p) => `user "u" in ${p}: a client key needs client-certificate or client-certificate-data`,
    ],
    [
      'token and basic auth',
      () => simple({ token: 't', username: 'a', password: 'b' }),
      (p) => `user "u" in ${p}: more than one authentication method (token, basic auth (username/password)); keep one`,
    ],
    [
      'exec and auth-provider',
      () => simple({ exec: { command: 'x', apiVersion: 'v' }, 'auth-provider': { name: 'oidc' } }),
      (p) => `user "u" in ${p}: exec and auth-provider are both set; keep one`,
    ],
    ['exec without apiVersion', () => simple({ exec: { command: 'x' } }), (p) => `user "u" in ${p}: exec needs an apiVersion`],
    [
      'impersonation extras without a user',
      () => simple({ 'as-groups': ['g'] }),
      (p) => `user "u" in ${p}: as-uid, as-groups or as-user-extra without as (impersonating no user)`,
    ],
    [
      'bad base64',
      () => simple({ 'client-certificate-data': '-----BEGIN CERTIFICATE-----', 'client-key-data': b64('K') }),
      (p) => `user "u" in ${p}: client-certificate-data is not base64 (it holds the PEM base64-encoded)`,
    ],
    ['a list that is not a list', () => ({ clusters: { k: {} } }), (p) => `${p}: clusters must be a list`],
    ['an entry without name', () => ({ users: [{ user: {} }] }), (p) => `${p}: users[0] has no name`],
    ['a scalar document', () => 'just text\n', (p) => `${p}: a kubeconfig is a mapping, found string`],
  ];
  it.each(cases)('%s', (_name, content, message) => {
    const path = file('config', content());
    expect(errorOf(() => loadKubeConfigFiles([path])).message).toBe(message(path));
  });

  it('names the file of invalid YAML', () => {
    const path = file('config', 'clusters: [\n');
    const e = errorOf(() => loadKubeConfigFiles([path]));
    expect(e.reason).toBe('KubeConfigInvalid');
    expect(e.message.startsWith(`${path}: not valid YAML: `)).toBe(true);
  });

  it('names the tokenFile it cannot read', () => {
    const path = file('config', simple({ tokenFile: 'gone' }));
    expect(errorOf(() => loadKubeConfigFiles([path])).message).toBe(`tokenFile of user "u" in ${path}: cannot read ${join(dir, 'gone')} (no such file)`);
  });
});

describe('loadKubeConfig: where the config comes from', () => {
  it('merges the KUBECONFIG list as kubectl does: the first file to set a name or current-context wins, missing files are skipped', async () => {
    const first = file(
      'a/config',
      kubeconfig({ clusters: { k: { server: 'https://first.test', 'certificate-authority': 'ca.crt' } }, users: { u: { token: 'first-token' } } }),
    );
    file('a/ca.crt', 'CA-A');
    const second = file(
      'b/config',
      kubeconfig({
        current: 'c',
        clusters: { k: { server: 'https://second.test' }, other: { server: 'https://other.test' } },
        users: { u: { token: 'second-token' } },
        contexts: { c: { cluster: 'k', user: 'u', namespace: 'from-second' } },
      }),
    );
    const third = file('c/config', kubeconfig({ current: 'ignored', contexts: { c: { cluster: 'other' } } }));
    const env = { KUBECONFIG: [join(dir, 'missing'), first, '', second, third].join(delimiter) };
    const kc = loadKubeConfig({ env, homeDir: noHome() });
    expect(kc.source).toBe([first, second, third].join(delimiter));
    expect(kc.contextName).toBe('c');
    expect(kc.namespace).toBe('from-second');
    expect(kc.cluster.server).toBe('https://first.test');
    // The first file's relative path stays relative to the first file's directory after the merge.
    expect((await httpsOptions(kc)).ca).toEqual(Buffer.from('CA-A'));
    expect((await httpsOptions(kc)).headers).toEqual({ authorization: 'Bearer first-token' });
  });

  it('errors when no KUBECONFIG file exists', () => {
    const env = { KUBECONFIG: [join(dir, 'x'), join(dir, 'y')].join(delimiter) };
    const e = errorOf(() => loadKubeConfig({ env, homeDir: noHome() }));
    expect(e.reason).toBe('KubeConfigNotFound');
    expect(e.message).toBe(`KUBECONFIG=${env.KUBECONFIG}: none of these files exists`);
  });

  describe('in cluster', () => {
    let sa: string;
    beforeEach(() => {
      sa = join(dir, 'sa');
      file('sa/token', 'bound-token-1\n');
      file('sa/ca.crt', 'CLUSTER-CA');
      file('sa/namespace', 'operators');
    });

    it('uses the Service address, the ServiceAccount CA and namespace, and re-reads the rotated token', async () => {
      const kc = loadKubeConfig({ env: { KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443' }, serviceAccountDir: sa, homeDir: noHome() });
      expect(kc.inCluster).toBe(true);
      expect(kc.namespace).toBe('operators');
      expect(kc.source).toBe(`in-cluster (${sa})`);
      expect(kc.cluster).toEqual({
        name: 'in-cluster',
        server: 'https://10.96.0.1:443',
        certificateAuthorityFile: join(sa, 'ca.crt'),
        insecureSkipTlsVerify: false,
      });
      const opts = await httpsOptions(kc);
      expect(opts.ca).toEqual(Buffer.from('CLUSTER-CA'));
      expect(opts.headers).toEqual({ authorization: 'Bearer bound-token-1' });
      // The kubelet rewrites the projected token before it expires.
      writeFileSync(join(sa, 'token'), 'bound-token-2');
      expect((await httpsOptions(kc)).headers).toEqual({ authorization: 'Bearer bound-token-2' });
    });

    it('brackets an IPv6 Service host', () => {
      const kc = loadKubeConfig({ env: { KUBERNETES_SERVICE_HOST: 'fd00::1', KUBERNETES_SERVICE_PORT: '443' }, serviceAccountDir: sa, homeDir: noHome() });
      expect(kc.cluster.server).toBe('https://[fd00::1]:443');
    });

    it('loses to KUBECONFIG', () => {
      const path = file('config', simple({ token: 't' }));
      const kc = loadKubeConfig({ env: { KUBECONFIG: path, KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443' }, serviceAccountDir: sa });
      expect(kc.inCluster).toBe(false);
    });

    it('without a mounted token, falls back to ~/.kube/config, and says what it tried when that is missing too', () => {
      rmSync(join(sa, 'token'));
      const env = { KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443' };
      const e = errorOf(() => loadKubeConfig({ env, serviceAccountDir: sa, homeDir: noHome() }));
      expect(e.reason).toBe('KubeConfigNotFound');
      expect(e.message).toBe(
        `no kubeconfig: KUBECONFIG is not set; KUBERNETES_SERVICE_HOST is set but ${join(sa, 'token')} does not exist (automountServiceAccountToken: false?); ` +
          `${join(noHome(), '.kube/config')} does not exist`,
      );
      file('home/.kube/config', simple({ token: 'home' }));
      expect(loadKubeConfig({ env, serviceAccountDir: sa, homeDir: join(dir, 'home') }).source).toBe(join(dir, 'home/.kube/config'));
    });
  });

  it('reads ~/.kube/config when neither KUBECONFIG nor a cluster is there', () => {
    file('home/.kube/config', simple({ token: 'home' }));
    const kc = loadKubeConfig({ env: {}, homeDir: join(dir, 'home'), serviceAccountDir: join(dir, 'none') });
    expect(kc.cluster.server).toBe('https://kube.test:6443');
    expect(errorOf(() => loadKubeConfig({ env: {}, homeDir: noHome() })).message).toBe(
      `no kubeconfig: KUBECONFIG is not set; not in a cluster (KUBERNETES_SERVICE_HOST/PORT unset); ${join(noHome(), '.kube/config')} does not exist`,
    );
  });
});

describe('credential plugins', () => {
  it('runs an exec plugin (relative command path) through @kubernetes/client-node, imported on first use', async () => {
    const credential = { apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential', status: { token: 'exec-token' } };
    file('conf/bin/get-token', `#!/bin/sh\necho '${JSON.stringify(credential)}'\n`);
    chmodSync(join(dir, 'conf/bin/get-token'), 0o755);
    const path = file('conf/config', simple({ exec: { apiVersion: 'client.authentication.k8s.io/v1', command: './bin/get-token', interactiveMode: 'Never' } }));
    const kc = loadKubeConfigFiles([path]);
    expect(kc.user.plugin).toBe('exec');
    const opts = await httpsOptions(kc);
    expect(opts.headers).toMatchObject({ Authorization: 'Bearer exec-token' });
    expect(opts.ca).toEqual(Buffer.from('CA'));
  });

  it('takes an auth-provider token (oidc, unexpired id-token) through @kubernetes/client-node', async () => {
    const seg = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const idToken = `${seg({ alg: 'none' })}.${seg({ sub: 'jane', exp: 4102444800 })}.sig`;
    const kc = loadKubeConfigFiles([file('config', simple({ 'auth-provider': { name: 'oidc', config: { 'id-token': idToken, 'client-id': 'k8s' } } }))]);
    expect(kc.user.plugin).toBe('auth-provider');
    expect((await httpsOptions(kc)).headers).toMatchObject({ Authorization: `Bearer ${idToken}` });
  });
});
