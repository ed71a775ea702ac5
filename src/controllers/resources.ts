import { API_GROUP, API_VERSION } from '../api/v1alpha1/group.js';
import { modelPoolCrd } from '../api/v1alpha1/modelpool.js';
import { ragPipelineCrd } from '../api/v1alpha1/ragpipeline.js';
import { customResource } from '../kube/resources.js';

/** Our own kinds as the controller kit addresses them (derived from the CRD definitions, not restated). */
export const modelPoolResource = customResource(API_GROUP, API_VERSION, modelPoolCrd.kind, modelPoolCrd.plural);
export const ragPipelineResource = customResource(API_GROUP, API_VERSION, ragPipelineCrd.kind, ragPipelineCrd.plural);
