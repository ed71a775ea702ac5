import { describe, expect, it } from '@jest/globals';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { PLUGIN_CONTRACTS } from '../../contracts/higress/registry.js';
import { restMcpServerConfigSchema } from '../mcp-config.js';
import { buildAgentApi } from './agent-api.js';
import { convertOpenApi, type ConvertOptions } from './convert.js';
import { OpenApiError } from './errors.js';
import { parseOpenApiText } from './load.js';

const HERE = import.meta.dirname ?? process.cwd();
const FIXTURES = join(HERE, '../../../test/fixtures/openapi');
const GOLDEN_DIR = join(HERE, '__golden__');

function expectGolden(name: string, text: string): void {
  const file = join(GOLDEN_DIR, `${name}.yaml`);
  if (process.env.UPDATE_GOLDEN === '1' || !existsSync(file)) {
    if (process.env.CI && !existsSync(file)) throw new Error(`missing golden ${file}`);
    mkdirSync(GOLDEN_DIR, { recursive: true });
    writeFileSync(file, text);
  }
  // A plain equality, not toEqual: jest's diff of two near-identical 400 kB strings runs for minutes.
  const same = text === readFileSync(file, 'utf8');
  if (!same) writeFileSync(`${file}.actual`, text);
  expect(same ? 'matches' : `differs from ${file} (see ${file}.actual)`).toBe('matches');
}

const REAL: Record<string, { file: string; options: ConvertOptions; tools: number }> = {
  // Petstore 3.0: $refs to components, enums, arrays, apiKey + oauth2 security, form and octet-stream bodies.
  petstore: { file: 'petstore.yaml', options: { serverName: 'petstore', credentials: { api_key: 'test-key' } }, tools: 19 },
  // Museum (OpenAPI 3.1): path params, JSON request bodies, allOf, http basic security, `type: [x, null]`.
  museum: { file: 'museum.yaml', options: { serverName: 'museum', toolPrefix: 'museum_', credentials: { MuseumPlaceholderAuth: 'user:pass' } }, tools: 8 },
  // Ory Kratos: 60 operations, deep and recursive $ref graphs, oneOf unions, no servers (base URL given).
  kratos: { file: 'kratos.json', options: { serverName: 'kratos', baseUrl: 'http://kratos-admin.auth.svc.cluster.local:4434' }, tools: 60 },
};

describe('OpenAPI → mcp-server tools, golden snapshots of real documents (UPDATE_GOLDEN=1 to rewrite)', () => {
  for (const [name, c] of Object.entries(REAL)) {
    it(name, () => {
      const doc = parseOpenApiText(readFileSync(join(FIXTURES, c.file), 'utf8'));
      const result = convertOpenApi(doc, c.options);
      expect(result.config.tools).toHaveLength(c.tools);
      // Every golden is a config the plugin's own structs accept, and passes the Higress contract of an
      // mcp-server matchRule config (src/contracts/higress/mcp-server.ts), as the console plugin carries it.
      restMcpServerConfigSchema.parse(result.config);
      expect(PLUGIN_CONTRACTS['mcp-server'].rule.safeParse(JSON.parse(JSON.stringify(result.config))).error?.issues ?? []).toEqual([]);
      // No $ref survives: the plugin never resolves one.
      expect(JSON.stringify(result.config)).not.toContain('$ref');
      const agent = buildAgentApi(name, result.serverUrl, result.operations);
      expectGolden(`openapi-${name}`, stringify(result.config, { lineWidth: 0, aliasDuplicateObjects: false }));
      expectGolden(
        `openapi-${name}-notes`,
        stringify({ warnings: result.warnings, schemesWithoutCredential: result.schemesWithoutCredential, agentExcluded: agent.excluded }, { lineWidth: 0 }),
      );
      if (agent.yaml) expectGolden(`openapi-${name}-agent-api`, agent.yaml);
    });
  }

  it('puts each OpenAPI parameter location in the arg position and bodies in body args', () => {
    const doc = parseOpenApiText(readFileSync(join(FIXTURES, 'petstore.yaml'), 'utf8'));
    const { config } = convertOpenApi(doc, { serverName: 'p', operations: ['getPetById', 'deletePet', 'addPet', 'findPetsByStatus', 'uploadFile'] });
    const tool = (n: string) => config.tools.find((t) => t.name === n)!;
    expect(tool('getPetById').args).toEqual([expect.objectContaining({ name: 'petId', position: 'path', type: 'integer', required: true })]);
    expect(tool('getPetById').requestTemplate).toMatchObject({
      url: 'https://petstore3.swagger.io/api/v3/pet/{petId}',
      method: 'GET',
      security: { id: 'api_key' },
    });
    expect(tool('deletePet').args.map((a) => [a.name, a.position])).toEqual([
      ['api_key', 'header'],
      ['petId', 'path'],
    ]);
    const status = tool('findPetsByStatus').args[0]!;
    expect(status).toMatchObject({ name: 'status', position: 'query', enum: ['available', 'pending', 'sold'], default: 'available' });
    const add = tool('addPet');
    expect(add.requestTemplate.headers).toEqual([{ key: 'Content-Type', value: 'application/json' }]);
    expect(add.args.find((a) => a.name === 'tags')).toMatchObject({ type: 'array', position: 'body', items: { type: 'object' } });
    expect(add.args.find((a) => a.name === 'name')).toMatchObject({ required: true, position: 'body' });
    expect(add.outputSchema).toMatchObject({ type: 'object', required: ['name', 'photoUrls'] });
    expect(tool('uploadFile').requestTemplate.body).toBe('{{.args.body}}');
  });
});

const BASE = { openapi: '3.0.3', info: { title: 't', version: '1' }, servers: [{ url: 'http://api.test' }] };
const op = (extra: Record<string, unknown> = {}) => ({ operationId: 'op', responses: { '200': { description: 'ok' } }, ...extra });

describe('every failure names the JSON pointer at fault', () => {
  const cases: [string, unknown, string, string, Partial<ConvertOptions>?][] = [
    ['not an object', [], 'InvalidDocument', '#'],
    ['swagger 2', { swagger: '2.0', paths: {} }, 'UnsupportedVersion', '#/swagger'],
    ['openapi 4', { ...BASE, openapi: '4.0.0', paths: {} }, 'UnsupportedVersion', '#/openapi'],
    ['missing paths', { ...BASE }, 'InvalidDocument', '#/paths'],
    ['no operationId', { ...BASE, paths: { '/pets/{id}': { get: { responses: {} } } } }, 'MissingOperationId', '#/paths/~1pets~1{id}/get'],
    [
      'dangling $ref in a body',
      { ...BASE, paths: { '/p': { post: op({ requestBody: { content: { 'application/json': { schema: { $ref: '#/components/schemas/Nope' } } } } }) } } },
      'BadRef',
      '#/paths/~1p/post/requestBody/content/application~1json/schema/$ref',
    ],
    [
      'dangling nested $ref',
      {
        ...BASE,
        paths: { '/p': { get: op({ parameters: [{ name: 'q', in: 'query', schema: { $ref: '#/components/schemas/A' } }] }) } },
        components: { schemas: { A: { type: 'object', properties: { b: { $ref: '#/components/schemas/B' } } } } },
      },
      'BadRef',
      '#/components/schemas/A/properties/b/$ref',
    ],
    ['external $ref', { ...BASE, paths: { '/p': { get: op({ parameters: [{ $ref: 'common.yaml#/P' }] }) } } }, 'BadRef', '#/paths/~1p/get/parameters/0/$ref'],
    [
      'pure $ref cycle',
      {
        ...BASE,
        paths: { '/p': { get: op({ parameters: [{ name: 'q', in: 'query', schema: { $ref: '#/components/schemas/A' } }] }) } },
        components: { schemas: { A: { $ref: '#/components/schemas/B' }, B: { $ref: '#/components/schemas/A' } } },
      },
      'BadRef',
      '#/components/schemas/B/$ref',
    ],
    ['no server', { ...BASE, servers: undefined, paths: { '/p': { get: op() } } }, 'NoServerUrl', '#/servers'],
    ['relative server', { ...BASE, servers: [{ url: '/v1' }], paths: { '/p': { get: op() } } }, 'NoServerUrl', '#/servers/0/url'],
    ['bad tool name', { ...BASE, paths: { '/p': { get: op({ operationId: 'get pets' }) } } }, 'InvalidToolName', '#/paths/~1p/get/operationId'],
    ['duplicate operationId', { ...BASE, paths: { '/a': { get: op() }, '/b': { get: op() } } }, 'DuplicateToolName', '#/paths/~1b/get/operationId'],
    ['unknown allow-listed operation', { ...BASE, paths: { '/a': { get: op() } } }, 'UnknownOperation', '#/paths', { operations: ['nope'] }],
    ['parameter without in', { ...BASE, paths: { '/a': { get: op({ parameters: [{ name: 'x' }] }) } } }, 'InvalidDocument', '#/paths/~1a/get/parameters/0'],
    [
      'same name in two locations',
      {
        ...BASE,
        paths: {
          '/a/{x}': {
            get: op({
              parameters: [
                { name: 'x', in: 'path' },
                { name: 'x', in: 'query' },
              ],
            }),
          },
        },
      },
      'ArgNameCollision',
      '#/paths/~1a~1{x}/get/parameters',
    ],
  ];
  for (const [name, doc, reason, pointer, options] of cases)
    it(name, () => {
      let caught: unknown;
      try {
        const text = JSON.stringify(doc);
        convertOpenApi(parseOpenApiText(text), { serverName: 's', ...options });
      } catch (err) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(OpenApiError);
      expect((caught as OpenApiError).reason).toBe(reason);
      expect((caught as OpenApiError).pointer).toBe(pointer);
      expect((caught as OpenApiError).message.startsWith(`${pointer}: `)).toBe(true);
    });

  it('reports YAML syntax errors at the document root', () => {
    expect(() => parseOpenApiText('openapi: [3.0\npaths: {')).toThrow(OpenApiError);
  });
});

describe('schemas', () => {
  const doc = {
    ...BASE,
    paths: {
      '/n': {
        post: op({
          requestBody: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/Child' } } } },
          responses: { '200': { description: 'node', content: { 'application/json': { schema: { $ref: '#/components/schemas/Node' } } } } },
        }),
      },
    },
    components: {
      schemas: {
        Node: { type: 'object', properties: { name: { type: 'string' }, children: { type: 'array', items: { $ref: '#/components/schemas/Node' } } } },
        Base: { type: 'object', required: ['id'], properties: { id: { type: 'integer' } } },
        Child: {
          allOf: [
            { $ref: '#/components/schemas/Base' },
            { type: 'object', required: ['kind'], properties: { kind: { type: 'string', enum: ['a', 'b'] }, note: { type: 'string', nullable: true } } },
          ],
        },
      },
    },
  };

  it('merges allOf, keeps enums, and stops recursive $refs with an open object', () => {
    const { config } = convertOpenApi(parseOpenApiText(JSON.stringify(doc)), { serverName: 's' });
    const tool = config.tools[0]!;
    expect(tool.args).toEqual([
      { name: 'id', description: '', type: 'integer', position: 'body', required: true },
      { name: 'kind', description: '', type: 'string', position: 'body', required: true, enum: ['a', 'b'] },
      { name: 'note', description: '', type: 'string', position: 'body' },
    ]);
    const children = (tool.outputSchema as { properties: { children: { items: unknown } } }).properties.children;
    expect(children.items).toEqual({ type: 'object', description: 'recursive reference to #/components/schemas/Node' });
    expect(parse(stringify(config))).toEqual(config);
  });
});
