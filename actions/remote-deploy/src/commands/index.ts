/**
 * Every remote command remote-deploy sends, one module per concern. Each function returns a
 * script with its arguments ({ script, args }) or an argv; nothing here talks to a host.
 */
export * as backup from './backup';
export * as compose from './compose';
export * as healthchecks from './healthchecks';
export * as images from './images';
export * as lock from './lock';
export * as media from './media';
export * as nginx from './nginx';
export * as probe from './probe';
export * as migrations from './migrations';
export * as release from './release';
export * as restore from './restore';
export * as retention from './retention';
export * as rollout from './rollout';
export * as verify from './verify';
export * as releaseLog from './releaselog';
export type { RemoteScript } from './script';
