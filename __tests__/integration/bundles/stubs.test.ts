import { NODE20, NODE24, runAction } from '@deploy-kit/harness';

// Published stubs must fail loudly, never fake success, under both runtimes.
const STUBS = ['lint-gate', '.'];

describe.each([
  ['node20', NODE20],
  ['node24', NODE24],
])('stub bundles under %s', (_label, node) => {
  test.each(STUBS)('%s fails with "not implemented yet" and a single ::error::', async (action) => {
    const result = await runAction({ action, node });
    expect(result.exitCode).toBe(1);
    expect(result.annotations.filter((a) => a.level === 'error')).toHaveLength(1);
    expect(result.error).toMatch(/not implemented yet/);
    expect(result.outputs).toEqual({});
  });
});
