export * from './commands';
export * from './process';
export * from './run-action';
export * from './sandbox';
export { cliMain } from './cli';
export * from './wait';
export * from './pytools';
export * from './osv-standin';
export * from './github-standin';
