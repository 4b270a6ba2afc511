import * as core from '@actions/core';
import * as commands from '../commands';
import type { RemoteShell } from './remote-shell';

/**
 * A TEST HOOK for the cut-at-every-step tests (issue 19, R4): `DEPLOY_KIT_TEST_CUT` makes a
 * host's connection drop at its k-th remote command, so a test can walk k = 1..N without a proxy
 * per step. Unset (always, outside tests) it does nothing at all.
 *
 *   list                 log every remote command with its number (to pick k)
 *   [host=]k             the connection closes after command k was sent and ran, before its
 *   [host=]k:after       result is read (the runner sees a lost connection)
 *   [host=]k:before      the connection closes instead of sending command k (it never runs)
 *   [host=]k:kill        command k runs, then the runner process is killed (SIGKILL): no
 *                        rollback, no unlock, as when a runner machine dies
 * k may also be a command's name, e.g. `rollout.FINISH` (its first use on the host).
 */
export interface CutPlan {
  host?: string;
  at: number | string;
  mode: 'after' | 'before' | 'kill';
}

/** The name of the commands/ script a remote script is made of (the longest one it contains), for the log and for cuts by name. */
export function scriptName(script: string): string {
  let best = '';
  let name = 'script';
  for (const [module, exports] of Object.entries(commands))
    for (const [key, value] of Object.entries(exports as Record<string, unknown>))
      if (typeof value === 'string' && value.trim().length > best.length && script.includes(value.trim())) {
        best = value.trim();
        name = `${module}.${key}`;
      }
  return name;
}

export function parseCut(value: string | undefined): CutPlan | 'list' | undefined {
  const v = (value ?? '').trim();
  if (v === '') return undefined;
  if (v === 'list') return 'list';
  const m = /^(?:([^=]+)=)?(\d+|[a-zA-Z]+\.[A-Z_]+)(?::(after|before|kill))?$/.exec(v);
  if (!m) throw new Error(`DEPLOY_KIT_TEST_CUT must be list or [host=]k[:after|before|kill], got ${v}`);
  const at = /^\d+$/.test(m[2] as string) ? Number(m[2]) : (m[2] as string);
  return { host: m[1], at, mode: (m[3] as CutPlan['mode'] | undefined) ?? 'after' };
}

/** Wrap a host's shell with the hook; `count` is the host's command counter, shared across reconnects. */
export function withCutHook(
  shell: RemoteShell,
  hostName: string,
  count: { n: number; cut?: boolean },
  plan = parseCut(process.env.DEPLOY_KIT_TEST_CUT),
): RemoteShell {
  if (plan === undefined || (plan !== 'list' && plan.host !== undefined && plan.host !== hostName))
    return shell;
  const cut = plan === 'list' ? undefined : plan;
  const around = async <T>(label: string, call: () => Promise<T>): Promise<T> => {
    const k = ++count.n;
    if (plan === 'list') core.info(`[${hostName}] test-cut command ${k}: ${label}`);
    if (!cut || count.cut || (cut.at !== k && cut.at !== label.split(' ')[0])) return call();
    count.cut = true;
    core.info(
      `[${hostName}] test-cut: connection dropped ${cut.mode === 'before' ? 'before' : 'after'} command ${k} (${label})`,
    );
    if (cut.mode === 'before') {
      shell.close();
      throw new Error(`connection to ${hostName} lost (test cut before command ${k})`);
    }
    await call().catch(() => undefined);
    if (cut.mode === 'kill') process.kill(process.pid, 'SIGKILL');
    shell.close();
    throw new Error(`connection to ${hostName} lost (test cut after command ${k})`);
  };
  return {
    get isOpen() {
      return shell.isOpen;
    },
    exec: (argv, options) => around(argv.slice(0, 3).join(' '), () => shell.exec(argv, options)),
    script: (script, args, options) =>
      around(`${scriptName(script)} ${(args ?? []).slice(0, 4).join(' ')}`, () =>
        shell.script(script, args, options),
      ),
    upload: (remotePath, content, mode) =>
      around(`upload ${remotePath}`, () => shell.upload(remotePath, content, mode)),
    close: () => shell.close(),
  };
}
