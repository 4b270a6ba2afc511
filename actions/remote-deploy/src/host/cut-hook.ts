import * as core from '@actions/core';
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
 */
export interface CutPlan {
  host?: string;
  at: number;
  mode: 'after' | 'before' | 'kill';
}

export function parseCut(value: string | undefined): CutPlan | 'list' | undefined {
  const v = (value ?? '').trim();
  if (v === '') return undefined;
  if (v === 'list') return 'list';
  const m = /^(?:([^=]+)=)?(\d+)(?::(after|before|kill))?$/.exec(v);
  if (!m) throw new Error(`DEPLOY_KIT_TEST_CUT must be list or [host=]k[:after|before|kill], got ${v}`);
  return { host: m[1], at: Number(m[2]), mode: (m[3] as CutPlan['mode'] | undefined) ?? 'after' };
}

/** Wrap a host's shell with the hook; `count` is the host's command counter, shared across reconnects. */
export function withCutHook(
  shell: RemoteShell,
  hostName: string,
  count: { n: number },
  plan = parseCut(process.env.DEPLOY_KIT_TEST_CUT),
): RemoteShell {
  if (plan === undefined || (plan !== 'list' && plan.host !== undefined && plan.host !== hostName))
    return shell;
  const cut = plan === 'list' ? undefined : plan;
  const around = async <T>(label: string, call: () => Promise<T>): Promise<T> => {
    const k = ++count.n;
    if (plan === 'list') core.info(`[${hostName}] test-cut command ${k}: ${label}`);
    if (cut?.at !== k) return call();
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
  const firstLine = (script: string) => script.trim().split('\n')[0]?.slice(0, 80) ?? '';
  return {
    get isOpen() {
      return shell.isOpen;
    },
    exec: (argv, options) => around(argv.slice(0, 3).join(' '), () => shell.exec(argv, options)),
    script: (script, args, options) =>
      around(`${firstLine(script)} ${(args ?? []).slice(0, 4).join(' ')}`, () =>
        shell.script(script, args, options),
      ),
    upload: (remotePath, content, mode) =>
      around(`upload ${remotePath}`, () => shell.upload(remotePath, content, mode)),
    close: () => shell.close(),
  };
}
