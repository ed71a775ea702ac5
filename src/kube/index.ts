/** Controller kit: controller-runtime semantics on @kubernetes/client-node 1.x. See docs/adr/0001-controller-kit.md. */
export * from './apply.js';
export * from './client.js';
export * from './conditions.js';
export * from './controller.js';
export * from './errors.js';
export * from './events.js';
export * from './finalizers.js';
export * from './informer.js';
export * from './leader.js';
export * from './mcpbridge.js';
export * from './object.js';
export * from './owner.js';
export * from './resources.js';
export * from './shutdown.js';
export * from './stale-cache.js';
export * from './store.js';
export * from './workqueue.js';
