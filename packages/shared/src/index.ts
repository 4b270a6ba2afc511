export * from './errors';
export * from './run';
export * from './inputs';
export * from './secrets';
export * from './redact';
export * from './masker';
export * from './retry';
export * from './summary';
export * from './gantt';
export * from './outputs';
export * from './paths';
export * from './shell';
export * from './pool';
export * from './dotenv';
// ssh and http are imported by path ('@deploy-kit/shared/ssh', '@deploy-kit/shared/http'), not
// from here: ncc cannot drop unused CommonJS re-exports, and every bundle would carry ssh2 and
// undici (and their start-up cost) whether it uses them or not.
export * from './action';
export * from './cancel';
export * from './progress';
export * from './tool-env';
export * from './secrets-input';
