import { afterAll, beforeAll } from '@jest/globals';
import { startOperator, type Operator } from '../../../src/operator.js';
import { createLogger } from '../../../src/util/log.js';
import { operatorKubeConfig } from './kube.js';

/**
 * The operator for one test file, as its ServiceAccount (generated RBAC; fixtures use the admin client): started
 * and synced before the file's tests, stopped after them. Returns the running operator (for its queues, resync).
 */
export function suiteOperator(): () => Operator {
  let operator: Operator | undefined;
  beforeAll(async () => {
    operator = await startOperator({ kubeConfig: operatorKubeConfig(), resyncPeriodMs: 0, log: createLogger('operator', 'warn') });
    await operator.synced;
  });
  afterAll(async () => {
    await operator?.stop();
  });
  return () => {
    if (!operator) throw new Error('the suite operator is not started yet (use it inside a test)');
    return operator;
  };
}
