/** A two-operation OpenAPI document (list and get, JSON answers) for AgentProduct tool sources. */
export const PETSTORE = `openapi: 3.0.3
info: { title: Pets, version: '1' }
servers: [{ url: 'http://petstore.demo.svc.cluster.local:8080' }]
paths:
  /pets:
    get:
      operationId: listPets
      responses: { '200': { description: ok, content: { application/json: { schema: { type: array, items: { type: object } } } } } }
  /pets/{id}:
    get:
      operationId: getPet
      parameters: [{ name: id, in: path, required: true, schema: { type: string } }]
      responses: { '200': { description: ok, content: { application/json: { schema: { type: object } } } } }
`;
