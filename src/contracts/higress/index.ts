// Typed contracts for everything the operator hands to Higress. Builders return these types; the tests in
// this folder parse every golden and the live console's objects through them. See docs/contracts.md.
export * from './upstream.js';
export * from './ai-proxy.js';
export * from './model-router.js';
export * from './model-mapper.js';
export * from './ai-statistics.js';
export * from './key-auth.js';
export * from './ai-token-ratelimit.js';
export * from './ai-cache.js';
export * from './mcp-server.js';
export * from './ai-agent.js';
export * from './wasm-plugin.js';
export * from './mcp-bridge.js';
export * from './ingress.js';
export * from './console-ai-route.js';
export * from './registry.js';
