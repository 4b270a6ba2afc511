/**
 * Test fixtures defined once (issue 17): the integration tests, the e2e tests and the benches
 * import them from here instead of each writing its own copy.
 */

export interface VersionAppOptions {
  /** The base image: the sandbox's busybox (`sandbox.images.busybox`, FROM scratch + busybox-static). */
  base: string;
  /** HEALTHCHECK --retries (default 2). */
  healthRetries?: number;
  /** HEALTHCHECK --timeout (default 2s). */
  healthTimeout?: string;
  /** USER of the final image (default: none, i.e. root); 1000 satisfies build-images' policy. */
  user?: string;
}

/**
 * The tiny app image the deploy tests and benches ship: busybox httpd on $BIND:$PORT serving
 * /version (text: what the Compose healthcheck reads) and /version.json ({"version": ...}: what
 * the smoke test's version suite reads), with a HEALTHCHECK through wget every second.
 * Build args: VERSION (default dev) and BROKEN (non-empty: no /version, so the healthcheck and
 * any HTTP check stay red).
 */
export function versionAppDockerfile(options: VersionAppOptions): string {
  const retries = options.healthRetries ?? 2;
  const timeout = options.healthTimeout ?? '2s';
  return [
    `FROM ${options.base}`,
    'ARG VERSION=dev',
    'ARG BROKEN=',
    'RUN mkdir -p /www && echo "$VERSION" > /www/version' +
      ' && printf \'{"version": "%s"}\\n\' "$VERSION" > /www/version.json' +
      ' && if [ -n "$BROKEN" ]; then rm /www/version; fi',
    ...(options.user ? [`USER ${options.user}`] : []),
    `HEALTHCHECK --interval=1s --timeout=${timeout} --retries=${retries} CMD wget -q -O /dev/null "http://$BIND:$PORT/version" || exit 1`,
    'CMD httpd -f -p "$BIND:$PORT" -h /www',
    '',
  ].join('\n');
}
