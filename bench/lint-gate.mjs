#!/usr/bin/env node
// Benchmark (not a test): lint-gate's wall time next to the slowest of its tools
// run alone and next to the seed's sequential steps (black --check, flake8,
// pytest with coverage, one after another), in one run, on small real projects
// (the sdists of six, idna, itsdangerous and toolz from PyPI, through pip), on
// examples/django-app and on a generated project of >= 300 Python files. The
// committed bundle runs the way the runner runs it; the tools are the pinned set
// (scripts/pytools.d/lint-gate.txt). Black's cache goes to a fresh directory for
// every run, as on a fresh runner. The kinds alternate within each run.
// Target (issue 18 A10): lint-gate <= 1.1 x the slowest tool alone, or the
// slowest tool + 0.3 s, whichever is larger.
// DEPLOY_KIT_LINT_GATE_BEFORE=<published folder> also times an earlier bundle (e.g. `git archive`
// of an earlier commit's lint-gate/) in the same runs, for a before/after column.
// Usage: node bench/lint-gate.mjs [runs] [modules] [projects]
//   (default 3 runs, 150 modules + 150 test files, every project; projects: a comma list of
//   six, idna, itsdangerous, toolz, django-app, generated)
import { createRequire } from 'node:module';
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { runAction, NODE24 } = require(path.join(root, 'packages/harness/dist/index.js'));

const RUNS = Number(process.argv[2] ?? 3);
const MODULES = Number(process.argv[3] ?? 150);
const ONLY = process.argv[4] ? new Set(process.argv[4].split(',')) : undefined;
const BEFORE = process.env.DEPLOY_KIT_LINT_GATE_BEFORE;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const secs = (ms) => `${(ms / 1000).toFixed(2)} s`;

const bin = execFileSync('bash', [path.join(root, 'scripts', 'pytools'), 'lint-gate'], { encoding: 'utf8' })
  .trim()
  .split('\n')
  .pop();
const python = path.join(bin, 'python');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dk-bench-lint-'));

// --- projects ------------------------------------------------------------------
function djangoApp() {
  const dir = path.join(tmp, 'django-app');
  fs.cpSync(path.join(root, 'examples', 'django-app'), dir, {
    recursive: true,
    filter: (src) => !/(__pycache__|\.pytest_cache|staticfiles)/.test(src),
  });
  return dir;
}

/** A plain package of `n` modules (ten functions each, with branches and loops) and a test file per module. */
function generated(n) {
  const dir = path.join(tmp, 'generated');
  fs.mkdirSync(path.join(dir, 'gen'), { recursive: true });
  fs.mkdirSync(path.join(dir, 'tests'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'gen', '__init__.py'), '');
  fs.writeFileSync(path.join(dir, 'tests', '__init__.py'), '');
  fs.writeFileSync(
    path.join(dir, 'setup.cfg'),
    '[flake8]\nmax-line-length = 88\n\n[tool:pytest]\ntestpaths = tests\n\n[coverage:run]\nsource = gen\n',
  );
  fs.writeFileSync(path.join(dir, 'pyproject.toml'), '[tool.black]\nline-length = 88\n');
  for (let m = 0; m < n; m++) {
    const id = String(m).padStart(3, '0');
    const fns = [];
    const tests = [`from gen import mod_${id} as m`];
    for (let f = 0; f < 10; f++) {
      fns.push(
        '',
        '',
        `def classify_${f}(value, scale=${f + 1}):`,
        `    """Bucket a value (module ${id}, function ${f})."""`,
        '    scaled = value * scale',
        '    if scaled < 0:',
        '        return "negative"',
        '    if scaled == 0:',
        '        return "zero"',
        `    if scaled > ${100 * (f + 1)}:`,
        '        return "large"',
        '    return "small"',
        '',
        '',
        `def total_${f}(values):`,
        '    result = 0',
        '    for item in values:',
        '        if item % 2:',
        `            result += item * ${m + 1}`,
        '        else:',
        '            result -= item',
        '    return result',
      );
      tests.push(
        '',
        '',
        `def test_classify_${f}():`,
        `    assert m.classify_${f}(-1) == "negative"`,
        `    assert m.classify_${f}(0) == "zero"`,
        `    assert m.classify_${f}(1) == "small"`,
        '',
        '',
        `def test_total_${f}():`,
        `    assert m.total_${f}([1, 2]) == ${m + 1} - 2`,
      );
    }
    fs.writeFileSync(
      path.join(dir, 'gen', `mod_${id}.py`),
      `"""Generated module ${id}."""\n${fns.join('\n')}\n`,
    );
    fs.writeFileSync(path.join(dir, 'tests', `test_mod_${id}.py`), `${tests.join('\n')}\n`);
  }
  return dir;
}

/**
 * Small real projects: their sdists (tests included) from the index pip uses. pytest's extra
 * arguments, the same alone and in lint-gate ('pytest-args'): itsdangerous has a src/ layout and
 * two test modules that need freezegun (not in the pinned set); six has one test of a module
 * this Python lacks (dbm.ndbm).
 */
const REAL = {
  six: { pin: 'six==1.16.0', pytestArgs: ['--deselect', 'test_six.py::test_move_items[dbm_ndbm]'] },
  idna: { pin: 'idna==3.7', pytestArgs: [] },
  itsdangerous: {
    pin: 'itsdangerous==2.2.0',
    pytestArgs: [
      '-o',
      'pythonpath=src',
      '--ignore=tests/test_itsdangerous/test_timed.py',
      '--ignore=tests/test_itsdangerous/test_url_safe.py',
    ],
  },
  toolz: { pin: 'toolz==0.12.1', pytestArgs: [] },
};

function realProject(name) {
  const sdists = path.join(tmp, 'sdists');
  execFileSync(
    python,
    ['-m', 'pip', 'download', '--quiet', '--no-binary', ':all:', '--no-deps', '-d', sdists, REAL[name].pin],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  const archive = fs.readdirSync(sdists).find((f) => f.startsWith(`${REAL[name].pin.replace('==', '-')}.`));
  const dir = path.join(tmp, name);
  fs.mkdirSync(dir);
  execFileSync('tar', ['-xzf', path.join(sdists, archive), '-C', dir, '--strip-components=1']);
  return dir;
}

const shellQuote = (args) => args.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');

// --- measurements ----------------------------------------------------------------
/** Run a command under /usr/bin/time: wall and CPU seconds (user + sys, children included). */
function timed(cmd, args, cwd, env) {
  const out = path.join(tmp, `time-${process.hrtime.bigint()}`);
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    // Its own session, as lint-gate starts each tool: with autogroup scheduling a session is
    // a scheduling group, and on this shared machine that alone changes the CPU a process gets.
    const child = spawn('/usr/bin/time', ['-o', out, '-f', '%U %S', cmd, ...args], {
      cwd,
      env,
      stdio: ['ignore', 'ignore', 'ignore'],
      detached: true,
    });
    child.on('error', reject);
    child.on('close', (code) => {
      const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
      const [user, sys] = fs.readFileSync(out, 'utf8').trim().split('\n').pop().split(' ').map(Number);
      resolve({ code, wallMs, cpuS: user + sys });
    });
  });
}

function toolEnv() {
  const env = {
    ...process.env,
    PATH: `${bin}${path.delimiter}${process.env.PATH}`,
    BLACK_CACHE_DIR: fs.mkdtempSync(path.join(tmp, 'black-cache-')),
  };
  delete env.DJANGO_SETTINGS_MODULE;
  return env;
}

// The seed's steps, as a workflow runs them one after another.
const SEED = [
  ['black', ['-m', 'black', '--check', '.']],
  ['flake8', ['-m', 'flake8', '.']],
  [
    'pytest + coverage',
    ['-m', 'pytest', '--disable-warnings', '--cov', '--cov-report=json:/dev/null', '-p', 'no:cacheprovider'],
  ],
];

/** Node 24 under /usr/bin/time, so the action's CPU (with every tool it starts) is counted too. */
function timedNode(record) {
  const wrapper = path.join(tmp, 'timed-node');
  // bash, not sh: dash drops environment variables whose names are not shell names, and every
  // hyphenated input (INPUT_PYTEST-ARGS, INPUT_COVERAGE-THRESHOLD) is one.
  fs.writeFileSync(wrapper, `#!/bin/bash\nexec /usr/bin/time -o ${record} -f '%U %S' ${NODE24} "$@"\n`, {
    mode: 0o755,
  });
  return wrapper;
}

/** One lint-gate run through a bundle (the committed one, or BEFORE), under /usr/bin/time. */
async function gateRun(action, label, dir, pytestArgs, i) {
  const record = path.join(tmp, `gate-${action.replace(/\W/g, '_')}-${i}`);
  const env = toolEnv();
  const result = await runAction({
    action,
    workspace: dir,
    node: timedNode(record),
    inputs: {
      'coverage-threshold': '80',
      ...(pytestArgs.length ? { 'pytest-args': shellQuote(pytestArgs) } : {}),
    },
    env: { PATH: env.PATH, BLACK_CACHE_DIR: env.BLACK_CACHE_DIR, DJANGO_SETTINGS_MODULE: undefined },
    timeoutMs: 900_000,
  });
  const results = result.outputs.results ? JSON.parse(result.outputs.results) : undefined;
  // A real project's own findings fail the gate (as its tools do alone); not running at all is a bench error.
  if (!results?.gates || Object.values(results.gates).some((g) => g.status === 'error'))
    throw new Error(
      `lint-gate (${action}) could not run on ${label}: ${result.log
        .split('\n')
        .filter((l) => l.startsWith('$ python'))
        .join('\n')}\n${result.log.slice(-1500)}`,
    );
  const [user, sys] = fs.readFileSync(record, 'utf8').trim().split('\n').pop().split(' ').map(Number);
  return {
    ms: result.durationMs,
    cpuS: user + sys,
    status: results.status,
    inGate: Object.fromEntries(Object.entries(results.gates).map(([k, v]) => [k, v.durationMs])),
  };
}

async function measure(label, dir, pytestArgs = []) {
  const runs = [];
  const seed = SEED.map(([name, args]) => [
    name,
    name.startsWith('pytest') ? [...args, ...pytestArgs] : args,
  ]);
  // Warm-up: the interpreter's bytecode caches and the OS page cache, for every contender alike.
  for (const [, args] of seed) await timed(python, args, dir, toolEnv());
  await gateRun('lint-gate', label, dir, pytestArgs, 'warm');
  for (let i = 0; i < RUNS; i++) {
    const alone = {};
    for (const [name, args] of seed) alone[name] = await timed(python, args, dir, toolEnv());
    // The same three tools started at once by a shell (`a & b & c; wait`): what running them in
    // parallel costs on this machine without anything of lint-gate's.
    const started = process.hrtime.bigint();
    const each = await Promise.all(seed.map(([, args]) => timed(python, args, dir, toolEnv())));
    const together = {
      wallMs: Number(process.hrtime.bigint() - started) / 1e6,
      cpuS: each.reduce((s, r) => s + r.cpuS, 0),
    };
    const gate = await gateRun('lint-gate', label, dir, pytestArgs, i);
    const before = BEFORE ? await gateRun(BEFORE, label, dir, pytestArgs, i) : undefined;
    runs.push({
      alone,
      together,
      gateMs: gate.ms,
      gateCpuS: gate.cpuS,
      status: gate.status,
      inGate: gate.inGate,
      ...(before ? { beforeMs: before.ms } : {}),
    });
    console.log(label, i, JSON.stringify(runs.at(-1)));
  }
  const aloneMs = Object.fromEntries(SEED.map(([n]) => [n, median(runs.map((r) => r.alone[n].wallMs))]));
  const aloneCpu = Object.fromEntries(SEED.map(([n]) => [n, median(runs.map((r) => r.alone[n].cpuS))]));
  const slowestName = Object.entries(aloneMs).sort((a, b) => b[1] - a[1])[0][0];
  // Per run: the slowest alone and the sum of that same run, so each ratio compares like with like.
  const slowestMs = median(runs.map((r) => Math.max(...SEED.map(([n]) => r.alone[n].wallMs))));
  const sumMs = median(runs.map((r) => SEED.reduce((s, [n]) => s + r.alone[n].wallMs, 0)));
  const gateMs = median(runs.map((r) => r.gateMs));
  const beforeMs = BEFORE ? median(runs.map((r) => r.beforeMs)) : undefined;
  const targetMs = Math.max(1.1 * slowestMs, slowestMs + 300);
  const gateCpuS = median(runs.map((r) => r.gateCpuS));
  const togetherMs = median(runs.map((r) => r.together.wallMs));
  // Per run, so each ratio compares like with like.
  const gateOverTogether = median(runs.map((r) => r.gateMs / r.together.wallMs));
  // lint-gate's own time: its wall time less its slowest tool's time inside it (start-up, the
  // interpreter probe, reading the results, annotations, summary): what it adds where the tools
  // do not compete for cores.
  const ownMs = median(
    runs.map((r) => r.gateMs - Math.max(...Object.values(r.inGate).filter((v) => typeof v === 'number'))),
  );
  const files = execFileSync('find', [dir, '-name', '*.py', '-not', '-path', '*/__pycache__/*'], {
    encoding: 'utf8',
  })
    .trim()
    .split('\n').length;
  return {
    project: label,
    pythonFiles: files,
    aloneMs,
    aloneCpuS: aloneCpu,
    slowest: slowestName,
    slowestMs: Math.round(slowestMs),
    sequentialMs: Math.round(sumMs),
    gateMs: Math.round(gateMs),
    gateCpuS: +gateCpuS.toFixed(1),
    cpuFloorMs: Math.round((gateCpuS / os.cpus().length) * 1000),
    // The best any schedule of the tools alone could do on this many cores: no shorter than the
    // slowest tool, nor than their CPU time together spread over every core.
    toolsFloorMs: Math.round(
      Math.max(slowestMs, (Object.values(aloneCpu).reduce((a, b) => a + b, 0) / os.cpus().length) * 1000),
    ),
    gateOverSlowest: +(gateMs / slowestMs).toFixed(2),
    togetherMs: Math.round(togetherMs),
    togetherCpuS: +median(runs.map((r) => r.together.cpuS)).toFixed(1),
    gateOverTogether: +gateOverTogether.toFixed(2),
    gateOverSequential: +(gateMs / sumMs).toFixed(2),
    ownMs: Math.round(ownMs),
    targetMs: Math.round(targetMs),
    overTargetMs: Math.round(gateMs - targetMs),
    status: runs.map((r) => r.status).join(', '),
    ...(BEFORE
      ? { beforeMs: Math.round(beforeMs), beforeOverSlowest: +(beforeMs / slowestMs).toFixed(2) }
      : {}),
    runs,
  };
}

/** What the rows say about the target, in words (computed, so a rerun says what it measured). */
function conclusion(rows, toolsFloor) {
  const met = rows.filter((r) => r.overTargetMs <= 0).map((r) => r.project.split(' ')[0]);
  const floorOver = rows.filter((r) => toolsFloor(r) > r.targetMs).map((r) => r.project.split(' ')[0]);
  const together = rows.filter((r) => r.gateOverTogether).map((r) => r.gateOverTogether);
  const own = rows.filter((r) => r.ownMs !== undefined).map((r) => r.ownMs);
  const withOwn = rows
    .filter((r) => r.ownMs !== undefined && r.slowestMs + r.ownMs <= r.targetMs)
    .map((r) => r.project.split(' ')[0]);
  return [
    `Target met on: ${met.length ? met.join(', ') : 'none'}.`,
    floorOver.length
      ? `On ${floorOver.join(', ')} the tools' floor itself is above the target: the tools alone, run by anything at once on these cores, cannot finish within it.`
      : '',
    together.length
      ? `lint-gate / the tools started together: ${Math.min(...together)}–${Math.max(...together)} × — what lint-gate adds beyond running the same tools in parallel.`
      : '',
    own.length
      ? `lint-gate's own time (its wall time less its slowest tool's inside it): ${secs(Math.min(...own))}–${secs(Math.max(...own))}; the slowest tool alone plus that is within the target on ${withOwn.length ? withOwn.join(', ') : 'none'} — what lint-gate would take where the tools do not compete for cores (an estimate, not a measurement on such a machine).`
      : '',
  ]
    .filter(Boolean)
    .join(' ');
}

/** bench/results/lint-gate.{json,md}; `node bench/lint-gate.mjs --render` writes the md again from the json. */
function writeResults(meta, rows) {
  const outDir = path.join(root, 'bench', 'results');
  fs.mkdirSync(outDir, { recursive: true });
  fs.writeFileSync(path.join(outDir, 'lint-gate.json'), JSON.stringify({ ...meta, rows }, null, 2) + '\n');
  const toolsFloor = (r) =>
    r.toolsFloorMs ??
    Math.round(
      Math.max(r.slowestMs, (Object.values(r.aloneCpuS).reduce((a, b) => a + b, 0) / meta.cpus) * 1000),
    );
  const md = [
    `Measured ${meta.date} on ${meta.cpus} × ${meta.cpuModel}, ${meta.memoryGiB} GiB (load average ${meta.loadAverage} at the end: the machine is shared), medians of ${meta.runs} runs after a warm-up. Command: \`${meta.command}\`.`,
    '',
    "Each run times the seed's steps alone, one after another (`black --check .`, `flake8 .`, `pytest --cov`, with the project's extra pytest arguments), then lint-gate (default tools, coverage-threshold 80, the same pytest arguments in `pytest-args`) through the committed bundle on Node 24, Black's cache empty every time." +
      (meta.before
        ? ' "Before" is the bundle before #18 A10 (git archive of an earlier commit), run right after it in the same runs.'
        : ''),
    '"CPU-s" is lint-gate\'s CPU time with every process it started; with this many cores no run can be shorter than CPU-s / cores ("CPU floor"). Target (#18 A10): lint-gate ≤ 1.1 × the slowest tool alone, or the slowest + 0.3 s, whichever is larger. The real projects\' own findings fail their gates, as the tools alone do ("verdict").',
    `"Tools' floor" is the best any schedule of the three tools could reach on ${meta.cpus} cores: the slowest tool alone, or the tools' CPU time alone (summed) spread over every core, whichever is larger. Where it is above the target, no gate that runs these tools can meet the target on this machine. "Together" is the three tools started at once by a shell, nothing of lint-gate's (wall time; their CPU-s): "lint-gate / together" is what lint-gate itself adds to running the tools in parallel. "lint-gate's own time" is its wall time less the time of its slowest tool inside it (start-up, the interpreter probe, reading the results, annotations, summary); "slowest alone + own time" estimates lint-gate where each tool has the cores it has alone.`,
    '',
    `| Project | .py files | black alone | flake8 alone | pytest + coverage alone | Sequential sum | lint-gate | verdict | CPU-s | CPU floor | lint-gate / slowest | target | over target | tools' floor | together | lint-gate / together | lint-gate's own time | slowest alone + own time |${meta.before ? ' before | before / slowest |' : ''}`,
    `|${' --- |'.repeat(18)}${meta.before ? ' --- | --- |' : ''}`,
    ...rows.map(
      (r) =>
        `| ${r.project} | ${r.pythonFiles} | ${secs(r.aloneMs.black)} | ${secs(r.aloneMs.flake8)} | ${secs(r.aloneMs['pytest + coverage'])} | ${secs(r.sequentialMs)} | ${secs(r.gateMs)} | ${[...new Set(r.status.split(', '))].join('/')} | ${r.gateCpuS} | ${secs(r.cpuFloorMs)} | ${r.gateOverSlowest} × (slowest: ${r.slowest}) | ${secs(r.targetMs)} | ${r.overTargetMs > 0 ? `+${secs(r.overTargetMs)}` : 'met'} | ${secs(toolsFloor(r))} | ${r.togetherMs ? `${secs(r.togetherMs)} (${r.togetherCpuS} CPU-s)` : '—'} | ${r.gateOverTogether ? `${r.gateOverTogether} ×` : '—'} | ${r.ownMs !== undefined ? secs(r.ownMs) : '—'} | ${r.ownMs !== undefined ? `${secs(r.slowestMs + r.ownMs)} (${r.slowestMs + r.ownMs <= r.targetMs ? 'within' : 'over'} the target)` : '—'} |${meta.before ? ` ${secs(r.beforeMs)} | ${r.beforeOverSlowest} × |` : ''}`,
    ),
    '',
    conclusion(rows, toolsFloor),
    '',
  ].join('\n');
  fs.writeFileSync(path.join(outDir, 'lint-gate.md'), md);
  console.log(md);
}

if (process.argv[2] === '--render') {
  const saved = JSON.parse(fs.readFileSync(path.join(root, 'bench', 'results', 'lint-gate.json'), 'utf8'));
  const { rows, ...meta } = saved;
  writeResults(meta, rows);
  fs.rmSync(tmp, { recursive: true, force: true });
  process.exit(0);
}

try {
  const wanted = (name) => !ONLY || ONLY.has(name);
  const rows = [];
  for (const name of Object.keys(REAL))
    if (wanted(name))
      rows.push(
        await measure(`${name} (${REAL[name].pin}, sdist)`, realProject(name), REAL[name].pytestArgs),
      );
  if (wanted('django-app')) rows.push(await measure('examples/django-app', djangoApp()));
  if (wanted('generated'))
    rows.push(await measure(`generated (${MODULES} modules + ${MODULES} test files)`, generated(MODULES)));
  const meta = {
    date: new Date().toISOString(),
    runs: RUNS,
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? '?',
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    // The machine is shared: the 1-minute load average says how much these numbers suffered.
    loadAverage: +os.loadavg()[0].toFixed(1),
    command: `${BEFORE ? 'DEPLOY_KIT_LINT_GATE_BEFORE=… ' : ''}node bench/lint-gate.mjs ${process.argv.slice(2).join(' ') || RUNS}`,
    before: Boolean(BEFORE),
  };
  writeResults(meta, rows);
} finally {
  fs.rmSync(tmp, { recursive: true, force: true });
}
