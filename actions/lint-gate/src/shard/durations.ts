import * as fs from 'node:fs';
import { XMLParser } from 'fast-xml-parser';

/** Node id -> seconds, what the shard plugin splits by. */
export type Durations = Record<string, number>;

type XmlNode = Record<string, unknown>;

/**
 * The pytest node id of a JUnit testcase (junit_family=xunit1: file="tests/test_a.py",
 * classname="tests.test_a.TestX", name="test_y[1]"): tests/test_a.py::TestX::test_y[1].
 */
export function nodeIdOf(file: string, classname: string, name: string): string {
  const module = file.replace(/\.py$/, '').split('/').join('.');
  const rest = classname.startsWith(`${module}.`) ? classname.slice(module.length + 1).split('.') : [];
  return [file, ...rest, name].join('::');
}

/** Durations from a JUnit XML report (pytest's, xunit1, with file= on every testcase). */
export function durationsFromJUnit(xml: string): Durations {
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '',
    isArray: (name) => ['testsuite', 'testcase'].includes(name),
    parseAttributeValue: false,
    htmlEntities: true,
  });
  const doc = parser.parse(xml) as XmlNode;
  const root = (doc.testsuites as XmlNode | undefined) ?? doc;
  const out: Durations = {};
  for (const suite of (root.testsuite as XmlNode[] | undefined) ?? [])
    for (const tc of (suite.testcase as XmlNode[] | undefined) ?? []) {
      const time = Number(tc.time);
      if (tc.file === undefined || !Number.isFinite(time)) continue;
      out[nodeIdOf(String(tc.file), String(tc.classname ?? ''), String(tc.name ?? ''))] = time;
    }
  return out;
}

/**
 * `shard-durations`: the merge's durations.json ({ lintSeconds, tests: {node id: seconds} }), a
 * plain JSON object {node id: seconds}, or a JUnit XML
 * report. undefined (split by test count per file) when the file does not exist yet, as on the
 * first run before any cache; a file that exists but cannot be read is an error.
 */
export function readDurations(file: string | undefined): {
  durations?: Durations;
  /** How long shard 1's lint tools took (the merge's durations.json records it). */
  lintSeconds?: number;
  note: string;
} {
  if (!file) return { note: 'no shard-durations: split by the number of tests per file' };
  if (!fs.existsSync(file))
    return { note: `${file} does not exist yet: split by the number of tests per file` };
  const text = fs.readFileSync(file, 'utf8');
  let durations: Durations;
  let lintSeconds: number | undefined;
  if (text.trimStart().startsWith('{')) {
    const json = JSON.parse(text) as Record<string, unknown>;
    // The merge's { lintSeconds, tests: { id: seconds } }, or a plain { id: seconds }.
    const tests =
      typeof json.tests === 'object' && json.tests !== null ? (json.tests as Record<string, unknown>) : json;
    if (typeof json.lintSeconds === 'number' && json.lintSeconds >= 0) lintSeconds = json.lintSeconds;
    durations = Object.fromEntries(
      Object.entries(tests).filter((e): e is [string, number] => typeof e[1] === 'number'),
    );
  } else durations = durationsFromJUnit(text);
  const n = Object.keys(durations).length;
  return { durations, lintSeconds, note: `split by the recorded durations of ${n} tests from ${file}` };
}
