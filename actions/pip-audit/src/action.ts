import * as fs from 'node:fs';
import * as path from 'node:path';
import * as core from '@actions/core';
import {
  isActionError,
  PolicyFailure,
  registerSecret,
  urlPasswords,
  workspaceRoot,
  type ActionContext,
  type ActionDefinition,
  type ActionResult,
  type ProgressOptions,
} from '@deploy-kit/shared';
import defaults from './action-defaults.json';
import { stoppedError, type Limits } from './audit';
import { annotate } from './annotate';
import type { Source } from './findings';
import type { GatePolicy } from './gate';
import { parseIgnoreFile, type IgnoreEntry } from './ignores';
import { parseInputs, type Inputs } from './inputs';
import { DEFAULT_OSV_QUERY_URL, fetchRecords, lookupIds } from './osv';
import { startOsvRelay, type OsvRelay } from './osv-relay';
import { auditedOutputs, readPrevious, unauditedOutputs, writeReports, type Outputs } from './results';
import { auditSources } from './sources';
import { rel } from './tree';
import { ensurePipAudit } from './tool';
import { judge } from './verdict';

export type { Inputs } from './inputs';
export type { Outputs, Results } from './results';

/** The published folder (pip-audit/, with the hashed locks): the bundle's parent, or beside the sources when run in-process. */
function actionDir(): string {
  const bundled = path.resolve(path.dirname(process.argv[1] ?? __filename), '..');
  const inRepo = path.resolve(__dirname, '..', '..', '..', 'pip-audit');
  return [bundled, inRepo].find((d) => fs.existsSync(path.join(d, 'requirements'))) ?? bundled;
}

/** Options for callers and tests; the runner uses none. */
export interface PipAuditOptions {
  /** Progress lines while pip-audit runs (default: every 30 s through core.info). */
  progress?: ProgressOptions;
  /** The action's folder (its hashed pip-audit locks under requirements/). */
  actionDir?: string;
}

/** The job's cancel and the 'timeout' input (the whole run), as one signal. */
function limitsOf(inputs: Inputs, context: ActionContext): Limits {
  const signal = AbortSignal.any([context.signal, AbortSignal.timeout(inputs.timeoutMs)]);
  return { signal, cancel: context.signal, timeoutMs: inputs.timeoutMs };
}

/** pip-audit asks the OSV service through the relay, which checks every answer (service: osv). */
async function withRelay<T>(inputs: Inputs, work: (relay: OsvRelay | undefined) => Promise<T>): Promise<T> {
  if (inputs.service !== 'osv') return work(undefined);
  // A little under pip-audit's own request timeout, so the relay says why before pip-audit gives up.
  const timeoutMs = Math.max(500, inputs.requestTimeoutS * 1000 - 500);
  const relay = await startOsvRelay(inputs.osvUrl ?? DEFAULT_OSV_QUERY_URL, { timeoutMs });
  try {
    return await work(relay);
  } finally {
    await relay.close();
  }
}

function readIgnores(inputs: Inputs): IgnoreEntry[] {
  if (!inputs.ignoreFile) return [];
  return parseIgnoreFile(`ignore-file ${inputs.ignoreFileName}`, fs.readFileSync(inputs.ignoreFile, 'utf8'));
}

/** Severity and fix versions come from the records (own id and aliases), from the service pip-audit used. */
async function readRecords(
  inputs: Inputs,
  sources: readonly Source[],
  limits: Limits,
): Promise<ReadonlyMap<string, unknown>> {
  const ids = sources.flatMap((s) =>
    s.report.dependencies.flatMap((d) => (d.vulns ?? []).flatMap((v) => lookupIds(v.id, v.aliases))),
  );
  if (ids.length === 0) return new Map();
  const lookup = await core.group(`OSV records for ${new Set(ids).size} id(s)`, async () => {
    const r = await fetchRecords(inputs.osvUrl ?? DEFAULT_OSV_QUERY_URL, ids, {
      timeoutMs: inputs.requestTimeoutS * 1000,
      signal: limits.signal,
    });
    core.info(`read ${r.records.size} record(s); ${r.failures.length} could not be read`);
    return r;
  });
  if (limits.signal.aborted) throw stoppedError(limits, 'reading the OSV records for severity');
  if (lookup.failures.length > 0)
    core.warning(
      `Could not read ${lookup.failures.length} OSV record(s) (${lookup.failures.slice(0, 3).join('; ')}); their severity may show as unknown, which ${inputs.failOnUnknown ? 'fails' : 'does not fail'} the gate.`,
    );
  return lookup.records;
}

/**
 * The action, as its README tells it: install the pinned pip-audit → audit each requirements file
 * (or the environment) → read the OSV records for severity → apply the ignores and the gate →
 * write the report, SARIF, annotations, outputs and summary. A policy failure is returned; so is
 * a run that could not complete (a ToolError, or an InputError found while running), whose
 * outputs hold the envelope only.
 */
export async function pipAudit(
  inputs: Inputs,
  context: ActionContext,
  options: PipAuditOptions = {},
): Promise<ActionResult<Outputs>> {
  // A private mirror's password, masked before anything can print it (the whole URL is masked too).
  for (const password of urlPasswords(inputs.osvUrl ?? '')) registerSecret(password, "'osv-url' password");
  const limits = limitsOf(inputs, context);
  const policy: GatePolicy = {
    failOn: inputs.failOn,
    fixableOnly: inputs.fixableOnly,
    failOnUnknown: inputs.failOnUnknown,
  };
  try {
    const ignores = readIgnores(inputs);
    const previous = readPrevious(inputs.previousReport);
    const bin = await core.group(`pip-audit ${inputs.pipAuditVersion}`, () =>
      ensurePipAudit({
        version: inputs.pipAuditVersion,
        python: inputs.python,
        actionDir: options.actionDir ?? actionDir(),
        limits,
      }),
    );
    const temp = process.env.RUNNER_TEMP || workspaceRoot();
    const reportFile = path.join(temp, 'deploy-kit-pip-audit-run.json');
    const sources = await withRelay(inputs, (relay) =>
      auditSources(inputs, { bin, limits, reportFile, progress: options.progress, relay }),
    );
    const records = await readRecords(inputs, sources, limits);
    const verdict = judge(sources, records, ignores, {
      policy,
      strict: inputs.strict,
      warnDays: inputs.expiryWarningDays,
      ignoreFile: inputs.ignoreFile ? rel(inputs.ignoreFile) : undefined,
    });
    const report = inputs.report ?? path.join(temp, 'pip-audit-report.json');
    const written = writeReports(verdict, { report, sarif: inputs.sarif, previous }, inputs.pipAuditVersion);
    annotate(verdict.findings, verdict.breaking);
    const failure = verdict.failure
      ? new PolicyFailure(
          verdict.failure,
          verdict.gating.map((f) => `${f.package} ${f.version} ${f.id}`),
        )
      : undefined;
    return { ...auditedOutputs(verdict, written, policy, failure), failure };
  } catch (error) {
    if (!isActionError(error)) throw error;
    return { ...unauditedOutputs(error, context.signal.aborted), failure: error };
  }
}

export const pipAuditAction: ActionDefinition<Inputs, Outputs> = {
  name: 'pip-audit',
  // A private OSV mirror's URL may carry credentials (https://user:password@host/v1/query).
  secretInputs: ['osv-url'],
  defaults,
  parseInputs,
  run: (inputs, context) => pipAudit(inputs, context),
};
