/**
 * OpenAPI description of the RAG runtime's REST search endpoint (`POST /search`, served by src/rag/server.ts
 * beside `/mcp`). The ai-agent plugin takes tools only as OpenAPI (plugins/wasm-go/extensions/ai-agent
 * config.go `apis[].api`) and reads POST bodies from `content["application/json"].schema` with flat
 * properties, so the document keeps that shape. One definition, used by the runtime (served at
 * `/openapi.json`) and by the AgentProduct reconciler (rendered into the agent's config).
 */
export const RAG_SEARCH_OPERATION = 'search';

export function ragSearchOpenApi(serverUrl: string, operationId = RAG_SEARCH_OPERATION): Record<string, unknown> {
  return {
    openapi: '3.0.1',
    info: { title: 'RAG search', version: '1.0.0' },
    servers: [{ url: serverUrl }],
    paths: {
      '/search': {
        post: {
          operationId,
          summary: 'Retrieve ranked passages (with source ids) that answer a query from the indexed documents.',
          description: 'Retrieve ranked passages (with source ids) that answer a query from the indexed documents.',
          requestBody: {
            required: true,
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  required: ['query'],
                  properties: {
                    query: { type: 'string', description: 'What to look up, in natural language.' },
                    topK: { type: 'integer', description: 'How many passages to return (default from the pipeline).' },
                  },
                },
              },
            },
          },
          responses: {
            '200': {
              description: 'Passages, best first.',
              content: {
                'application/json': {
                  schema: {
                    type: 'object',
                    properties: {
                      query: { type: 'string' },
                      passages: {
                        type: 'array',
                        items: {
                          type: 'object',
                          properties: { id: { type: 'string' }, source: { type: 'string' }, text: { type: 'string' }, score: { type: 'number' } },
                        },
                      },
                    },
                  },
                },
              },
            },
          },
        },
      },
    },
  };
}
