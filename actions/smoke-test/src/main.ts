import * as core from '@actions/core';
import { InputError, PolicyFailure, registerSecret, setOutputs, writeSummary } from '@deploy-kit/shared';
import { HttpClient } from '@deploy-kit/shared/http';
import { journeyCheck, specCheck } from './checks';
import { readInputs, unusedSuiteInputs, type Inputs } from './inputs';
import { firstFailure, formatDuration, resultsJson, summaryMarkdown } from './report';
import { runChecks, type CheckDef } from './runner';
import { secretHeaderValues } from './secrets';
import type { CheckSpec } from './spec';
import type { SuiteName } from './suites/config';
import { djangoChecks } from './suites/django';
import { headersChecks } from './suites/headers';
import { httpsChecks } from './suites/https';
import { versionChecks } from './suites/version';

const SUITE_BUILDERS: Record<SuiteName, typeof versionChecks> = {
  version: versionChecks,
  https: httpsChecks,
  headers: headersChecks,
  django: djangoChecks,
};

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

export async function main(): Promise<void> {
  const inputs = readInputs();
  // Tokens in request headers and the metrics token reach no log line unmasked.
  for (const value of secretHeaderValues(inputs.spec)) registerSecret(value);
  registerSecret(inputs.suite.django.metricsToken);

  for (const warning of unusedSuiteInputs(inputs.suites, (name) => core.getInput(name) !== ''))
    core.warning(warning);

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
  setOutputs({ results: resultsJson(results), passed, failed });
  await writeSummary(summaryMarkdown(results, inputs.url ?? '', Date.now() - started));
  const failure = firstFailure(results);
  if (failure)
    throw new PolicyFailure(
      failure,
      results.filter((r) => !r.passed).map((r) => `${r.name}: ${r.failure}`),
    );
  core.info(`All ${passed} check(s) passed.`);
}
