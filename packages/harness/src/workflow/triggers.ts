import picomatch from 'picomatch';
import type { Workflow } from './load';
import type { Value } from './expressions';
import type { RunEvent } from './types';

/** Does this event start this workflow? The `on:` filters as GitHub applies them. */
export function triggers(workflow: Workflow, event: RunEvent): boolean {
  const events = workflow.template.events as Record<string, Record<string, unknown> | undefined>;
  if (!(event.name in events)) return false;
  const config = events[event.name] ?? {};
  const payload = event.payload as Record<string, Record<string, Value> | undefined>;
  switch (event.name) {
    case 'push': {
      const tag = event.ref.startsWith('refs/tags/');
      const name = event.ref.replace(/^refs\/(heads|tags)\//, '');
      const [only, ignore] = tag ? ['tags', 'tags-ignore'] : ['branches', 'branches-ignore'];
      // A push filtered on branches only runs for no tag, and the other way round.
      const other = tag ? ['branches', 'branches-ignore'] : ['tags', 'tags-ignore'];
      if (!config[only] && !config[ignore] && other.some((k) => config[k])) return false;
      return filter(name, config[only] as string[], config[ignore] as string[]);
    }
    case 'pull_request':
    case 'pull_request_target': {
      const base = String(
        payload.pull_request?.base && (payload.pull_request.base as Record<string, Value>).ref,
      );
      return (
        typeOk(config, String(payload.action ?? 'opened')) &&
        filter(base, config.branches as string[], config['branches-ignore'] as string[])
      );
    }
    case 'workflow_run': {
      const run = payload.workflow_run ?? {};
      const names = (config.workflows as string[] | undefined) ?? [];
      return (
        names.includes(String(run.name)) &&
        typeOk(config, String(payload.action ?? 'completed')) &&
        // GitHub matches `branches` against the triggering run's head branch name (a fork's too).
        filter(String(run.head_branch), config.branches as string[], config['branches-ignore'] as string[])
      );
    }
    default:
      return true;
  }
}

function typeOk(config: Record<string, unknown>, action: string): boolean {
  const types = config.types as string[] | undefined;
  return !types || types.includes(action);
}

/** GitHub's glob filters: `*` within a path segment, `**` across; `!` negates in order. */
export function filter(name: string, only?: string[], ignore?: string[]): boolean {
  if (only && only.length > 0) {
    let matched = false;
    for (const pattern of only)
      if (pattern.startsWith('!')) matched = matched && !glob(pattern.slice(1), name);
      else matched = matched || glob(pattern, name);
    return matched;
  }
  if (ignore && ignore.length > 0) return !ignore.some((pattern) => glob(pattern, name));
  return true;
}

function glob(pattern: string, name: string): boolean {
  return picomatch.isMatch(name, pattern, { dot: true });
}
