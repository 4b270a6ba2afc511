export * from './commands';
export * from './process';
export * from './run-action';
export * from './sandbox';
export { cliMain } from './cli';
export { deployKitMain, isSecretInput, parseCli, StreamMasker, UsageError } from './deploy-kit';
export * from './wait';
export * from './pytools';
