import type { CrdDefinition } from '../crd.js';
import { modelPoolCrd } from './modelpool.js';
import { ragPipelineCrd } from './ragpipeline.js';
import { himarketConnectionCrd } from './himarketconnection.js';
import { agentProductCrd } from './agentproduct.js';
import { semanticRouterCrd } from './semanticrouter.js';

export * from './group.js';
export * from './common.js';
export * from './modelpool.js';
export * from './ragpipeline.js';
export * from './publish.js';
export * from './himarketconnection.js';
export * from './agentproduct.js';
export * from './semanticrouter.js';

/** Every kind served by this API version, in the order the generator writes them. */
export const CRDS: readonly CrdDefinition[] = [modelPoolCrd, ragPipelineCrd, semanticRouterCrd, agentProductCrd, himarketConnectionCrd];
