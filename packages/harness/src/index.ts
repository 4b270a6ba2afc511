export * from './commands';
export * from './run-action';
