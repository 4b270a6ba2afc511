import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { REPO_ROOT, removeRunTemps, runAction, runCli } from '@deploy-kit/harness';

// The laptop command as a person runs it: the bin over the committed bundles, from another
// directory, with a private TMPDIR so "nothing left in /tmp" is checked on this run alone
// (other runs on the machine make their own dk-runner-* folders).

const BIN = path.join(REPO_ROOT, 'packages', 'harness', 'bin', 'deploy-kit.js');
const SECRET = 'sk-live-0123456789abcdefXYZ';

let root: string;
let tmp: string;
let workspace: string;
let cwd: string;

beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'dk-cli-it-'));
  tmp = path.join(root, 'tmp');
  workspace = path.join(root, 'app');
  cwd = path.join(root, 'elsewhere');
  for (const dir of [tmp, workspace, path.join(workspace, 'deploy'), cwd])
    fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(
    path.join(workspace, 'deploy', 'env.template'),
    'DEBUG=false\nSECRET_KEY={{ secrets.key }}\n',
  );
  fs.writeFileSync(path.join(workspace, 'deploy', 'secrets.json'), JSON.stringify({ key: SECRET }));
});
afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  out: string;
  err: string;
}

/**
 * Run the bin in its own process group (as a shell runs a foreground job); `onOut` sees stdout and
 * may return 'close' to close the pipe's reading end (as `| head` does).
 */
function deployKit(args: string[], onOut?: (text: string, pid: number) => void | 'close'): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd,
      env: { ...process.env, TMPDIR: tmp },
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
      if (onOut?.(out, child.pid as number) === 'close') child.stdout.destroy();
    });
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, out, err }));
  });
}

const leftovers = (): string[] => fs.readdirSync(tmp);

/** A node action in the test's folder: its action.yml inputs block and its main.js lines. */
function fixtureAction(name: string, inputs: string, main: string[]): string {
  const dir = path.join(root, name);
  fs.mkdirSync(dir);
  const yml = [
    `name: ${name}`,
    `description: a ${name} test action`,
    inputs,
    'runs: { using: node24, main: main.js }',
  ];
  fs.writeFileSync(path.join(dir, 'action.yml'), yml.filter(Boolean).join('\n') + '\n');
  fs.writeFileSync(path.join(dir, 'main.js'), main.join('\n') + '\n');
  return dir;
}

test('a passing run: rendered log, masked, outputs and summary, exit 0, nothing left in TMPDIR', async () => {
  const run = await deployKit([
    'render-env',
    '--input-file',
    'secrets=deploy/secrets.json',
    '--workspace',
    workspace,
    '--input',
    'template=deploy/env.template',
  ]);
  expect(run.err).toBe('');
  expect({ code: run.code, signal: run.signal }).toEqual({ code: 0, signal: null });
  expect(run.out).toMatch(/^==> /m);
  expect(run.out).not.toMatch(/^::/m);
  expect(run.out).toContain('\n--- outputs\n');
  expect(run.out).toContain('secret-keys: ["SECRET_KEY"]');
  expect(run.out).toContain('\n--- job summary\n## render-env');
  expect(run.out).toMatch(/\n--- passed \(exit 0\) in \d+\.\d s\n$/);
  expect(run.out + run.err).not.toContain(SECRET);
  expect(fs.readFileSync(path.join(workspace, '.env'), 'utf8')).toContain(SECRET);
  expect(leftovers()).toEqual([]);
});

test('a failing run: an error: line, exit 1, nothing left in TMPDIR', async () => {
  const run = await deployKit(['render-env', '--workspace', workspace, '--input', 'template=deploy/missing']);
  expect({ code: run.code, signal: run.signal }).toEqual({ code: 1, signal: null });
  expect(run.out).toMatch(/^error: Invalid input: .*missing/m);
  expect(run.out).toMatch(/\n--- failed \(exit 1\) in /);
  expect(leftovers()).toEqual([]);
});

test('a usage error exits 2 before anything runs', async () => {
  const run = await deployKit(['render-env', '--input', `secrets=${SECRET}`]);
  expect({ code: run.code, out: run.out }).toEqual({ code: 2, out: '' });
  expect(run.err).toContain("'secrets' is a secret and is not accepted on the command line");
  expect(run.err).not.toContain(SECRET);
  expect(leftovers()).toEqual([]);
});

test('Ctrl-C at the terminal cancels the action as the runner does, exits 1 and leaves nothing', async () => {
  let sent = false;
  const started = Date.now();
  const run = await deployKit(
    ['smoke-test', '--input', 'url=http://127.0.0.1:9/', '--input', 'timeout=120s'],
    (out, pid) => {
      // The terminal sends SIGINT to the whole foreground process group.
      if (!sent && /attempt 1 failed/.test(out)) {
        sent = true;
        process.kill(-pid, 'SIGINT');
      }
    },
  );
  expect(sent).toBe(true);
  expect({ code: run.code, signal: run.signal }).toEqual({ code: 1, signal: null });
  expect(run.err).toContain('deploy-kit: SIGINT: cancelling smoke-test as the runner does');
  expect(run.out).toMatch(/\n--- cancelled \(SIGINT(, ended by SIG\w+)?\) \(exit 1\) in /);
  // Well inside the action's 120 s: the cancel reached it (the runner's sequence ends in 10 s).
  expect(Date.now() - started).toBeLessThan(30_000);
  expect(leftovers()).toEqual([]);
});

test('a reader that goes away (| head) does not stop the run half-way: it ends and cleans up', async () => {
  const run = await deployKit(
    ['smoke-test', '--input', 'url=http://127.0.0.1:9/', '--input', 'timeout=3s'],
    () => 'close',
  );
  expect(run.err).not.toMatch(/EPIPE|Error:/);
  expect({ code: run.code, signal: run.signal }).toEqual({ code: 1, signal: null });
  expect(leftovers()).toEqual([]);
});

test('an action that ignores the cancel is killed with every process it started, and its temp removed', async () => {
  const action = fixtureAction('stubborn', '', [
    "const { spawn } = require('node:child_process');",
    "process.on('SIGINT', () => console.log('got SIGINT, ignoring'));",
    "process.on('SIGTERM', () => console.log('got SIGTERM, ignoring'));",
    "const sleeper = spawn('sleep', ['300'], { stdio: 'ignore' });",
    "console.log('sleeper ' + sleeper.pid);",
    'setInterval(() => {}, 1000);',
  ]);
  const cancel = new AbortController();
  let sleeper = 0;
  const result = await runAction({
    action,
    workspace,
    processGroup: true,
    removeTemp: 'after-run',
    cancel: cancel.signal,
    onStdout: (chunk) => {
      const m = /sleeper (\d+)/.exec(chunk);
      if (m) {
        sleeper = Number(m[1]);
        cancel.abort('SIGINT');
      }
    },
  });
  expect(result.signal).toBe('SIGKILL');
  expect(result.stdout).toContain('got SIGINT, ignoring\n');
  expect(result.stdout).toContain('got SIGTERM, ignoring\n');
  expect(result.durationMs).toBeGreaterThanOrEqual(9_000);
  expect(fs.existsSync(result.runnerTemp)).toBe(false);
  expect(sleeper).toBeGreaterThan(0);
  // Gone, or a zombie nobody has reaped yet (PID 1 in a container may not reap).
  const alive = (pid: number): boolean => {
    try {
      return !/^\d+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
    } catch {
      return false;
    }
  };
  for (let i = 0; i < 40 && alive(sleeper); i++) await new Promise((r) => setTimeout(r, 50));
  expect(alive(sleeper)).toBe(false);
});

test('a library run keeps RUNNER_TEMP readable until removeRunTemps (or this process exits)', async () => {
  const result = await runAction({
    action: 'render-env',
    workspace,
    inputs: { template: 'deploy/env.template', secrets: JSON.stringify({ key: SECRET }) },
  });
  expect(result.exitCode).toBe(0);
  expect(fs.existsSync(path.join(result.runnerTemp, 'summary'))).toBe(true);
  removeRunTemps();
  expect(fs.existsSync(result.runnerTemp)).toBe(false);
});

test('runCli over an action: secrets masked from the start, commands rendered, --debug, its exit status', async () => {
  const inputs = [
    'inputs:',
    '  token: { description: a secret }',
    '  level: { description: plain, default: warning }',
  ];
  const action = fixtureAction('chatty', inputs.join('\n'), [
    "const token = process.env['INPUT_TOKEN'];",
    "console.log('::group::Connect');",
    "console.log('using ' + token);",
    "console.log('::endgroup::');",
    "console.log('::debug::debug is ' + process.env.RUNNER_DEBUG);",
    "console.log('::' + process.env['INPUT_LEVEL'] + ' file=app.py,line=4::odd ' + token);",
    "console.error('stderr ' + token);",
    "console.log('::error::Policy failed: it is red.');",
    'process.exitCode = 1;',
  ]);
  let out = '';
  let err = '';
  const io = { out: { write: (t: string) => (out += t) }, err: { write: (t: string) => (err += t) } };
  const request = { name: 'chatty', action, workspace, debug: true, secrets: ['token'] };
  const code = await runCli({ ...request, inputs: { token: `${SECRET}\n` } }, io);
  expect(code).toBe(1);
  expect(out.split('\n--- outputs')[0]).toBe(
    [
      // The value given ends in a newline (a file's last line): masked trimmed, the newline printed.
      '==> Connect',
      'using ***',
      '',
      'debug: debug is 1',
      'warning: app.py:4: odd ***',
      '',
      'error: Policy failed: it is red.',
      '',
    ].join('\n'),
  );
  expect(err).toBe('stderr ***\n\n');
  expect(out).toMatch(/\n--- outputs: none\n\n--- failed \(exit 1\) in \d+\.\d s\n$/);
  out = '';
  expect(await runCli({ ...request, debug: false, inputs: { token: SECRET } }, io)).toBe(1);
  expect(out).not.toContain('debug:');
  expect(out + err).not.toContain(SECRET);
});
