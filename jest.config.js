// Three tiers (DESIGN.md): unit (pure, no network), integration (bundles run as
// the runner runs them, against the sandbox's real servers), e2e (whole pipeline).
const common = {
  testEnvironment: 'node',
  // Only crawl what holds tests and sources: .sandbox/ alone has tens of thousands of files.
  roots: ['<rootDir>/__tests__', '<rootDir>/actions', '<rootDir>/packages'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] },
  moduleNameMapper: {
    '^@deploy-kit/shared$': '<rootDir>/packages/shared/src/index.ts',
    '^@deploy-kit/shared/(.*)$': '<rootDir>/packages/shared/src/$1',
    '^@deploy-kit/harness$': '<rootDir>/packages/harness/src/index.ts',
  },
};

module.exports = {
  projects: [
    {
      ...common,
      displayName: 'unit',
      setupFilesAfterEnv: ['<rootDir>/__tests__/setup/timeout-unit.ts'],
      testMatch: ['<rootDir>/__tests__/unit/**/*.test.ts'],
    },
    {
      ...common,
      displayName: 'integration',
      setupFilesAfterEnv: ['<rootDir>/__tests__/setup/timeout-integration.ts'],
      testMatch: ['<rootDir>/__tests__/integration/**/*.test.ts'],
    },
    {
      ...common,
      displayName: 'e2e',
      setupFilesAfterEnv: ['<rootDir>/__tests__/setup/timeout-e2e.ts'],
      testMatch: ['<rootDir>/__tests__/e2e/**/*.test.ts'],
    },
  ],
};
