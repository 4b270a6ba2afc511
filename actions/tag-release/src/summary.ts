import { mdCode, mdHeading, mdTable } from '@deploy-kit/shared';
import { bumpOf, type Change } from './commits';
import type { Floating, Scope } from './forward';
import type { Plan } from './plan';

/** The plan as JSON (the plan's fields of the `results` output, and what a dry run prints). */
export interface PlanStep {
  action: 'push-tag' | 'create-or-update-release' | 'move-tag' | 'annotate-release';
  ref: string;
  sha: string;
  detail?: string;
}

export function planSteps(
  plan: Plan,
  options: {
    release: boolean;
    floating: readonly Floating[];
    /** The newest final above this release in a scope (all finals when none), from the tags read. */
    newer?: (scope?: Scope) => string | undefined;
  },
): PlanStep[] {
  if (!plan.tag) return [];
  const newer = options.newer ?? (() => undefined);
  const steps: PlanStep[] = [
    { action: 'push-tag', ref: plan.tag, sha: plan.sha, detail: 'annotated; nothing to do if already there' },
  ];
  if (options.release) {
    const above = plan.prerelease ? undefined : newer();
    steps.push({
      action: 'create-or-update-release',
      ref: plan.tag,
      sha: plan.sha,
      detail: plan.prerelease
        ? 'prerelease'
        : above
          ? `not latest if ${above} has a release: it is newer`
          : 'latest',
    });
  }
  for (const { name, scope } of options.floating) {
    const above = newer(scope);
    steps.push({
      action: 'move-tag',
      ref: name,
      sha: plan.sha,
      detail: above ? `kept: ${above} is newer` : 'lightweight, to the commit',
    });
  }
  return steps;
}

export interface ChangeJson {
  sha: string;
  type: string;
  scope?: string;
  subject: string;
  breaking: boolean;
  pr?: number;
  bump: string;
}

export interface PlanJson {
  mode: Plan['mode'];
  sha: string;
  bump: Plan['bump'];
  version: string | null;
  tag: string | null;
  previousTag: string | null;
  prerelease: boolean;
  resumed: boolean;
  reason: string;
  deciding: ChangeJson[];
  steps: PlanStep[];
  notes: string;
}

const changeJson = (c: Change): ChangeJson => ({
  sha: c.sha,
  type: c.type,
  scope: c.scope,
  subject: c.subject,
  breaking: c.breaking,
  pr: c.pr,
  bump: bumpOf(c),
});

export function planJson(plan: Plan, steps: readonly PlanStep[], notes: string): PlanJson {
  return {
    mode: plan.mode,
    sha: plan.sha,
    bump: plan.bump,
    version: plan.version ?? null,
    tag: plan.tag ?? null,
    previousTag: plan.previousTag ?? null,
    prerelease: plan.prerelease,
    resumed: plan.resumed,
    reason: plan.reason,
    deciding: plan.deciding.map(changeJson),
    steps: [...steps],
    notes,
  };
}

export interface Done {
  tag?: 'pushed' | 'present';
  release?: { url: string; outcome: 'created' | 'updated' | 'unchanged' };
  /** Whether the release was marked Latest (false: a newer final exists). */
  latest?: boolean;
  moved: { name: string; outcome: string; newer?: string }[];
  dryRun: boolean;
}

/** The summary; with `failure` (the failure sentence) the headline says the run failed and the sentence follows it. */
export function summaryMarkdown(
  plan: Plan,
  done: Done,
  notes: string,
  repoUrl: string,
  failure?: string,
): string {
  const what = plan.tag
    ? `tag-release: ${plan.tag} (${plan.bump}${plan.prerelease ? ', release candidate' : ''})${done.dryRun ? ' — dry run' : ''}`
    : `tag-release: nothing to release${done.dryRun ? ' — dry run' : ''}`;
  const rows: string[][] = [
    ['Version', plan.version ? mdCode(plan.version) : '—'],
    ['Bump', plan.bump],
    ['Previous tag', plan.previousTag ? mdCode(plan.previousTag) : '—'],
    ['Commit', mdCode(plan.sha.slice(0, 12))],
  ];
  if (plan.tag)
    rows.push([
      'Tag',
      `${mdCode(plan.tag)} ${
        done.dryRun
          ? '(would push)'
          : {
              present: '(already there, nothing to do)',
              pushed: '(pushed)',
              none: '(not pushed: the step failed)',
            }[done.tag ?? 'none']
      }`,
    ]);
  if (done.release) rows.push(['Release', `[${plan.tag}](${done.release.url}) (${done.release.outcome})`]);
  if (done.release && done.latest === false) rows.push(['Latest', 'no: a newer release is Latest']);
  for (const m of done.moved)
    rows.push([`Moved ${mdCode(m.name)}`, m.newer ? `kept: ${m.newer} is newer` : m.outcome]);
  const title = failure ? what.replace(/^tag-release: /, 'tag-release failed: ') : what;
  // The first row is the table's header: an empty header row would show as a blank bar.
  const sections = [mdHeading(title, 2), ...(failure ? [`**Failed:** ${failure}`] : [])];
  sections.push(mdTable(rows[0]!, rows.slice(1)), `**Why:** ${plan.reason}`);
  if (plan.deciding.length > 0)
    sections.push(
      mdTable(
        ['Commit', 'Change', 'Bump'],
        plan.deciding.map((c) => [
          `[${c.sha.slice(0, 7)}](${repoUrl}/commit/${c.sha})`,
          `${c.type}${c.scope ? `(${c.scope})` : ''}${c.breaking ? '!' : ''}: ${c.subject}`,
          bumpOf(c),
        ]),
      ),
    );
  if (plan.tag) sections.push(`<details><summary>Release notes</summary>\n\n${notes}\n</details>`);
  return sections.join('\n\n');
}
