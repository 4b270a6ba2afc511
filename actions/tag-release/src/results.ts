import {
  failureMessage,
  mdHeading,
  statusOf,
  type ActionError,
  type ActionResult,
  type ResultsEnvelope,
} from '@deploy-kit/shared';
import type { Floating } from './forward';
import type { Plan } from './plan';
import { summaryMarkdown, type Done, type PlanJson } from './summary';

/** What a run decided before it changed anything (a dry run ends here). */
export interface Planned {
  plan: Plan;
  notes: string;
  /** vN (and vN.M) to move after a final release. */
  floating: Floating[];
  json: PlanJson;
}

/** What was done, in `results.done` (absent in a dry run and when there was nothing to tag). */
export interface DoneJson {
  /** pushed, present (already there: a rerun) or null (the step did not get that far). */
  tag: 'pushed' | 'present' | null;
  releaseUrl: string | null;
  release: 'created' | 'updated' | 'unchanged' | null;
  /** Whether the release was marked Latest; false for a prerelease or when a newer final exists. */
  latest: boolean | null;
  /** Each floating tag: moved, created, unchanged, or kept (with the newer release it stays for). */
  moved: { name: string; outcome: string; newer?: string }[];
}

/** The `results` output: the envelope, then the plan's fields (once there is a plan) and what was done. */
export type Results = ResultsEnvelope & Partial<PlanJson> & { dryRun: boolean; done?: DoneJson };

/** The outputs by their action.yml names; the single values are '' when the run ended before a plan. */
export interface Outputs {
  version: string;
  tag: string;
  'previous-tag': string;
  bump: string;
  'release-url': string;
  notes: string;
  sha: string;
  results: Results;
}

export interface Ending {
  planned?: Planned;
  done: Done;
  repoUrl: string;
  failure?: ActionError;
  cancelled?: boolean;
}

export function results({ planned, done, failure, cancelled }: Ending): Results {
  const envelope: ResultsEnvelope = { status: statusOf(failure, cancelled) };
  if (failure) envelope.failure = failureMessage(failure);
  if (!planned) return { ...envelope, dryRun: done.dryRun };
  const out: Results = { ...envelope, ...planned.json, dryRun: done.dryRun };
  if (!done.dryRun && planned.plan.tag)
    out.done = {
      tag: done.tag ?? null,
      releaseUrl: done.release?.url ?? null,
      release: done.release?.outcome ?? null,
      latest: done.latest ?? null,
      moved: done.moved,
    };
  return out;
}

/** Outputs, summary and failure: written on every path, so a rerun or a later step knows how far it got. */
export function finish(ending: Ending): ActionResult<Outputs> {
  const { planned, done, repoUrl, failure } = ending;
  const plan = planned?.plan;
  const outputs: Outputs = {
    version: plan?.version ?? '',
    tag: plan?.tag ?? '',
    'previous-tag': plan?.previousTag ?? '',
    bump: plan?.bump ?? '',
    'release-url': done.release?.url ?? '',
    notes: planned?.notes ?? '',
    sha: plan?.sha ?? '',
    results: results(ending),
  };
  const sentence = failure ? failureMessage(failure) : undefined;
  const summary = planned
    ? summaryMarkdown(planned.plan, done, planned.notes, repoUrl, sentence)
    : [
        mdHeading('tag-release: nothing was planned', 2),
        ...(sentence ? [`**Failed:** ${sentence}`] : []),
      ].join('\n\n');
  return { outputs, summary, failure };
}
