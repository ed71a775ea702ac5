/**
 * Which Higress the contracts in this folder were written against. Every schema cites the upstream file that
 * reads each field; the paths are relative to `alibaba/higress` at this commit unless they name another
 * repository (the MCP server framework lives in `higress-group/wasm-go`, the console's forms in
 * `higress-group/higress-console`). See /work/shared/reference/higress.md §0 and docs/contracts.md.
 */
export const HIGRESS_UPSTREAM = {
  /** `VERSION` at the commit read. */
  version: 'v2.2.1',
  commit: '4e0d69143208d713e88880d5af1c86f4386e425c',
  wasmGoCommit: 'd153aa413bfa55139be9654fc2733dc3fa81976e',
} as const;

// The Higress system namespace's default is `DEFAULT_HIGRESS_NAMESPACE` (src/higress/namespace.ts). Higress
// reads WasmPlugins, McpBridge `default` and `higress-config` only there (`pkg/ingress/config/ingress_config.go`:
// `AddOrUpdateWasmPlugin` returns early for other namespaces).

/** The only McpBridge Higress honours (`DefaultMcpbridgeName`, `pkg/ingress/config/ingress_config.go`). */
export const MCP_BRIDGE_NAME = 'default';
