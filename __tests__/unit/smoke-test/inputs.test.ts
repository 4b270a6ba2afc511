import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseInputs } from '../../../actions/smoke-test/src/inputs';

/** parseInputs(raw): objects in, no runner read; files start from working-directory. */

describe('parseInputs', () => {
  let workspace: string;
  const savedEnv = { ...process.env };

  beforeEach(() => {
    workspace = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'st-inputs-')));
    fs.mkdirSync(path.join(workspace, 'deploy'));
    fs.writeFileSync(
      path.join(workspace, 'deploy', 'smoke.yml'),
      '- name: home\n  url: https://app.example.test/\n',
    );
    process.env.GITHUB_WORKSPACE = workspace;
  });
  afterEach(() => {
    process.env = { ...savedEnv };
    fs.rmSync(workspace, { recursive: true, force: true });
  });

  test("the action.yml defaults apply to what a caller leaves out (parallel 50, timeout 60s, '.')", () => {
    const inputs = parseInputs({ url: 'https://app.example.test/' });
    expect(inputs).toMatchObject({
      workingDirectory: workspace,
      parallel: 50,
      timeoutMs: 60_000,
      warmUpMs: 5_000,
      requestTimeoutMs: 10_000,
      retry: 'transient',
      expectStatus: '200',
      warnings: [],
    });
  });

  test('parallel is a whole number from 1 to 256', () => {
    expect(parseInputs({ url: 'https://a.test/', parallel: '3' }).parallel).toBe(3);
    expect(() => parseInputs({ url: 'https://a.test/', parallel: '0' })).toThrow(
      "'parallel' must be at least 1, got 0.",
    );
  });

  test('a checks file is read from working-directory, and must stay inside the workspace', () => {
    const inputs = parseInputs({ 'working-directory': 'deploy', checks: 'smoke.yml' });
    expect(inputs.spec.checks.map((c) => c.name)).toEqual(['home']);
    expect(() => parseInputs({ checks: 'smoke.yml' })).toThrow(
      "'checks' names the file 'smoke.yml', which does not exist in the working directory; give inline YAML or a repository path.",
    );
    expect(() => parseInputs({ 'working-directory': 'deploy', checks: '../../x.yml' })).toThrow(
      /'checks' must be a path inside the workspace/,
    );
    expect(() => parseInputs({ 'working-directory': 'nope', url: 'https://a.test/' })).toThrow(
      "'working-directory' must be an existing directory inside the workspace, got 'nope'.",
    );
  });

  test('inputs of a suite that is off come back as warnings (run prints them), nothing printed here', () => {
    const write = jest.spyOn(process.stdout, 'write');
    try {
      const inputs = parseInputs({ url: 'https://a.test/', 'expect-version': '1.2.3' });
      expect(inputs.warnings).toEqual([
        "'expect-version' is set but the 'version' suite is not enabled; add version to 'suites' to use it.",
      ]);
      expect(write).not.toHaveBeenCalled();
    } finally {
      write.mockRestore();
    }
  });
});
