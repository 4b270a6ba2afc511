// Three tiers (DESIGN.md): unit (pure, no network), integration (bundles run as
// the runner runs them, against the sandbox's real servers), e2e (whole pipeline).
const common = {
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] },
  moduleNameMapper: {
    '^@deploy-kit/shared$': '<rootDir>/packages/shared/src/index.ts',
    '^@deploy-kit/harness$': '<rootDir>/packages/harness/src/index.ts',
  },
};

module.exports = {
  projects: [
    {
      ...common,
      displayName: 'unit',
      testTimeout: 15_000,
      testMatch: ['<rootDir>/__tests__/unit/**/*.test.ts'],
    },
    {
      ...common,
      displayName: 'integration',
      testTimeout: 180_000,
      testMatch: ['<rootDir>/__tests__/integration/**/*.test.ts'],
    },
    {
      ...common,
      displayName: 'e2e',
      testTimeout: 600_000,
      testMatch: ['<rootDir>/__tests__/e2e/**/*.test.ts'],
    },
  ],
};
