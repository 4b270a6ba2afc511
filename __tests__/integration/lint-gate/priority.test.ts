import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runAction } from '@deploy-kit/harness';
import { CLEAN, toolEnv, toolsBin, workspace } from '../../fixtures/lint-gate/projects';

// While pytest runs, the lint tools run at nice 10 so they cannot starve it; once pytest is done
// every one of their processes goes back to 0, the workers they started too (not only the lead).

jest.setTimeout(240_000);

// black's lead, as the interpreter wrapper below starts it: once lint-gate has lowered its
// priority, it starts a worker (as black's process pool does), then runs black, then waits.
const LEAD = `
import os, subprocess, sys, time
end = time.time() + 60
while os.getpriority(os.PRIO_PROCESS, 0) != 10 and time.time() < end:
    time.sleep(0.02)
worker = subprocess.Popen([sys.executable, os.environ["DK_NICE_WORKER"]])
rc = subprocess.call([sys.executable] + sys.argv[1:])
worker.wait()
sys.exit(rc)
`;

// The worker: its priority when it starts (inherited), then, once pytest is done (a test writes
// the mark), whether it goes back to 0 within 15 s.
const WORKER = `
import os, time
nice = lambda: os.getpriority(os.PRIO_PROCESS, 0)
start = nice()
open(os.environ["DK_NICE_STARTED"], "w").close()
end = time.time() + 120
while not os.path.exists(os.environ["DK_NICE_MARK"]) and time.time() < end:
    time.sleep(0.02)
end = time.time() + 15
while nice() != 0 and time.time() < end:
    time.sleep(0.05)
with open(os.environ["DK_NICE_OUT"], "w") as f:
    f.write(f"{start} {nice()}")
`;

test("once pytest is done the lint tools' worker processes go back from nice 10 to 0, not only the lead", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dk-lint-nice-'));
  const file = (name: string): string => path.join(dir, name);
  fs.writeFileSync(file('lead.py'), LEAD);
  fs.writeFileSync(file('worker.py'), WORKER);
  const real = path.join(toolsBin(), 'python');
  // The interpreter lint-gate runs: the real one, except that `-m black` goes through the lead.
  fs.writeFileSync(
    file('python'),
    `#!/bin/sh\nif [ "$1 $2" = "-m black" ]; then exec ${real} ${file('lead.py')} "$@"; fi\nexec ${real} "$@"\n`,
    { mode: 0o755 },
  );
  const ws = workspace({
    ...CLEAN,
    // pytest runs until the worker has started, then says it is done.
    'tests/test_wait.py': [
      'import os',
      'import time',
      '',
      '',
      'def test_waits_for_the_worker():',
      '    end = time.time() + 120',
      '    while not os.path.exists(os.environ["DK_NICE_STARTED"]) and time.time() < end:',
      '        time.sleep(0.02)',
      '    open(os.environ["DK_NICE_MARK"], "w").close()',
      '',
    ].join('\n'),
  });
  try {
    const run = await runAction({
      action: 'lint-gate',
      workspace: ws,
      inputs: { tools: 'black, pytest', python: file('python'), 'coverage-threshold': '' },
      env: toolEnv({
        DK_NICE_WORKER: file('worker.py'),
        DK_NICE_STARTED: file('started'),
        DK_NICE_MARK: file('mark'),
        DK_NICE_OUT: file('out'),
      }),
      timeoutMs: 200_000,
    });
    expect(run.exitCode).toBe(0);
    const [start, end] = fs.readFileSync(file('out'), 'utf8').split(' ').map(Number);
    expect({ start, end }).toEqual({ start: 10, end: 0 });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
    fs.rmSync(ws, { recursive: true, force: true });
  }
});
