/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' } }],
  },
  moduleFileExtensions: ['ts', 'js', 'json'],
  testTimeout: 20000,
  // Native modules and real sockets: keep workers few on a 2-core machine.
  maxWorkers: 2,
  // One throwaway PostgreSQL cluster for the run (the fleet store's tests); see test/helpers/pg.ts.
  globalSetup: '<rootDir>/test/helpers/pg-global-setup.ts',
  globalTeardown: '<rootDir>/test/helpers/pg-global-teardown.ts',
};
