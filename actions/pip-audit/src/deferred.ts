import type * as Undici from 'undici';
import type * as SharedHttp from '@deploy-kit/shared/http';
import type * as CvssCalculator from 'ae-cvss-calculator';

/**
 * The libraries the action needs only once pip-audit is running (#18 B6): the HTTP clients (the
 * relay's upstream requests, the record reads, the index check) and the CVSS calculator. Loading
 * them at start-up put ~60 ms of module evaluation (undici alone pulls in http2, zlib and more;
 * more on a loaded machine) between Node's start and pip-audit's; required on first use instead,
 * and preloaded the moment pip-audit has started (`preloadDeferred`), they load while pip-audit's
 * Python starts up, before its first query reaches the relay. Each is still bundled (webpack
 * evaluates a module when it is first required).
 */

/* eslint-disable @typescript-eslint/no-require-imports */
export const undici = (): typeof Undici => require('undici') as typeof Undici;
export const sharedHttp = (): typeof SharedHttp => require('@deploy-kit/shared/http') as typeof SharedHttp;
export const cvss = (): typeof CvssCalculator => require('ae-cvss-calculator') as typeof CvssCalculator;
/* eslint-enable @typescript-eslint/no-require-imports */

let preloaded = false;

/** Load every deferred library on the next turn of the event loop (once; pip-audit has started). */
export function preloadDeferred(): void {
  if (preloaded) return;
  preloaded = true;
  setImmediate(() => {
    undici();
    sharedHttp();
    cvss();
  });
}
