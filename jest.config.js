// Named layers, each failing for its own reasons: `unit` needs nothing but Node; `dataplane` (test/dataplane/)
// runs the router/simulator/RAG/cache servers on loopback without Kubernetes; `integration` runs against a real
// kube-apiserver + etcd started by test/integration/global-setup.ts.
const swc = [
  '@swc/jest',
  {
    jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
    module: { type: 'es6' },
  },
];

const common = {
  extensionsToTreatAsEsm: ['.ts'],
  transform: { '^.+\\.ts$': swc },
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  testEnvironment: 'node',
};

export default {
  // Per-project testTimeout is ignored by jest; loopback and API-server tests need more than 5 s.
  testTimeout: 120000,
  projects: [
    {
      ...common,
      displayName: 'unit',
      testMatch: ['<rootDir>/src/**/*.test.ts', '<rootDir>/hack/**/*.test.ts'],
    },
    {
      ...common,
      displayName: 'dataplane',
      // Router, simulator, RAG, cache and AgentProduct tool servers on loopback; no Kubernetes.
      testMatch: ['<rootDir>/test/dataplane/**/*.test.ts'],
    },
    {
      ...common,
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/e2e/**/*.test.ts'],
    },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/integration/**/*.test.ts'],
      globalSetup: '<rootDir>/test/integration/global-setup.ts',
      globalTeardown: '<rootDir>/test/integration/global-teardown.ts',
    },
  ],
};
