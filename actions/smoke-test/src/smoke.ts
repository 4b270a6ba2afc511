import * as core from '@actions/core';
import {
  failureMessage,
  InputError,
  maskSecret,
  mdEscape,
  PolicyFailure,
  redactSecrets,
  startProgress,
  statusOf,
  ToolError,
  type ActionError,
  type ActionResult,
  type ResultsEnvelope,
} from '@deploy-kit/shared';
import { HttpClient } from '@deploy-kit/shared/http';
import { journeyCheck, specCheck } from './checks';
import type { Inputs } from './inputs';
import { checkProgress } from './progress';
import { checksJson, firstFailure, formatDuration, summaryMarkdown, type CheckJson } from './report';
import { runChecks, type CheckDef, type CheckResult } from './runner';
import { secretHeaderValues } from './secrets';
import { secretVars } from './template';
import type { CheckSpec } from './spec';
import type { SuiteName } from './suites/config';
import { djangoChecks } from './suites/django';
import { headersChecks } from './suites/headers';
import { httpsChecks } from './suites/https';
import { versionChecks } from './suites/version';

/**
 * The smoke test as a function (the root action composes it with render-env and remote-deploy):
 * typed inputs in, outputs + summary + failure out. It reads no INPUT_*, sets no output and never
 * fails the step: a red check is RETURNED as a PolicyFailure, a cancel as a ToolError, a plan
 * that cannot run (a suite without what it needs) as an InputError. It logs in a group, and
 * prints a progress line at least every 30 s while checks are retried.
 */

/** The `results` output: the envelope, the counts, and every check. */
export interface SmokeResults extends ResultsEnvelope {
  passedCount: number;
  failedCount: number;
  durationMs: number;
  /** Every check with its assertions, redacted with the action's masks. */
  checks: CheckJson[];
}

export interface Outputs {
  results: SmokeResults;
  'passed-count': number;
  'failed-count': number;
}

export type SmokeTestResult = ActionResult<Outputs>;

export interface SmokeContext {
  /** Cancels every check (the runner cancelling the job); the result then carries a ToolError. */
  signal?: AbortSignal;
  /** How often the progress line is printed while checks are still failing (default 30 s). */
  progressEveryMs?: number;
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
  for (const value of Object.values(inputs.secrets ?? {})) maskSecret(value);
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
    secretVars: secretVars(inputs.secrets ?? {}),
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

export async function smokeTest(inputs: Inputs, context: SmokeContext = {}): Promise<SmokeTestResult> {
  maskInputSecrets(inputs);
  let checks: CheckDef[];
  try {
    checks = planChecks(inputs);
  } catch (error) {
    if (error instanceof InputError) return notRun(error);
    throw error;
  }
  const started = Date.now();
  const results = await core.group(
    `Running ${checks.length} check(s) for up to ${formatDuration(inputs.timeoutMs)}`,
    () => runWithProgress(checks, inputs, context),
  );
  const durationMs = Date.now() - started;
  const passed = results.filter((r) => r.passed).length;
  const failed = results.length - passed;
  const summary = summaryMarkdown(results, inputs.url ?? '', durationMs);
  const sentence = firstFailure(results);
  const cancelled = context.signal?.aborted === true;
  let failure: ActionError | undefined;
  if (cancelled) failure = new ToolError('the smoke test was cancelled before every check had an answer');
  else if (sentence)
    failure = new PolicyFailure(
      sentence,
      results.filter((r) => !r.passed).map((r) => redactSecrets(`${r.name}: ${r.failure}`)),
    );
  else core.info(`All ${passed} check(s) passed.`);
  return {
    outputs: {
      results: {
        status: statusOf(failure, cancelled),
        ...(failure ? { failure: failureMessage(failure) } : {}),
        passedCount: passed,
        failedCount: failed,
        durationMs,
        checks: checksJson(results),
      },
      'passed-count': passed,
      'failed-count': failed,
    },
    summary,
    failure,
  };
}

/** Every check, retried until the timeout, with a progress line while some are still failing. */
async function runWithProgress(
  checks: readonly CheckDef[],
  inputs: Inputs,
  context: SmokeContext,
): Promise<CheckResult[]> {
  const client = new HttpClient({
    ca: inputs.ca,
    resolve: inputs.resolve,
    connectTimeoutMs: Math.min(inputs.requestTimeoutMs, inputs.timeoutMs),
    headersTimeoutMs: inputs.requestTimeoutMs,
    bodyTimeoutMs: inputs.requestTimeoutMs,
    maxBodyBytes: inputs.maxBodyBytes,
  });
  const progress = checkProgress(checks);
  const stop = startProgress(progress.describe, { everyMs: context.progressEveryMs });
  try {
    const start = Date.now();
    const out = await runChecks(checks, {
      client,
      deadline: start + inputs.timeoutMs,
      warmUpUntil: start + inputs.warmUpMs,
      parallel: inputs.parallel,
      retry: inputs.retry,
      signal: context.signal,
      onAttemptFailed: (check, attempt, reason, delayMs) => {
        progress.attemptFailed(check, reason);
        core.info(
          redactSecrets(
            `${check.name}: attempt ${attempt} failed (${reason}); retrying in ${formatDuration(delayMs)}`,
          ),
        );
      },
      onCheckDone: progress.done,
    });
    for (const r of out)
      core.info(
        redactSecrets(
          `${r.passed ? 'pass' : 'FAIL'} ${r.name} (${r.attempts} attempt(s), ${formatDuration(r.durationMs)})${r.failure ? `: ${r.failure}` : ''}`,
        ),
      );
    return out;
  } finally {
    stop();
    client.destroy();
  }
}

/** The result of a smoke test that could not start: nothing to check, or a suite without its input. */
function notRun(failure: InputError): SmokeTestResult {
  const sentence = failureMessage(failure);
  return {
    outputs: {
      results: {
        status: statusOf(failure),
        failure: sentence,
        passedCount: 0,
        failedCount: 0,
        durationMs: 0,
        checks: [],
      },
      'passed-count': 0,
      'failed-count': 0,
    },
    summary: `## Smoke test did not run\n\n${mdEscape(sentence)}`,
    failure,
  };
}
