import * as path from 'node:path';
import { tail } from './parse/common';
import { addedLines } from './parse/diff';
import { runProcess } from './process';

/** Said whenever the base of a pull request cannot be found in the checkout. */
export function fetchDepthSentence(base: string, detail: string): string {
  return `diff coverage needs the base branch '${base}' and the history back to where the pull request forked from it, ${detail}; set fetch-depth: 0 on actions/checkout (its default depth of 1 fetches neither)`;
}

export type ChangedLines =
  | { ok: true; base: string; mergeBase: string; root: string; lines: Map<string, Set<number>> }
  | { ok: false; reason: string };

async function git(args: string[], cwd: string): Promise<{ code: number | null; out: string; err: string }> {
  const run = await runProcess('git', args, { cwd, timeoutMs: 120_000 });
  return { code: run.spawnError ? null : run.exitCode, out: run.stdout, err: run.spawnError ?? run.stderr };
}

/**
 * The lines the change adds, from `git diff` between the merge base with the
 * base branch and HEAD, as absolute paths. Local only: no token, no API.
 */
export async function changedLines(cwd: string, base: string): Promise<ChangedLines> {
  const top = await git(['rev-parse', '--show-toplevel'], cwd);
  if (top.code !== 0)
    return {
      ok: false,
      reason: `diff coverage needs a git checkout; ${cwd} is not in one (${tail(top.err, 1)})`,
    };
  const root = top.out.trim();
  const candidates = base.startsWith('refs/') ? [base] : [`refs/remotes/origin/${base}`, base];
  let ref: string | undefined;
  for (const c of candidates) {
    const found = await git(['rev-parse', '--verify', '--quiet', `${c}^{commit}`], root);
    if (found.code === 0) {
      ref = c;
      break;
    }
  }
  if (!ref)
    return {
      ok: false,
      reason: fetchDepthSentence(base, `but neither origin/${base} nor ${base} is in the checkout`),
    };
  const mb = await git(['merge-base', ref, 'HEAD'], root);
  if (mb.code !== 0 || mb.out.trim() === '')
    return {
      ok: false,
      reason: fetchDepthSentence(
        base,
        `but ${ref} and HEAD have no common commit in this (shallow) checkout`,
      ),
    };
  const mergeBase = mb.out.trim();
  const diff = await git(
    ['-c', 'core.quotePath=false', 'diff', '--no-color', '--no-ext-diff', '-U0', mergeBase, 'HEAD'],
    root,
  );
  if (diff.code !== 0) return { ok: false, reason: `git diff against ${ref} failed: ${tail(diff.err, 2)}` };
  const lines = new Map<string, Set<number>>();
  for (const [file, set] of addedLines(diff.out)) lines.set(path.join(root, file), set);
  return { ok: true, base: ref, mergeBase, root, lines };
}
