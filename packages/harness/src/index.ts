export * from './commands';
export * from './run-action';
export * from './sandbox';
export { cliMain } from './cli';
export * from './wait';
