export * from './commands';
export * from './process';
export * from './run-action';
export * from './sandbox';
export * from './example-app';
export { cliMain } from './cli';
export {
  deployKitMain,
  exitStatus,
  isSecretInput,
  parseCli,
  runCli,
  UsageError,
  type CliCommand,
  type CliIO,
  type CliRequest,
} from './deploy-kit';
export { actionHelp, mainHelp, usage, wrap } from './cli-help';
export { secretInputsOf, type SecretInputs } from './secret-inputs';
export { MaskSet, TerminalLog, type TerminalLogOptions } from './terminal-log';
export * from './wait';
export * from './pytools';
export * from './osv-standin';
export * from './github-standin';
export * from './leak-scan';
export * from './fixtures';
export * from './render-summary';
// The local workflow runner (./workflow/runner) is for tests only and stays out of this bundle:
// GitHub's parsers are ESM-only and need jest's CommonJS transform (jest.config.js).
