import * as core from '@actions/core';
import { lock, probe, release, releaseLog, rollout } from '../../../actions/remote-deploy/src/commands';
import { remoteDeploy } from '../../../actions/remote-deploy/src/deploy';
import { parseCut } from '../../../actions/remote-deploy/src/host/cut-hook';
import type { Inputs } from '../../../actions/remote-deploy/src/inputs';
import { context, FACTS, fakeHosts, HEALTHY, inputs, type Call } from './fake-shell';

/**
 * Cut at every step (issue 19, R4), over fake hosts: for k = 1..N the connection drops at remote
 * command k (before it is sent, or after it ran), for a deploy and for a rollback-to, under
 * zero-downtime. The deploy never throws, the host ends on ONE release (the last `up` it ran is
 * the release `current` points at), and the lock is released, also when the cut hit the unlock
 * itself (it tries once more on a new connection). The sandbox test does this for real, for every
 * k too (__tests__/integration/remote-deploy/cut-every-step.test.ts).
 */

beforeEach(() => {
  for (const f of ['info', 'warning', 'startGroup', 'endGroup', 'error'] as const)
    jest.spyOn(core, f).mockImplementation(() => undefined);
});
afterEach(() => {
  delete process.env.DEPLOY_KIT_TEST_CUT;
  jest.restoreAllMocks();
});

const zd: Inputs['switching'] = {
  strategy: 'zero-downtime',
  serveServices: ['web'],
  stopGraceSeconds: 10,
  healthTimeoutMs: 1000,
  settleSeconds: 6,
};

/** A fake host on 1.0 that keeps what it serves (the last `up` or overlap start) and where `current` points. */
function host() {
  const state = { serving: '1.0', current: '1.0', locked: false };
  const fake = fakeHosts((c: Call) => {
    if (c.kind !== 'script') return '';
    if (c.script === probe.PREPARE) return FACTS;
    if (c.script === lock.LOCK) {
      state.locked = true;
      return 'ACQUIRED\n';
    }
    if (c.script === lock.UNLOCK) {
      state.locked = false;
      return 'RELEASED\n';
    }
    if (c.script === release.READ_FILES) return 'compose.yml\n';
    if (c.script === releaseLog.READ_LOG)
      return (
        JSON.stringify({
          time: 't',
          host: 'h1',
          version: '0.9',
          previous: null,
          images: {},
          actor: 'a',
          run: 'o/r#1',
          outcome: 'deployed',
        }) + '\n'
      );
    if (c.script === release.SWITCH_LINK) state.current = c.args[1] ?? '';
    if (c.script === release.IN_DIR && c.args.includes('up')) state.serving = c.args[2] ?? '';
    if (c.script.includes(rollout.START.trim().split('\n')[0] as string))
      return 'old-containers: aaaaaaaaaaaa\n';
    if (c.script === probe.CONTAINER_STATES) return HEALTHY;
    return '';
  });
  return { state, fake };
}

async function run(overrides: Partial<Inputs>) {
  const { state, fake } = host();
  const result = await remoteDeploy(inputs({ switching: zd, ...overrides }, ['h1']), {
    openShell: fake.open,
    context,
    signals: () => () => undefined,
  });
  return { state, result, calls: fake.calls };
}

test('the hook reads its setting', () => {
  expect(parseCut(undefined)).toBeUndefined();
  expect(parseCut('list')).toBe('list');
  expect(parseCut('7')).toEqual({ host: undefined, at: 7, mode: 'after' });
  expect(parseCut('host2=3:before')).toEqual({ host: 'host2', at: 3, mode: 'before' });
  expect(parseCut('rollout.FINISH:kill')).toEqual({ host: undefined, at: 'rollout.FINISH', mode: 'kill' });
  expect(() => parseCut('soon')).toThrow(/DEPLOY_KIT_TEST_CUT/);
});

describe.each([
  ['deploy 1.0 → 2.0', {}],
  ['rollback-to 0.9', { version: '0.9', rollbackTo: '0.9' }],
] as const)('%s, cut at every remote command', (_label, overrides) => {
  let total = 0;
  let clean: Call[] = [];
  beforeAll(async () => {
    const uncut = await run(overrides);
    expect(uncut.result.failure).toBeUndefined();
    clean = uncut.calls;
    total = clean.length;
    expect(total).toBeGreaterThan(8);
  });

  for (const mode of ['before', 'after'] as const)
    test(`${mode} command k, for every k`, async () => {
      let failed = 0;
      for (let k = 1; k <= total; k++) {
        process.env.DEPLOY_KIT_TEST_CUT = `${k}:${mode}`;
        const { state, result } = await run(overrides);
        const at = `cut ${mode} command ${k} of ${total}`;
        // one release: what runs is what current names (the old one, or the new one)
        expect({ at, serving: state.serving }).toEqual({ at, serving: state.current });
        expect({
          at,
          ok: ['1.0', 'version' in overrides ? overrides.version : '2.0'].includes(state.serving),
        }).toEqual({
          at,
          ok: true,
        });
        // released, also when the cut hit the unlock itself (it tries once more on a new connection)
        expect({ at, locked: state.locked }).toEqual({ at, locked: false });
        // a failed run says so; a run whose cut hit only the bookkeeping may pass
        if (result.failure) {
          failed++;
          expect(result.results.status).not.toBe('passed');
        }
        // a rerun succeeds
        delete process.env.DEPLOY_KIT_TEST_CUT;
      }
      // every cut before the release log / unlock bookkeeping fails the run
      expect(failed).toBeGreaterThanOrEqual(total - 3);
    });
});
