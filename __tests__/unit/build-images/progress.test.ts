import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildUnit, type BuildRun } from '../../../actions/build-images/src/build';
import type { Docker, ExecResult } from '../../../actions/build-images/src/docker';
import type { Inputs } from '../../../actions/build-images/src/inputs';
import type { Planned } from '../../../actions/build-images/src/plan';
import { pushAll } from '../../../actions/build-images/src/publish';
import type { BuildReport } from '../../../actions/build-images/src/report';

// issue 17: while images build and push, a line with the elapsed time at least every 30 s.
// The fakes below only finish once a progress line was printed: no sleep stands in for it.

const DIGEST = `sha256:${'a'.repeat(64)}`;
const inputs = { workspace: '/ws', labels: {}, cacheFrom: [], cacheTo: [], secrets: {}, pushTimeoutMs: 1000 };
const unit: Planned = {
  key: 'k',
  build: { context: '/ws', dockerfile: '/ws/Dockerfile', args: {} },
  services: [
    {
      service: 'web',
      build: { context: '/ws', dockerfile: '/ws/Dockerfile', args: {} },
      healthcheck: true,
      source: 'test',
    },
  ],
  repositories: new Map([['web', '127.0.0.1:5000/app/web']]),
};

/** A docker whose every command waits until `gate` opens. */
function slowDocker(gate: Promise<void>, answer: (args: string[]) => ExecResult): Docker {
  return {
    run: async (args: string[]) => {
      await gate;
      return answer(args);
    },
    imageInfo: async () => ({ id: 'sha256:1', size: 10, repoDigests: [] }),
  } as unknown as Docker;
}

function progressGate(): { gate: Promise<void>; lines: string[]; log: (line: string) => void } {
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  const lines: string[] = [];
  return { gate, lines, log: (line) => (lines.push(line), open()) };
}

test('a slow push prints what is still pushing, with the elapsed time', async () => {
  const { gate, lines, log } = progressGate();
  const docker = slowDocker(gate, () => ({
    exitCode: 0,
    stdout: `1.0: digest: ${DIGEST} size: 528`,
    stderr: '',
  }));
  const reports = [{ digest: '', pushed: false } as BuildReport];
  await pushAll(docker, [unit], ['1.0'], reports, inputs as unknown as Inputs, {
    progress: { everyMs: 5, log },
  });
  expect(lines[0]).toMatch(
    /^Pushing: 0\/1 tags pushed; under way: 127\.0\.0\.1:5000\/app\/web \(\d+s elapsed\)$/,
  );
  expect(reports[0]).toMatchObject({ digest: DIGEST, pushed: true });
});

test('a slow build prints which services are building, with the elapsed time', async () => {
  const { gate, lines, log } = progressGate();
  const docker = slowDocker(gate, (args) => {
    fs.writeFileSync(args[args.indexOf('--iidfile') + 1] as string, 'sha256:1');
    return { exitCode: 0, stdout: '', stderr: '' };
  });
  const run: BuildRun = {
    docker,
    builder: { kind: 'buildkit', binary: 'docker', clientVersion: '20.10' },
    tags: ['1.0'],
    ctx: { eventName: 'push', ref: 'refs/heads/main', sha: 'a'.repeat(40) },
    created: new Date(0),
    inputs: inputs as unknown as Inputs,
    secretDir: undefined,
    progress: { everyMs: 5, log },
  };
  const saved = process.env.RUNNER_TEMP;
  process.env.RUNNER_TEMP = fs.mkdtempSync(path.join(os.tmpdir(), 'bi-progress-'));
  try {
    const report = await buildUnit(run, unit);
    expect(report.imageId).toBe('sha256:1');
  } finally {
    fs.rmSync(process.env.RUNNER_TEMP, { recursive: true, force: true });
    if (saved === undefined) delete process.env.RUNNER_TEMP;
    else process.env.RUNNER_TEMP = saved;
  }
  expect(lines[0]).toMatch(/^Building web \(\d+s elapsed\)$/);
});
