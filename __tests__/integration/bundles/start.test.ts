import { NODE20, NODE24, runAction } from '@deploy-kit/harness';

// Every implemented bundle must load and run under both runtimes: a bundle that builds but
// fails at run time (ESM-only dependency, __dirname under ESM) is the likeliest break in this
// stack. With no inputs each one must stop at input validation, with one sentence, not crash.
const IMPLEMENTED = ['render-env', 'remote-deploy', 'smoke-test', 'build-images'];

describe.each([
  ['node20', NODE20],
  ['node24', NODE24],
])('implemented bundles under %s', (_label, node) => {
  test.each(IMPLEMENTED)(
    '%s starts and refuses empty inputs with one input-error sentence',
    async (action) => {
      const result = await runAction({ action, node });
      expect(result.stderr).not.toMatch(/SyntaxError|ReferenceError|ERR_REQUIRE_ESM|Cannot find module/);
      expect(result.exitCode).toBe(1);
      const errors = result.annotations.filter((a) => a.level === 'error');
      expect(errors).toHaveLength(1);
      expect(errors[0]?.message).toMatch(/^Invalid input: .+\.$/);
      expect(errors[0]?.message).not.toMatch(/\n/);
    },
  );
});
