import * as core from '@actions/core';
import { InputError, maskSecret, PolicyFailure, redactSecrets, ToolError } from '@deploy-kit/shared';
import { HttpClient } from '@deploy-kit/shared/http';
import { journeyCheck, specCheck } from './checks';
import type { Inputs } from './inputs';
import { firstFailure, formatDuration, resultsJson, summaryMarkdown } from './report';
import { runChecks, type CheckDef } from './runner';
import { secretHeaderValues } from './secrets';
import type { CheckSpec } from './spec';
import type { SuiteName } from './suites/config';
import { djangoChecks } from './suites/django';
import { headersChecks } from './suites/headers';
import { httpsChecks } from './suites/https';
import { versionChecks } from './suites/version';

/**
 * The smoke test as a library function (the root action composes it with
 * render-env and remote-deploy): typed inputs in, a typed result out. It reads
 * no INPUT_*, sets no output and never fails the step; it logs (in a group) and
 * returns the failure for the caller to throw. Input errors (a suite without
 * what it needs) are thrown as InputError before any request.
 */

export interface SmokeTestResult {
  passed: number;
  failed: number;
  /** The 'results' output: every check with its assertions, redacted with the action's masks. */
  results: unknown[];
  /** The job summary (markdown), redacted. */
  summary: string;
  /** PolicyFailure when a check failed; ToolError when the run could not complete (cancelled). */
  failure?: Error;
}

export interface SmokeTestOptions {
  /** Cancels every check (e.g. the runner cancelling the job); the result then carries a ToolError. */
  signal?: AbortSignal;
}

const SUITE_BUILDERS: Record<SuiteName, typeof versionChecks> = {
  version: versionChecks,
  https: httpsChecks,
  headers: headersChecks,
  django: djangoChecks,
};

/** Register every secret the inputs carry (tokens in request headers, the metrics token) before any output. */
export function maskInputSecrets(inputs: Inputs): void {
  for (const value of secretHeaderValues(inputs.spec)) maskSecret(value);
  maskSecret(inputs.suite.django.metricsToken);
}

/**
 * Everything to run: the spec's checks (or the url/expect-status shorthand),
 * its journeys, then the suites. Throws InputError for what cannot run, so a
 * caller can validate before deploying.
 */
export function planChecks(inputs: Inputs): CheckDef[] {
  const defaults = {
    baseUrl: inputs.url,
    requestTimeoutMs: inputs.requestTimeoutMs,
    onSecret: maskSecret,
  };
  const checks: CheckDef[] = inputs.spec.checks.map((c: CheckSpec) => specCheck(c, defaults));
  if (checks.length === 0 && inputs.spec.journeys.length === 0 && inputs.url)
    checks.push({
      ...specCheck(
        { name: `GET ${inputs.url}`, url: inputs.url, expect: { status: inputs.expectStatus } },
        defaults,
      ),
      implicit: true,
    });
  const defs = [
    ...checks,
    ...inputs.spec.journeys.map((j) => journeyCheck(j, defaults)),
    ...inputs.suites.flatMap((s) => SUITE_BUILDERS[s](inputs.suite)),
  ];
  if (defs.length === 0) throw new InputError("nothing to check: set 'url', 'checks' or 'suites'.");
  return defs;
}

export async function smokeTest(inputs: Inputs, options: SmokeTestOptions = {}): Promise<SmokeTestResult> {
  maskInputSecrets(inputs);
  const checks = planChecks(inputs);
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
        retry: inputs.retry,
        signal: options.signal,
        onAttemptFailed: (check, attempt, reason, delayMs) =>
          core.info(
            redactSecrets(
              `${check.name}: attempt ${attempt} failed (${reason}); retrying in ${formatDuration(delayMs)}`,
            ),
          ),
      });
      for (const r of out)
        core.info(
          redactSecrets(
            `${r.passed ? 'pass' : 'FAIL'} ${r.name} (${r.attempts} attempt(s), ${formatDuration(r.durationMs)})${r.failure ? `: ${r.failure}` : ''}`,
          ),
        );
      return out;
    })
    .finally(() => client.destroy());

  const passed = results.filter((r) => r.passed).length;
  const failed = results.length - passed;
  const summary = summaryMarkdown(results, inputs.url ?? '', Date.now() - started);
  const sentence = firstFailure(results);
  let failure: Error | undefined;
  if (options.signal?.aborted)
    failure = new ToolError('the smoke test was cancelled before every check had an answer');
  else if (sentence)
    failure = new PolicyFailure(
      sentence,
      results.filter((r) => !r.passed).map((r) => redactSecrets(`${r.name}: ${r.failure}`)),
    );
  else core.info(`All ${passed} check(s) passed.`);
  return { passed, failed, results: resultsJson(results), summary, failure };
}
