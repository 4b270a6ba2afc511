// The HTTP libraries pip-audit's action loads once pip-audit has started (deferred.ts): a chunk of
// the bundle of its own, imported dynamically.
export * as undici from 'undici';
export { HttpClient } from '@deploy-kit/shared/http';
