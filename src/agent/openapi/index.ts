export { buildAgentApi, type AgentApi } from './agent-api.js';
export { convertOpenApi, HTTP_METHODS, type ConvertOptions, type ConvertResult, type ConvertedOperation } from './convert.js';
export { OpenApiError, type OpenApiErrorReason, type OpenApiWarning } from './errors.js';
export { checkOpenApiDocument, parseOpenApiText, type OpenApiDocument } from './load.js';
