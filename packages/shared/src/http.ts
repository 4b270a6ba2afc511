/**
 * HTTP for every action: undici with explicit connect / headers / body
 * timeouts, a body size cap, pinned resolution (curl's --resolve: connect to
 * an address of our choosing while TLS is still verified against the host
 * name), a custom CA, and no automatic redirects (callers assert on them).
 *
 * One module per concern; this file keeps the public names in one place
 * ('@deploy-kit/shared/http', imported by path so that bundles without HTTP
 * do not carry undici — see index.ts).
 */
export * from './http-resolve';
export * from './http-errors';
export * from './http-client';
export * from './http-tls-probe';
