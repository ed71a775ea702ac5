import { isIP } from 'node:net';
import type { McpBridgeRegistry } from './types.js';

/** Where an upstream lives, parsed from an endpoint URL (or a provider's default). */
export interface UpstreamAddress {
  host: string;
  port: number;
  protocol: 'http' | 'https';
}

export class InvalidEndpointError extends Error {
  readonly reason = 'InvalidEndpoint';
}

/** Parse `http(s)://host[:port]/...` into host, port (scheme default) and protocol. */
export function upstreamFromUrl(endpoint: string): UpstreamAddress {
  let u: URL;
  try {
    u = new URL(endpoint);
  } catch {
    throw new InvalidEndpointError(`not a URL: ${endpoint}`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new InvalidEndpointError(`unsupported scheme in ${endpoint}`);
  const protocol = u.protocol === 'https:' ? 'https' : 'http';
  const port = u.port ? Number(u.port) : protocol === 'https' ? 443 : 80;
  return { host: u.hostname.replace(/^\[|\]$/g, ''), port, protocol };
}

/**
 * McpBridge registry for one upstream (reference §2.2, §7.1): hostnames become `dns` registries with
 * the real port; IP addresses become `static` registries (`domain: ip:port`, service port 80, explicit SNI
 * not available so TLS to a bare IP relies on the upstream certificate's IP SAN).
 */
export function buildRegistry(name: string, up: UpstreamAddress): McpBridgeRegistry {
  const ip = isIP(up.host);
  if (ip) {
    const hostPort = ip === 6 ? `[${up.host}]:${up.port}` : `${up.host}:${up.port}`;
    return { name, type: 'static', domain: hostPort, port: 80, protocol: up.protocol };
  }
  return { name, type: 'dns', domain: up.host, port: up.port, protocol: up.protocol };
}
