import * as core from '@actions/core';
import { InputError, PolicyFailure, registerSecret } from '@deploy-kit/shared';
import { HttpClient } from '@deploy-kit/shared/http';
import { journeyCheck, specCheck } from '../../../smoke-test/src/checks';
import { type Inputs } from '../../../smoke-test/src/inputs';
import { firstFailure, formatDuration, resultsJson, summaryMarkdown } from '../../../smoke-test/src/report';
import { runChecks, type CheckDef } from '../../../smoke-test/src/runner';
import { secretHeaderValues } from '../../../smoke-test/src/secrets';
import type { CheckSpec } from '../../../smoke-test/src/spec';
import type { SuiteName } from '../../../smoke-test/src/suites/config';
import { djangoChecks } from '../../../smoke-test/src/suites/django';
import { headersChecks } from '../../../smoke-test/src/suites/headers';
import { httpsChecks } from '../../../smoke-test/src/suites/https';
import { versionChecks } from '../../../smoke-test/src/suites/version';

const SUITE_BUILDERS: Record<SuiteName, typeof versionChecks> = {
  version: versionChecks,
  https: httpsChecks,
  headers: headersChecks,
  django: djangoChecks,
};

/**
 * TEMPORARY ADAPTER (until branch `harden-smoke` delivers smokeTest() in
 * actions/smoke-test/src/smoke.ts): smoke-test's main.ts as a function with the shared contract's
 * signature, returning the outputs and the summary instead of writing them. Delete this file
 * when smoke.ts is merged.
 */
export interface SmokeTestResult {
  passed: number;
  failed: number;
  results: unknown[];
  summary: string;
  failure?: Error;
}

/** Everything to run: the spec's checks (or the url/expect-status shorthand), its journeys, then the suites. */
function plan(inputs: Inputs): CheckDef[] {
  const defaults = {
    baseUrl: inputs.url,
    requestTimeoutMs: inputs.requestTimeoutMs,
    onSecret: registerSecret,
  };
  const checks: CheckSpec[] = [...inputs.spec.checks];
  if (checks.length === 0 && inputs.spec.journeys.length === 0 && inputs.url)
    checks.push({ name: `GET ${inputs.url}`, url: inputs.url, expect: { status: inputs.expectStatus } });
  const defs = [
    ...checks.map((c) => specCheck(c, defaults)),
    ...inputs.spec.journeys.map((j) => journeyCheck(j, defaults)),
    ...inputs.suites.flatMap((s) => SUITE_BUILDERS[s](inputs.suite)),
  ];
  if (defs.length === 0) throw new InputError("nothing to check: set 'url', 'checks' or 'suites'.");
  return defs;
}

export async function smokeTest(inputs: Inputs): Promise<SmokeTestResult> {
  // Tokens in request headers and the metrics token reach no log line unmasked.
  for (const value of secretHeaderValues(inputs.spec)) registerSecret(value);
  registerSecret(inputs.suite.django.metricsToken);

  const checks = plan(inputs);
  const client = new HttpClient({
    ca: inputs.ca,
    resolve: inputs.resolve,
    connectTimeoutMs: Math.min(inputs.requestTimeoutMs, inputs.timeoutMs),
    headersTimeoutMs: inputs.requestTimeoutMs,
    bodyTimeoutMs: inputs.requestTimeoutMs,
    maxBodyBytes: inputs.maxBodyBytes,
  });
  const started = Date.now();
  const results = await core
    .group(`Running ${checks.length} check(s) for up to ${formatDuration(inputs.timeoutMs)}`, async () => {
      const out = await runChecks(checks, {
        client,
        deadline: started + inputs.timeoutMs,
        concurrency: inputs.concurrency,
        onAttemptFailed: (check, attempt, reason, delayMs) =>
          core.info(
            `${check.name}: attempt ${attempt} failed (${reason}); retrying in ${formatDuration(delayMs)}`,
          ),
      });
      for (const r of out)
        core.info(
          `${r.passed ? 'pass' : 'FAIL'} ${r.name} (${r.attempts} attempt(s), ${formatDuration(r.durationMs)})${r.failure ? `: ${r.failure}` : ''}`,
        );
      return out;
    })
    .finally(() => client.destroy());

  const passed = results.filter((r) => r.passed).length;
  const failed = results.length - passed;
  const summary = summaryMarkdown(results, inputs.url ?? '', Date.now() - started);
  const failure = firstFailure(results);
  if (!failure) core.info(`All ${passed} check(s) passed.`);
  return {
    passed,
    failed,
    results: resultsJson(results),
    summary,
    failure: failure
      ? new PolicyFailure(
          failure,
          results.filter((r) => !r.passed).map((r) => `${r.name}: ${r.failure}`),
        )
      : undefined,
  };
}
