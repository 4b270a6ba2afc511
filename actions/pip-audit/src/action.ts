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
import { checkPins, DEFAULT_INDEX_URL, pinsOf, type IndexCheck } from './index-check';
import { parseInputs, type Inputs } from './inputs';
import { DEFAULT_OSV_QUERY_URL, lookupIds, recordReader, type RecordReader } from './osv';
import { loadDeferred } from './deferred';
import { startOsvRelay, type OsvRelay } from './osv-relay';
import { auditedOutputs, readPrevious, unauditedOutputs, writeReports, type Outputs } from './results';
import { auditSources, expectedQueries } from './sources';
import { loadTree, rel } from './tree';
import { ensurePipAudit } from './tool';
import { installedPackages } from './installed';
import { judge } from './verdict';
import { parsePipAuditReport } from './audit-report';
import { cvssScore, prescore } from './severity';

export type { Inputs } from './inputs';
export type { Outputs, Results } from './results';

/** The published folder (pip-audit/, with the hashed locks): the bundle's parent, or beside the sources when run in-process. */
function actionDir(): string {
  const bundled = path.resolve(path.dirname(process.argv[1] ?? __filename), '..');
  const inRepo = path.resolve(__dirname, '..', '..', '..', 'pip-audit');
  return [bundled, inRepo].find((d) => fs.existsSync(path.join(d, 'requirements'))) ?? bundled;
}

/**
 * What runs only after pip-audit exits, done once on a throwaway input while pip-audit runs
 * (#18 B6): the CVSS calculator's module is evaluated on first use and each vector kind's first
 * score builds its tables, and the report schema compiles itself on its first parse. Both sat
 * between pip-audit's exit and the verdict (~20 ms traced). Never throws; the results are unused.
 */
function warmUp(): void {
  setImmediate(() => {
    try {
      for (const vector of [
        'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H',
        'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N',
      ])
        cvssScore(vector);
      parsePipAuditReport('{"dependencies":[{"name":"x","version":"1","vulns":[{"id":"X-1"}]}]}');
    } catch {
      /* a warm-up only */
    }
  });
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
async function withRelay<T>(
  inputs: Inputs,
  reader: RecordReader,
  work: (relay: OsvRelay | undefined) => Promise<T>,
): Promise<T> {
  if (inputs.service !== 'osv') return work(undefined);
  // A little under pip-audit's own request timeout, so the relay says why before pip-audit gives up.
  const timeoutMs = Math.max(500, inputs.requestTimeoutS * 1000 - 500);
  // The records come whole in the answers; their aliases' records are read while pip-audit goes on.
  const onRecords = (records: { id: string; aliases?: unknown }[]): void => {
    for (const record of records) {
      reader.seed(record);
      prescore(record);
      reader.prefetch(lookupIds(record.id, Array.isArray(record.aliases) ? record.aliases.map(String) : []));
    }
  };
  const relay = await startOsvRelay(inputs.osvUrl ?? DEFAULT_OSV_QUERY_URL, { timeoutMs, onRecords });
  try {
    return await work(relay);
  } finally {
    await relay.close();
  }
}

/**
 * What pip-audit will ask the OSV service, asked ahead by the relay once pip-audit has started
 * (never before: nothing here delays its start): a pinned file's pins, or the packages the
 * environment's interpreter has installed (mode: environment), listed while pip-audit starts.
 */
function askAhead(inputs: Inputs, relay: OsvRelay, signal: AbortSignal): void {
  if (inputs.mode === 'requirements') relay.askAhead(expectedQueries(inputs.requirements));
  else
    void installedPackages(inputs.python, inputs.workingDirectory, signal).then((queries) =>
      relay.askAhead(queries),
    );
}

/**
 * The pins checked against the package index while pip-audit runs (#18 B5); never rejects. The
 * index: 'index-url', else the runner's PIP_INDEX_URL (what pip would use), else PyPI.
 */
function startIndexCheck(inputs: Inputs, signal: AbortSignal): Promise<IndexCheck | undefined> {
  if (inputs.indexCheck === 'off' || inputs.mode !== 'requirements') return Promise.resolve(undefined);
  const pins = pinsOf(inputs.requirements.map((file) => loadTree(file)));
  if (pins.length === 0) return Promise.resolve(undefined);
  const index = inputs.indexUrl ?? (process.env.PIP_INDEX_URL || DEFAULT_INDEX_URL);
  for (const password of urlPasswords(index)) registerSecret(password, "'index-url' password");
  return checkPins(index, pins, { timeoutMs: inputs.requestTimeoutS * 1000, signal }).catch(
    (error: unknown) => ({
      unknown: [],
      problems: [`the check failed: ${error instanceof Error ? error.message : String(error)}`],
    }),
  );
}

function readIgnores(inputs: Inputs): IgnoreEntry[] {
  if (!inputs.ignoreFile) return [];
  return parseIgnoreFile(`ignore-file ${inputs.ignoreFileName}`, fs.readFileSync(inputs.ignoreFile, 'utf8'));
}

/** Severity and fix versions come from the records (own id and aliases), from the service pip-audit used. */
async function readRecords(
  inputs: Inputs,
  reader: RecordReader,
  sources: readonly Source[],
  limits: Limits,
): Promise<ReadonlyMap<string, unknown>> {
  const ids = sources.flatMap((s) =>
    s.report.dependencies.flatMap((d) => (d.vulns ?? []).flatMap((v) => lookupIds(v.id, v.aliases))),
  );
  if (ids.length === 0) return new Map();
  const lookup = await core.group(`OSV records for ${new Set(ids).size} id(s)`, async () => {
    const r = await reader.read(ids);
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
  for (const password of urlPasswords(inputs.indexUrl ?? ''))
    registerSecret(password, "'index-url' password");
  const limits = limitsOf(inputs, context);
  const reader = recordReader(inputs.osvUrl ?? DEFAULT_OSV_QUERY_URL, {
    timeoutMs: inputs.requestTimeoutS * 1000,
    signal: limits.signal,
    onRecord: prescore,
  });
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
    // The index is asked while pip-audit runs (from its start on: nothing the check loads delays
    // pip-audit's start); an audit that cannot complete stops it.
    const stopCheck = new AbortController();
    let spawned: () => void = () => undefined;
    const indexCheck = new Promise<void>((resolve) => (spawned = resolve)).then(() =>
      startIndexCheck(inputs, AbortSignal.any([limits.signal, stopCheck.signal])),
    );
    // (A failure to start it is read where it is awaited; an audit that fails first leaves it unread.)
    indexCheck.catch(() => undefined);
    const onSpawn = (): void => {
      // The HTTP libraries load now, while pip-audit's Python starts (deferred.ts); then what
      // reads pip-audit's answer is warmed up while it runs, not after it exits.
      void loadDeferred().then(warmUp, () => undefined);
      spawned();
    };
    const sources = await withRelay(inputs, reader, async (relay) => {
      // The environment's listing (mode: environment) ends with the audit at the latest.
      const listing = new AbortController();
      let first = true;
      const started = (): void => {
        onSpawn();
        if (relay && first) askAhead(inputs, relay, AbortSignal.any([limits.signal, listing.signal]));
        first = false;
      };
      try {
        return await auditSources(inputs, {
          bin,
          limits,
          reportFile,
          progress: options.progress,
          relay,
          onSpawn: started,
        });
      } finally {
        listing.abort();
      }
    })
      .catch((error: unknown) => {
        stopCheck.abort();
        throw error;
      })
      .finally(spawned);
    const index = await indexCheck;
    const records = await readRecords(inputs, reader, sources, limits);
    const verdict = judge(sources, records, ignores, {
      policy,
      strict: inputs.strict,
      warnDays: inputs.expiryWarningDays,
      ignoreFile: inputs.ignoreFile ? rel(inputs.ignoreFile) : undefined,
      index,
      indexCheck: inputs.indexCheck,
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
  } finally {
    await reader.close();
  }
}

export const pipAuditAction: ActionDefinition<Inputs, Outputs> = {
  name: 'pip-audit',
  // A private OSV mirror's URL may carry credentials (https://user:password@host/v1/query).
  secretInputs: ['osv-url', 'index-url'],
  defaults,
  parseInputs,
  run: (inputs, context) => pipAudit(inputs, context),
};
