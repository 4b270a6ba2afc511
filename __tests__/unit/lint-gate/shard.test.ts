import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseInputs } from '../../../actions/lint-gate/src/inputs';
import { parseJUnit } from '../../../actions/lint-gate/src/parse/pytest';
import { checkShards, type FoundShard } from '../../../actions/lint-gate/src/shard/check';
import { durationsFromJUnit, nodeIdOf, readDurations } from '../../../actions/lint-gate/src/shard/durations';
import { findShards, mergeJUnit } from '../../../actions/lint-gate/src/shard/merge';
import type { PluginRecord, ShardRecord } from '../../../actions/lint-gate/src/shard/record';
import { parseShard } from '../../../actions/lint-gate/src/shard/spec';

// lint-gate's shards (issue 22): the `shard` input, durations from a JUnit report, and the checks
// that make a merge could-not-run unless the shards are one whole run.

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));
const tmpdir = (): string => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'dk-shard-'));
  dirs.push(d);
  return d;
};

describe('shard input', () => {
  test('K/N, or empty for the whole suite', () => {
    expect(parseShard('')).toBeUndefined();
    expect(parseShard('2/8')).toEqual({ index: 2, total: 8 });
    expect(parseShard(' 1 / 1 ')).toEqual({ index: 1, total: 1 });
  });
  test.each(['0/4', '5/4', '2', 'a/b', '1/257', '2/8/1'])('%s is refused with a sentence', (v) => {
    expect(() => parseShard(v)).toThrow(/^'shard' must be K\/N with 1 <= K <= N <= 256, e.g. 2\/8/);
  });
  test('mode: merge with a shard is refused; paths resolve against working-directory', () => {
    const ws = tmpdir();
    const prev = process.env.GITHUB_WORKSPACE;
    process.env.GITHUB_WORKSPACE = ws;
    try {
      expect(() => parseInputs({ mode: 'merge', shard: '1/2' })).toThrow(/leave it empty with mode: merge/);
      expect(() => parseInputs({ mode: 'combine' })).toThrow(/'mode'/);
      const inputs = parseInputs({ shard: '3/4', 'shard-durations': 'ci/durations.json' });
      expect(inputs.shard).toEqual({ index: 3, total: 4 });
      expect(inputs.mode).toBe('run');
      expect(inputs.shardDurations).toBe(path.join(fs.realpathSync(ws), 'ci/durations.json'));
      expect(inputs.shardResults).toBe(path.join(fs.realpathSync(ws), 'lint-gate-shards'));
      expect(() => parseInputs({ 'shard-results': '../elsewhere' })).toThrow(/inside the workspace/);
    } finally {
      process.env.GITHUB_WORKSPACE = prev;
    }
  });
});

const JUNIT = `<?xml version="1.0" encoding="utf-8"?><testsuites name="pytest tests"><testsuite name="pytest" errors="0" failures="0" skipped="0" tests="3" time="1.2">
<testcase classname="tests.test_a" name="test_x" file="tests/test_a.py" line="3" time="0.500" />
<testcase classname="tests.test_a.TestG" name="test_y[1-a b]" file="tests/test_a.py" line="9" time="0.250" />
<testcase classname="tests.test_a.TestG.TestInner" name="test_z" file="tests/test_a.py" line="12" time="0.010" />
</testsuite></testsuites>`;

describe('durations', () => {
  test("JUnit testcases map to pytest's node ids", () => {
    expect(nodeIdOf('tests/test_a.py', 'tests.test_a', 'test_x')).toBe('tests/test_a.py::test_x');
    expect(durationsFromJUnit(JUNIT)).toEqual({
      'tests/test_a.py::test_x': 0.5,
      'tests/test_a.py::TestG::test_y[1-a b]': 0.25,
      'tests/test_a.py::TestG::TestInner::test_z': 0.01,
    });
  });
  test('a JSON object, a JUnit report, or a file that does not exist yet (count per file)', () => {
    const d = tmpdir();
    fs.writeFileSync(path.join(d, 'd.json'), '{"t.py::a": 1.5, "t.py::b": "x"}');
    fs.writeFileSync(path.join(d, 'j.xml'), JUNIT);
    expect(readDurations(path.join(d, 'd.json')).durations).toEqual({ 't.py::a': 1.5 });
    fs.writeFileSync(path.join(d, 'm.json'), '{"lintSeconds": 4.2, "tests": {"t.py::a": 2}}');
    expect(readDurations(path.join(d, 'm.json'))).toMatchObject({
      durations: { 't.py::a': 2 },
      lintSeconds: 4.2,
    });
    expect(Object.keys(readDurations(path.join(d, 'j.xml')).durations ?? {})).toHaveLength(3);
    const missing = readDurations(path.join(d, 'none.json'));
    expect(missing.durations).toBeUndefined();
    expect(missing.note).toMatch(/does not exist yet: split by the number of tests per file/);
    expect(readDurations(undefined).note).toMatch(/split by the number of tests per file/);
  });
});

describe('merged JUnit report', () => {
  test("every shard's testsuite in one report, counted as one run", () => {
    const one = JUNIT;
    const two = JUNIT.replace(/test_a/g, 'test_b');
    const merged = parseJUnit(mergeJUnit([one, two]));
    expect(merged.tests).toBe(6);
    expect(merged.cases.map((c) => c.file)).toEqual([
      ...Array(3).fill('tests/test_a.py'),
      ...Array(3).fill('tests/test_b.py'),
    ]);
  });
});

function plugin(
  index: number,
  total: number,
  assigned: string[],
  collected: string[],
  extra: Partial<PluginRecord> = {},
): PluginRecord {
  return {
    index,
    total,
    collected: collected.length,
    collectionSha256: collected.join('|'),
    split: 'recorded durations',
    assigned,
    results: Object.fromEntries(assigned.map((id) => [id, { outcome: 'passed', seconds: 0.1 }])),
    exitStatus: 0,
    ...extra,
  };
}

function shard(
  index: number,
  total: number,
  p: PluginRecord | undefined,
  pytestStatus: 'passed' | 'findings' | 'error' = 'passed',
): FoundShard {
  const record: ShardRecord = {
    format: 1,
    index,
    total,
    plugin: p,
    gates: [
      {
        gate: 'pytest',
        status: pytestStatus,
        headline: pytestStatus === 'error' ? 'was killed by SIGKILL' : 'ok',
        findings: [],
        counts: {},
      },
    ],
    tools: ['pytest'],
    coverage: 'measured',
    python: { version: '3.11', executable: '/usr/bin/python3' },
  };
  return { dir: `out/shard-${index}-of-${total}`, index, total, record };
}

const ALL = ['t.py::a', 't.py::b', 't.py::c', 'u.py::d'];
const whole = (): FoundShard[] => [
  shard(1, 2, plugin(1, 2, ['t.py::a', 't.py::c'], ALL)),
  shard(2, 2, plugin(2, 2, ['t.py::b', 'u.py::d'], ALL)),
];

describe('the merge refuses anything but one whole run', () => {
  test('every shard once, every test in exactly one: no problem', () => {
    expect(checkShards(whole(), 'out')).toBeUndefined();
  });
  test('no shards at all', () => {
    expect(checkShards([], 'out')).toBe(
      "no shard results were found under out (download every shard's artifact there before the merge)",
    );
  });
  test('a missing shard', () => {
    expect(checkShards(whole().slice(0, 1), 'out')).toMatch(
      /^shard 2 of 2 is missing under out: its job did not upload results/,
    );
  });
  test('a shard twice', () => {
    const s = whole();
    expect(checkShards([...s, { ...s[1]!, dir: 'other/shard-2-of-2' }], 'out')).toMatch(
      /^shard 2 of 2 is there 2 times/,
    );
  });
  test('shards of different splits', () => {
    expect(checkShards([...whole(), shard(1, 3, plugin(1, 3, [], ALL))], 'out')).toMatch(
      /different splits \(of 2 and of 3\)/,
    );
  });
  test('a crashed shard: pytest killed, or no plugin record, or no shard.json', () => {
    const killed = whole();
    killed[1] = shard(2, 2, plugin(2, 2, ['t.py::b', 'u.py::d'], ALL), 'error');
    expect(checkShards(killed, 'out')).toBe('shard 2 of 2 crashed: pytest was killed by SIGKILL');
    const noPlugin = whole();
    noPlugin[0] = shard(1, 2, undefined);
    expect(checkShards(noPlugin, 'out')).toMatch(
      /^shard 1 of 2 crashed: pytest ended before the shard plugin wrote its record/,
    );
    const noRecord = whole();
    noRecord[0] = { dir: 'out/shard-1-of-2', index: 1, total: 2 };
    expect(checkShards(noRecord, 'out')).toBe(
      'shard 1 of 2 did not finish: its directory out/shard-1-of-2 has no shard.json',
    );
  });
  test('a test in two shards', () => {
    const s = whole();
    s[1] = shard(2, 2, plugin(2, 2, ['t.py::b', 'u.py::d', 't.py::a'], ALL));
    expect(checkShards(s, 'out')).toBe('1 test(s) ran in two shards or more (t.py::a in shards 1 and 2)');
  });
  test('a test in no shard', () => {
    const s = whole();
    s[1] = shard(2, 2, plugin(2, 2, ['t.py::b'], ALL));
    expect(checkShards(s, 'out')).toBe('1 of the 4 collected tests were assigned to no shard');
    const notRun = whole();
    const p = plugin(2, 2, ['t.py::b', 'u.py::d'], ALL);
    delete p.results['u.py::d'];
    notRun[1] = shard(2, 2, p);
    expect(checkShards(notRun, 'out')).toBe('1 assigned test(s) ran in no shard (u.py::d (shard 2 of 2))');
  });
  test('shards that collected different suites', () => {
    const s = whole();
    s[1] = shard(2, 2, plugin(2, 2, ['t.py::b', 'u.py::d'], [...ALL, 'v.py::e']));
    expect(checkShards(s, 'out')).toMatch(
      /^the shards collected different tests \(shard 1 of 2: 4, shard 2 of 2: 5\)/,
    );
  });
});

describe('finding the shards as download-artifact leaves them', () => {
  test('directly under shard-results or one artifact folder deeper; an unreadable record is reported', () => {
    const root = tmpdir();
    for (const rel of ['shard-1-of-3', 'lint-gate-shard-2/shard-2-of-3', 'x/shard-3-of-3']) {
      fs.mkdirSync(path.join(root, rel), { recursive: true });
    }
    fs.writeFileSync(path.join(root, 'shard-1-of-3/shard.json'), JSON.stringify({ index: 1 }));
    fs.writeFileSync(path.join(root, 'x/shard-3-of-3/shard.json'), '{not json');
    const found = findShards(root);
    expect(found.map((f) => [f.index, f.total, f.record !== undefined])).toEqual([
      [2, 3, false],
      [1, 3, true],
      [3, 3, false],
    ]);
    expect(found[2]?.unreadable).toMatch(/^its shard.json could not be read/);
  });
});
