/**
 * Invalid AgentProducts and the field-precise error each must produce — ONE table used twice: by
 * agentproduct-validation.test.ts against the real API server (CRD schema + CEL from crds/), and by
 * src/api/v1alpha1/agentproduct.validation.test.ts against the zod schema. Same conventions as
 * modelpool-validation.cases.ts: `path`/`message` are what the API server reports; `zodPath`/`zodMessage`
 * override where zod's wording of a built-in check differs (CEL-mirrored rules share one message).
 *
 * The second half, {@link STATUS_CASES}, are specs admission cannot judge (the OpenAPI document's content,
 * Secrets, referenced objects): the API server accepts them and the controller's Ready condition names the
 * exact field (and JSON pointer into the document) at fault.
 */

import type { InvalidCase } from '../support/validation-table.js';
import { PETSTORE } from './support/petstore.js';

export type InvalidProductCase = InvalidCase;

type Spec = Record<string, unknown>;

const pets = { name: 'pets', openapi: { inline: PETSTORE } };
const consumer = (name: string, secret = name) => ({ name, keySecretRef: { name: secret, key: 'key' } });
const agent = { model: { pool: 'chat', name: 'gpt-4o' } };

function product(spec: Spec, name = 'invalid'): Record<string, unknown> {
  return { apiVersion: 'ai.higress.io/v1alpha1', kind: 'AgentProduct', metadata: { name }, spec };
}
const withSpec = (patch: Spec) => product({ tools: [pets], ...patch });
const withOpenApi = (patch: Spec) => product({ tools: [{ name: 'pets', openapi: { inline: PETSTORE, ...patch } }] });
const withAgent = (patch: Spec) => withSpec({ agent: { ...agent, ...patch } });

/** A valid product every case departs from (the tests also check that this one is accepted). */
export const VALID_PRODUCT = product({ tools: [pets], agent, access: { consumers: [consumer('alice')] } }, 'valid');

export const INVALID_PRODUCTS: InvalidProductCase[] = [
  { name: 'no tools', object: product({}), path: 'spec.tools', message: 'Required value', zodMessage: 'Invalid input' },
  { name: 'empty tools', object: product({ tools: [] }), path: 'spec.tools', message: 'should have at least 1 items', zodMessage: 'Too small' },
  {
    name: 'tool source name not a DNS label',
    object: product({ tools: [{ ...pets, name: 'Pets_API' }] }),
    path: 'spec.tools[0].name',
    message: 'should match',
    zodMessage: 'Invalid string',
  },
  {
    name: 'duplicate tool source names',
    object: product({ tools: [pets, pets] }),
    path: 'spec.tools',
    message: 'tool source names must be unique within the product',
  },
  {
    name: 'tool source with two kinds',
    object: product({ tools: [{ ...pets, ragPipeline: { name: 'docs' } }] }),
    path: 'spec.tools[0].openapi',
    message: 'each tools entry needs exactly one of openapi, ragPipeline, mcpServer',
  },
  {
    name: 'tool source with no kind',
    object: product({ tools: [{ name: 'pets' }] }),
    path: 'spec.tools[0].openapi',
    message: 'each tools entry needs exactly one of openapi, ragPipeline, mcpServer',
  },
  {
    name: 'openapi without a document',
    object: product({ tools: [{ name: 'pets', openapi: { prefix: 'p_' } }] }),
    path: 'spec.tools[0].openapi.inline',
    message: 'openapi needs exactly one of inline, configMap, url',
  },
  {
    name: 'openapi inline and url together',
    object: withOpenApi({ url: 'http://petstore.demo.svc:8080/openapi.yaml' }),
    path: 'spec.tools[0].openapi.inline',
    message: 'openapi needs exactly one of inline, configMap, url',
  },
  {
    name: 'openapi url not http(s)',
    object: product({ tools: [{ name: 'pets', openapi: { url: 'ftp://petstore/openapi.yaml' } }] }),
    path: 'spec.tools[0].openapi.url',
    message: 'should match',
    zodMessage: 'Invalid string',
  },
  {
    name: 'configMap key with a slash',
    object: product({ tools: [{ name: 'pets', openapi: { configMap: { name: 'petstore', key: 'a/b' } } }] }),
    path: 'spec.tools[0].openapi.configMap.key',
    message: 'should match',
    zodMessage: 'Invalid string',
  },
  {
    name: 'operationId with a space',
    object: withOpenApi({ operations: ['list pets'] }),
    path: 'spec.tools[0].openapi.operations[0]',
    message: 'should match',
    zodMessage: 'Invalid string',
  },
  {
    name: 'operation listed twice',
    object: withOpenApi({ operations: ['listPets', 'listPets'] }),
    path: 'spec.tools[0].openapi.operations[1]',
    message: 'Duplicate value: "listPets"',
    zodPath: 'spec.tools[0].openapi.operations',
    zodMessage: 'openapi.operations must not repeat an operationId',
  },
  {
    name: 'empty operations allow-list',
    object: withOpenApi({ operations: [] }),
    path: 'spec.tools[0].openapi.operations',
    message: 'should have at least 1 items',
    zodMessage: 'Too small',
  },
  {
    name: 'tool prefix with a slash',
    object: withOpenApi({ prefix: 'pets/' }),
    path: 'spec.tools[0].openapi.prefix',
    message: 'should match',
    zodMessage: 'Invalid string',
  },
  {
    name: 'baseUrl not a URL',
    object: withOpenApi({ baseUrl: 'petstore:8080' }),
    path: 'spec.tools[0].openapi.baseUrl',
    message: 'should match',
    zodMessage: 'Invalid string',
  },
  {
    name: 'credentials repeat a scheme',
    object: withOpenApi({
      credentials: [
        { scheme: 'api_key', secretRef: { name: 'pets', key: 'a' } },
        { scheme: 'api_key', secretRef: { name: 'pets', key: 'b' } },
      ],
    }),
    path: 'spec.tools[0].openapi.credentials',
    message: 'openapi.credentials must not repeat a scheme',
  },
  {
    name: 'credential Secret key with a slash',
    object: withOpenApi({ credentials: [{ scheme: 'api_key', secretRef: { name: 'pets', key: 'a/b' } }] }),
    path: 'spec.tools[0].openapi.credentials[0].secretRef.key',
    message: 'should match',
    zodMessage: 'Invalid string',
  },
  {
    name: 'unknown MCP transport',
    object: product({ tools: [{ name: 'remote', mcpServer: { url: 'http://mcp.demo.svc:8080/mcp', transport: 'websocket' } }] }),
    path: 'spec.tools[0].mcpServer.transport',
    message: 'Unsupported value: "websocket"',
    zodMessage: 'Invalid option',
  },
  {
    name: 'MCP allowTools repeat a tool',
    object: product({ tools: [{ name: 'remote', mcpServer: { url: 'http://mcp.demo.svc:8080/mcp', allowTools: ['search', 'search'] } }] }),
    path: 'spec.tools[0].mcpServer.allowTools[1]',
    message: 'Duplicate value: "search"',
    zodPath: 'spec.tools[0].mcpServer.allowTools',
    zodMessage: 'mcpServer.allowTools must not repeat a tool',
  },
  {
    name: 'ragPipeline name not a DNS name',
    object: product({ tools: [{ name: 'docs', ragPipeline: { name: 'Docs_Index' } }] }),
    path: 'spec.tools[0].ragPipeline.name',
    message: 'should match',
    zodMessage: 'Invalid string',
  },
  {
    name: 'agent model with pool and router',
    object: withAgent({ model: { pool: 'chat', router: 'auto', name: 'auto' } }),
    path: 'spec.agent.model.pool',
    message: 'agent.model needs exactly one of pool, router',
  },
  {
    name: 'agent model with neither pool nor router',
    object: withAgent({ model: { name: 'gpt-4o' } }),
    path: 'spec.agent.model.pool',
    message: 'agent.model needs exactly one of pool, router',
  },
  {
    name: 'agent model without a name',
    object: withAgent({ model: { pool: 'chat' } }),
    path: 'spec.agent.model.name',
    message: 'Required value',
    zodMessage: 'Invalid input',
  },
  {
    name: 'agent maxIterations of 0',
    object: withAgent({ maxIterations: 0 }),
    path: 'spec.agent.maxIterations',
    message: 'should be greater than or equal to 1',
    zodMessage: 'Too small',
  },
  {
    name: 'agent maxExecutionTimeSeconds above 600',
    object: withAgent({ maxExecutionTimeSeconds: 601 }),
    path: 'spec.agent.maxExecutionTimeSeconds',
    message: 'should be less than or equal to 600',
    zodMessage: 'Too big',
  },
  {
    name: 'agent language FR',
    object: withAgent({ language: 'FR' }),
    path: 'spec.agent.language',
    message: 'Unsupported value: "FR"',
    zodMessage: 'Invalid option',
  },
  {
    name: 'agent path not absolute',
    object: withAgent({ path: 'agents/shop' }),
    path: 'spec.agent.path',
    message: 'should match',
    zodMessage: 'Invalid string',
  },
  {
    name: 'agent path under /mcp-servers/',
    object: withAgent({ path: '/mcp-servers/shop' }),
    path: 'spec.agent.path',
    message: 'agent.path must not be under /mcp-servers/',
  },
  {
    name: 'agent with only MCP-server tools',
    object: product({ tools: [{ name: 'remote', mcpServer: { url: 'http://mcp.demo.svc:8080/mcp' } }], agent }),
    path: 'spec.agent',
    message: 'agent needs an openapi or ragPipeline tool source (ai-agent cannot call MCP servers)',
  },
  {
    name: 'consumer name with capitals',
    object: withSpec({ access: { consumers: [consumer('Alice', 'alice')] } }),
    path: 'spec.access.consumers[0].name',
    message: 'should match',
    zodMessage: 'Invalid string',
  },
  {
    name: 'duplicate consumer names',
    object: withSpec({ access: { consumers: [consumer('alice', 'a'), consumer('alice', 'b')] } }),
    path: 'spec.access.consumers',
    message: 'consumer names must be unique within the product',
  },
  {
    name: 'two consumers read one Secret key',
    object: withSpec({ access: { consumers: [consumer('alice', 'shared'), consumer('bob', 'shared')] } }),
    path: 'spec.access.consumers',
    message: 'consumers must not share a keySecretRef',
  },
  {
    name: 'consumer without keySecretRef',
    object: withSpec({ access: { consumers: [{ name: 'alice' }] } }),
    path: 'spec.access.consumers[0].keySecretRef',
    message: 'Required value',
    zodMessage: 'Invalid input',
  },
  {
    name: 'token limit with two units',
    object: withSpec({
      agent,
      access: { consumers: [{ ...consumer('alice'), tokenLimit: { perMinute: 10, perHour: 100 } }], redis: { service: { name: 'redis' } } },
    }),
    path: 'spec.access.consumers[0].tokenLimit.perMinute',
    message: 'tokenLimit needs exactly one of perSecond, perMinute, perHour, perDay',
  },
  {
    name: 'token limit of 0',
    object: withSpec({ agent, access: { consumers: [{ ...consumer('alice'), tokenLimit: { perMinute: 0 } }], redis: { service: { name: 'redis' } } } }),
    path: 'spec.access.consumers[0].tokenLimit.perMinute',
    message: 'should be greater than or equal to 1',
    zodMessage: 'Too small',
  },
  {
    name: 'token limit without Redis',
    object: withSpec({ agent, access: { consumers: [{ ...consumer('alice'), tokenLimit: { perMinute: 1000 } }] } }),
    path: 'spec.access.redis',
    message: 'access.redis is required when a consumer has a tokenLimit',
  },
  {
    name: 'token limit without an agent',
    object: withSpec({ access: { consumers: [{ ...consumer('alice'), tokenLimit: { perMinute: 1000 } }], redis: { service: { name: 'redis' } } } }),
    path: 'spec.access.consumers',
    message: 'tokenLimit applies to the agent endpoint; set agent or remove tokenLimit',
  },
  {
    name: 'Redis port above 65535',
    object: withSpec({ access: { redis: { service: { name: 'redis' }, port: 70000 } } }),
    path: 'spec.access.redis.port',
    message: 'should be less than or equal to 65535',
    zodMessage: 'Too big',
  },
  {
    name: 'Redis database 16',
    object: withSpec({ access: { redis: { service: { name: 'redis' }, database: 16 } } }),
    path: 'spec.access.redis.database',
    message: 'should be less than or equal to 15',
    zodMessage: 'Too big',
  },
  {
    name: 'gateway host with capitals',
    object: withSpec({ gateway: { hosts: ['Shop.example.com'] } }),
    path: 'spec.gateway.hosts[0]',
    message: 'should match',
    zodMessage: 'Invalid string',
  },
  {
    name: 'gateway host listed twice',
    object: withSpec({ gateway: { hosts: ['shop.example.com', 'shop.example.com'] } }),
    path: 'spec.gateway.hosts[1]',
    message: 'Duplicate value: "shop.example.com"',
    zodPath: 'spec.gateway.hosts',
    zodMessage: 'gateway.hosts must not repeat a host',
  },
  {
    name: 'gateway namespace not a DNS label',
    object: withSpec({ gateway: { namespace: 'Higress_System' } }),
    path: 'spec.gateway.namespace',
    message: 'should match',
    zodMessage: 'Invalid string',
  },
  {
    name: 'product name longer than 40 characters',
    object: product({ tools: [pets] }, 'p'.repeat(41)),
    path: 'metadata.name',
    message: 'AgentProduct names must be at most 40 characters',
    zodMessage: 'Too big',
  },
];

/** Accepted at admission; the controller's Ready condition names the field (and document pointer) at fault. */
export interface StatusCase {
  name: string;
  /** Product name (one namespace holds them all). */
  product: string;
  spec: Spec;
  /** ConfigMaps / Secrets the case needs beside the product (`data` for ConfigMaps, `stringData` for Secrets). */
  configMaps?: Record<string, Record<string, string>>;
  reason: string;
  /** Every string must appear in the Ready condition's message. */
  message: string[];
}

const doc = (paths: string, extra = '') => `openapi: 3.0.3
info: { title: T, version: '1' }
servers: [{ url: 'http://api.demo.svc.cluster.local:8080' }]
${extra}paths:
${paths}`;
/** A tool source named `api` serving an inline document. */
const api = (openapi: { inline: string; credentials?: { scheme: string; secretRef: { name: string; key: string } }[] }) => ({ name: 'api', openapi });
/** One GET operation that needs the apiKey scheme `key`. */
const SECURED = doc(
  "  /a:\n    get: { operationId: a, security: [{ key: [] }], responses: { '200': { description: ok } } }\n",
  'components: { securitySchemes: { key: { type: apiKey, in: header, name: X-Key } } }\n',
);

export const STATUS_CASES: StatusCase[] = [
  {
    name: 'operation without an operationId',
    product: 'no-operation-id',
    spec: { tools: [{ name: 'api', openapi: { inline: doc("  /a:\n    get: { responses: { '200': { description: ok } } }\n") } }] },
    reason: 'MissingOperationId',
    message: ['spec.tools[0].openapi (#/paths/~1a/get)', 'has no operationId'],
  },
  {
    name: 'a $ref that points at nothing',
    product: 'bad-ref',
    spec: {
      tools: [
        api({
          inline: doc(
            "  /a:\n    post:\n      operationId: make\n      requestBody: { content: { application/json: { schema: { $ref: '#/components/schemas/Nope' } } } }\n      responses: { '200': { description: ok } }\n",
          ),
        }),
      ],
    },
    reason: 'BadRef',
    message: [
      'spec.tools[0].openapi (#/paths/~1a/post/requestBody/content/application~1json/schema/$ref)',
      '$ref "#/components/schemas/Nope" points at nothing',
    ],
  },
  {
    name: 'allow-list names an operation the document lacks',
    product: 'unknown-operation',
    spec: { tools: [{ name: 'api', openapi: { inline: PETSTORE, operations: ['listPets', 'deletePet'] } }] },
    reason: 'UnknownOperation',
    message: ['spec.tools[0].openapi (#/paths)', '"deletePet"'],
  },
  {
    name: 'Swagger 2.0 document',
    product: 'swagger-two',
    spec: { tools: [{ name: 'api', openapi: { inline: "swagger: '2.0'\ninfo: { title: T, version: '1' }\npaths: {}\n" } }] },
    reason: 'UnsupportedVersion',
    message: ['spec.tools[0].openapi (#/swagger)', 'Swagger 2.0 is not supported'],
  },
  {
    name: 'document without a server and no baseUrl',
    product: 'no-server',
    spec: {
      tools: [
        {
          name: 'api',
          openapi: {
            inline: "openapi: 3.0.3\ninfo: { title: T, version: '1' }\npaths:\n  /a:\n    get: { operationId: a, responses: { '200': { description: ok } } }\n",
          },
        },
      ],
    },
    reason: 'NoServerUrl',
    message: ['spec.tools[0].openapi (#/servers)', 'give a base URL'],
  },
  {
    name: 'ConfigMap without the named key',
    product: 'configmap-key',
    spec: { tools: [{ name: 'api', openapi: { configMap: { name: 'docs', key: 'openapi.yaml' } } }] },
    configMaps: { docs: { 'other.yaml': PETSTORE } },
    reason: 'OpenApiUnavailable',
    message: ['spec.tools[0].openapi.configMap', 'ConfigMap docs has no key openapi.yaml'],
  },
  {
    name: 'credential Secret that is missing',
    product: 'credential-secret',
    spec: {
      tools: [api({ inline: SECURED, credentials: [{ scheme: 'key', secretRef: { name: 'api-key', key: 'token' } }] })],
    },
    reason: 'SecretKeyMissing',
    message: ['spec.tools[0].openapi.credentials[0].secretRef', 'Secret api-key has no key token'],
  },
  {
    name: 'security scheme without a credential',
    product: 'no-credential',
    spec: {
      tools: [api({ inline: SECURED })],
    },
    reason: 'CredentialMissing',
    message: ['spec.tools[0].openapi.credentials', 'security scheme "key"'],
  },
  {
    name: 'agent whose tools are all DELETE operations',
    product: 'agent-no-tools',
    spec: {
      tools: [
        api({
          inline: doc(
            "  /a/{id}:\n    delete:\n      operationId: drop\n      parameters: [{ name: id, in: path, required: true, schema: { type: string } }]\n      responses: { '204': { description: gone } }\n",
          ),
        }),
      ],
      agent: { model: { pool: 'chat', name: 'gpt-4o' } },
    },
    reason: 'AgentHasNoTools',
    message: ['spec.agent', 'no tool source gives the agent a callable GET/POST JSON operation'],
  },
  {
    name: 'consumer Secret that is missing',
    product: 'consumer-secret',
    spec: { tools: [pets], access: { consumers: [consumer('dave')] } },
    reason: 'SecretKeyMissing',
    message: ['spec.access.consumers[0].keySecretRef', 'Secret dave has no key key'],
  },
  {
    name: 'RagPipeline that does not exist',
    product: 'rag-missing',
    spec: { tools: [{ name: 'docs', ragPipeline: { name: 'nowhere' } }] },
    reason: 'RagPipelineMissing',
    message: ['spec.tools[0].ragPipeline.name', 'RagPipeline nowhere not found'],
  },
];
