import type * as CvssCalculator from 'ae-cvss-calculator';
import type * as DeferredHttp from './deferred-http';

/**
 * The libraries the action needs only once pip-audit is running (#18 B6): the HTTP clients (the
 * relay's upstream requests, the record reads, the index check) and the CVSS calculator. Loading
 * them at start-up put their parsing and evaluation (undici alone pulls in http2, zlib and more;
 * ~60 ms idle, several times that on a loaded machine) between Node's start and pip-audit's.
 * Now the HTTP clients sit in a chunk of their own (a dynamic import: the bundle's main file does
 * not even parse them), loaded the moment pip-audit has started (`loadDeferred`, from the spawn
 * hook), while pip-audit's Python starts up and long before its first query reaches the relay;
 * every user awaits the same promise. The CVSS calculator is small and synchronous to use
 * (`cvss()`): bundled in the main file, evaluated on first use.
 */

export type Deferred = typeof DeferredHttp;

let loading: Promise<Deferred> | undefined;

declare const __webpack_require__: unknown;

/**
 * The HTTP libraries, loaded once (the first call starts it: pip-audit has started). In the bundle
 * webpack turns the import() into loading the chunk; it also folds the `typeof` to 'function' and
 * drops the other branch, so nothing of the chunk lands in index.js. Run from the sources (jest's
 * CommonJS runtime, which has no import() without --experimental-vm-modules) it is required.
 */
export function loadDeferred(): Promise<Deferred> {
  loading ??=
    typeof __webpack_require__ === 'function'
      ? import('./deferred-http.js')
      : // eslint-disable-next-line @typescript-eslint/no-require-imports
        Promise.resolve().then(() => require('./deferred-http') as Deferred);
  return loading;
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
export const cvss = (): typeof CvssCalculator => require('ae-cvss-calculator') as typeof CvssCalculator;
