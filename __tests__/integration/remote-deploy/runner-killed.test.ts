import * as fs from 'node:fs';
import { hosts } from './helpers';
import { Lane } from './cut-walk';
import { buildCutImages } from './reuseport-app';

/**
 * The runner itself dies in the middle of a zero-downtime switch (issue 19, R4: "or whose runner is
 * killed"): the test hook SIGKILLs the bundle right after the remote `start` answered, so old and
 * new copies of web serve side by side and nobody will ever send `finish`, roll back or unlock.
 * The host's dead-man's guard (commands/rollout.ts) must put it back on the old release whole by
 * itself, after the health wait + settle + 30 s; the lock stays until `lock-expiry`, as documented,
 * and a rerun after that succeeds. The app is the cut walk's fast stand-in (reuseport-app.ts).
 */

jest.setTimeout(300_000);

let lane: Lane;

beforeAll(() => {
  const images = buildCutImages(['1.0.0', '1.1.0']);
  lane = new Lane('v2', hosts[0]!, images, new Set());
}, 120_000);

afterAll(() => lane?.remove());

/** Poll (no fixed sleep) until the host serves one whole release, up to `ms`. */
async function wholeWithin(ms: number) {
  const end = Date.now() + ms;
  let state = await lane.wholeRelease();
  while (state.problem && Date.now() < end) {
    await new Promise((r) => setTimeout(r, 1000));
    state = await lane.wholeRelease();
  }
  return state;
}

test('killed after the new web started beside the old: the host goes back to the old release whole by itself; a rerun after lock-expiry deploys', async () => {
  const first = await lane.run('first');
  expect(first.exitCode).toBe(0);

  // health-timeout 10s: the guard fires 10 + 6 (settle) + 30 s after the new copy exists.
  const killed = await lane.run('deploy', 'rollout.START:kill', { 'health-timeout': '10s' });
  expect(killed.exitCode).not.toBe(0);
  expect(killed.log).toMatch(/test-cut: connection dropped after command \d+ \(rollout\.START/);
  // The state the guard is for: two copies of web, of two releases, both serving.
  const webs = lane.containers('web').filter((c) => c.state === 'running');
  expect(webs.length).toBe(2);
  expect(fs.existsSync(lane.lockDir)).toBe(true);

  const state = await wholeWithin(120_000);
  expect(state).toEqual({ version: '1.0.0', problem: '' });
  // The lock of the dead run is still there: only lock-expiry (or a person) takes it over.
  expect(fs.existsSync(lane.lockDir)).toBe(true);

  const rerun = await lane.run('deploy', undefined, { 'lock-expiry': '1s' });
  expect(rerun.exitCode).toBe(0);
  expect(rerun.log).toMatch(/lock/i);
  expect(await lane.wholeRelease()).toEqual({ version: '1.1.0', problem: '' });
  expect(fs.existsSync(lane.lockDir)).toBe(false);
});
