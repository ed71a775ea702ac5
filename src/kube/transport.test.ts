import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { TLSSocket } from 'node:tls';
import { stringify } from 'yaml';
import { loadKubeConfigFiles } from './kubeconfig.js';
import { KubeConfigTransport } from './transport.js';

// A TLS server that demands a client certificate from the fixture CA (as kube-apiserver with --client-ca-file)
// and answers with who it saw: the certificate's CN and the Authorization header.
const TLS = join(import.meta.dirname, '__fixtures__/tls');

let dir: string;
let server: https.Server;
let port: number;
const sockets = new Set<Socket>();

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'transport-'));
  mkdirSync(join(dir, 'pki'));
  for (const f of ['ca.crt', 'client.crt', 'client.key', 'client2.crt', 'client2.key']) copyFileSync(join(TLS, f), join(dir, 'pki', f));
  const pem = (f: string): Buffer => readFileSync(join(TLS, f));
  server = https.createServer(
    { key: pem('server.key'), cert: pem('server.crt'), ca: pem('ca.crt'), requestCert: true, rejectUnauthorized: true },
    (req, res) => {
      const peer = (req.socket as TLSSocket).getPeerCertificate();
      res.end(JSON.stringify({ cn: peer.subject?.CN, authorization: req.headers.authorization ?? null, path: req.url }));
    },
  );
  server.on('connection', (s: Socket) => sockets.add(s));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});

afterEach(async () => {
  for (const s of sockets) s.destroy();
  await new Promise((r) => server.close(r));
  rmSync(dir, { recursive: true, force: true });
});

function kubeconfig(cluster: object, user: object): string {
  const path = join(dir, 'config');
  writeFileSync(
    path,
    stringify({
      'current-context': 'c',
      clusters: [{ name: 'k', cluster }],
      users: [{ name: 'u', user }],
      contexts: [{ name: 'c', context: { cluster: 'k', user: 'u' } }],
    }),
  );
  return path;
}

const CLIENT = { 'client-certificate': 'pki/client.crt', 'client-key': 'pki/client.key' };

describe('KubeConfigTransport with our kubeconfig loader, against a real TLS server', () => {
  it('authenticates with a client certificate and a token, verifying the server against the kubeconfig CA and tls-server-name', async () => {
    // "localhost" is not in the serving certificate: only tls-server-name makes the handshake succeed.
    const kc = loadKubeConfigFiles([
      kubeconfig({ server: `https://localhost:${port}`, 'certificate-authority': 'pki/ca.crt', 'tls-server-name': 'kube.test' }, { ...CLIENT, token: 'tok' }),
    ]);
    const t = new KubeConfigTransport(kc);
    const res = await t.request('GET', '/api/v1/namespaces');
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ cn: 'client', authorization: 'Bearer tok', path: '/api/v1/namespaces' });
    t.close();
  });

  it('refuses a server its CA did not sign for the name it dialled', async () => {
    const kc = loadKubeConfigFiles([kubeconfig({ server: `https://localhost:${port}`, 'certificate-authority': 'pki/ca.crt' }, CLIENT)]);
    const t = new KubeConfigTransport(kc);
    await expect(t.request('GET', '/api')).rejects.toThrow(/localhost/);
    t.close();
  });

  it('keeps one connection while the TLS material is unchanged, and picks up a rotated client certificate with a new agent', async () => {
    let handshakes = 0;
    server.on('secureConnection', () => handshakes++);
    const kc = loadKubeConfigFiles([kubeconfig({ server: `https://127.0.0.1:${port}`, 'certificate-authority': 'pki/ca.crt' }, CLIENT)]);
    const t = new KubeConfigTransport(kc, 0);
    expect(JSON.parse((await t.request('GET', '/a')).body)).toMatchObject({ cn: 'client' });
    expect(JSON.parse((await t.request('GET', '/a')).body)).toMatchObject({ cn: 'client' });
    expect(handshakes).toBe(1);
    // cert-manager (or an admin) replaces the files in place.
    copyFileSync(join(dir, 'pki/client2.crt'), join(dir, 'pki/client.crt'));
    copyFileSync(join(dir, 'pki/client2.key'), join(dir, 'pki/client.key'));
    expect(JSON.parse((await t.request('GET', '/b')).body)).toMatchObject({ cn: 'client2' });
    expect(handshakes).toBe(2);
    t.close();
  });

  it('keeps no response reachable once it is handed over, although the keep-alive socket stays', async () => {
    // The agent keeps the request that opened a socket reachable for the socket's life; a response reachable from
    // that request's listeners stayed in memory as long (the operator's initial LISTs, megabytes at 500 pools).
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const kc = loadKubeConfigFiles([kubeconfig({ server: `https://127.0.0.1:${port}`, 'certificate-authority': 'pki/ca.crt' }, CLIENT)]);
    const t = new KubeConfigTransport(kc);
    const refs: WeakRef<object>[] = [];
    for (const path of ['/first', '/second']) refs.push(new WeakRef(await t.request('GET', path)));
    await new Promise((r) => setImmediate(r));
    gc();
    expect(refs.map((r) => r.deref())).toEqual([undefined, undefined]);
    expect([...sockets].filter((s) => !s.destroyed)).toHaveLength(1); // the socket both requests used is still open
    t.close();
  });

  it('keeps no request body reachable after the request, although the keep-alive socket stays', async () => {
    // A body is a string, which a WeakRef cannot follow: a child process with a small heap looks for it in a heap
    // snapshot instead, talking to this test's TLS server. A socket opened by a shared object's PUT kept that body
    // (hundreds of KB) for its life.
    const script = `
      import { readFileSync } from 'node:fs';
      import { getHeapSnapshot } from 'node:v8';
      import { KubeConfigTransport } from ${JSON.stringify(join(import.meta.dirname, 'transport.ts'))};
      const pem = (f) => readFileSync(${JSON.stringify(join(dir, 'pki'))} + '/' + f);
      const cluster = { server: 'https://127.0.0.1:${port}' };
      const tls = async (o) => Object.assign(o, { ca: pem('ca.crt'), cert: pem('client.crt'), key: pem('client.key') });
      const t = new KubeConfigTransport({ getCurrentCluster: () => cluster, applyToHTTPSOptions: tls }, 0);
      const marker = 'body-marker-' + process.pid;
      await t.request('PUT', '/opens-the-socket', JSON.stringify({ marker }));
      // The body as the snapshot's JSON writes it (quotes escaped); this needle itself would be escaped twice.
      const needle = JSON.stringify(JSON.stringify({ marker })).slice(1, -1);
      await t.request('GET', '/reuses-it');
      await new Promise((r) => setTimeout(r, 20));
      globalThis.gc();
      let found = false;
      let tail = '';
      for await (const chunk of getHeapSnapshot()) {
        const text = tail + chunk;
        if (text.includes(needle)) found = true;
        tail = text.slice(-64);
      }
      t.close();
      console.log(JSON.stringify({ found }));
    `;
    // Asynchronous: this process's server answers the child.
    const { stdout } = await promisify(execFile)(process.execPath, ['--expose-gc', '--import', 'tsx', '--input-type=module', '-e', script]);
    expect(JSON.parse(stdout.trim().split('\n').pop() ?? '{}')).toMatchObject({ found: false });
  });

  it('tunnels through the cluster proxy-url', async () => {
    const connects: string[] = [];
    const proxy = http.createServer((_req, res) => res.writeHead(405).end());
    proxy.on('connect', (req: http.IncomingMessage, client: Socket, head: Buffer) => {
      connects.push(req.url ?? '');
      const [host, p] = (req.url ?? '').split(':');
      const upstream = connect(Number(p), host, () => {
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        upstream.write(head);
        upstream.pipe(client).pipe(upstream);
      });
      upstream.on('error', () => client.destroy());
      client.on('error', () => upstream.destroy());
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    try {
      const proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
      const kc = loadKubeConfigFiles([
        kubeconfig({ server: `https://127.0.0.1:${port}`, 'certificate-authority': 'pki/ca.crt', 'proxy-url': proxyUrl }, CLIENT),
      ]);
      const t = new KubeConfigTransport(kc);
      const res = await t.request('GET', '/via-proxy');
      expect(JSON.parse(res.body)).toMatchObject({ cn: 'client', path: '/via-proxy' });
      expect(connects).toEqual([`127.0.0.1:${port}`]);
      t.close();
    } finally {
      proxy.closeAllConnections();
      await new Promise((r) => proxy.close(r));
    }
  });
});
