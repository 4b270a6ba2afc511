import type * as WorkflowParser from '@actions/workflow-parser' with { 'resolution-mode': 'import' };
import type * as Expressions from '@actions/expressions' with { 'resolution-mode': 'import' };

export type { WorkflowParser, Expressions };

/** GitHub's own workflow parser and expression engine (npm @actions/workflow-parser, @actions/expressions). */
export interface GitHubParsers {
  workflow: typeof WorkflowParser;
  expressions: typeof Expressions;
}

let loaded: GitHubParsers | undefined;

/**
 * Both packages are ESM-only, and the workflow parser imports its schema JSON without an import
 * attribute, which plain Node refuses (Node 20 and 24). The runner is for tests: jest compiles both
 * to CommonJS (jest.config.js transform + moduleNameMapper), so they are require()d here through
 * jest's module system, which a dynamic import() would bypass.
 */
export function githubParsers(): GitHubParsers {
  /* eslint-disable @typescript-eslint/no-require-imports */
  loaded ??= {
    workflow: require('@actions/workflow-parser') as typeof WorkflowParser,
    expressions: require('@actions/expressions') as typeof Expressions,
  };
  /* eslint-enable @typescript-eslint/no-require-imports */
  return loaded;
}
