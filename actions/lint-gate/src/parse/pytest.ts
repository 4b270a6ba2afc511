import * as fs from 'node:fs';
import * as path from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import type { FailedTest, Finding, GateReport } from '../types';
import { abnormalEnd, plural, tail, combinedOutput, toolError, type ToolRun } from './common';

/** pytest's headline for exit 5 (no tests collected) under allow-no-tests: true. */
export const NO_TESTS_ALLOWED = 'no tests collected (allowed)';

export interface JUnitCase {
  classname: string;
  name: string;
  file?: string;
  /** 0-based, as pytest writes it with junit_family=xunit1. */
  line?: number;
  outcome: 'passed' | 'failed' | 'error' | 'skipped';
  message: string;
  details: string;
}

export interface JUnitReport {
  tests: number;
  failures: number;
  errors: number;
  skipped: number;
  cases: JUnitCase[];
}

type XmlNode = Record<string, unknown>;

function text(node: unknown): string {
  if (node === undefined || node === null) return '';
  if (typeof node === 'string') return node;
  if (typeof node === 'object') return String((node as XmlNode)['#text'] ?? '');
  return String(node);
}

function attr(node: unknown, name: string): string {
  return typeof node === 'object' && node !== null ? String((node as XmlNode)[name] ?? '') : '';
}

/** pytest's JUnit XML (junit_family=xunit1: every testcase has file= and line=). */
export function parseJUnit(xml: string): JUnitReport {
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '',
    isArray: (name) => ['testsuite', 'testcase', 'failure', 'error', 'skipped'].includes(name),
    parseAttributeValue: false,
    parseTagValue: false,
    trimValues: false,
    // pytest escapes newlines in attributes as &#10;; numeric references need this.
    htmlEntities: true,
  });
  const doc = parser.parse(xml) as XmlNode;
  const root = (doc.testsuites as XmlNode | undefined) ?? doc;
  const suites = (root.testsuite as XmlNode[] | undefined) ?? [];
  if (suites.length === 0) throw new Error('no <testsuite> element');
  const report: JUnitReport = { tests: 0, failures: 0, errors: 0, skipped: 0, cases: [] };
  for (const suite of suites) {
    report.tests += Number(suite.tests ?? 0);
    report.failures += Number(suite.failures ?? 0);
    report.errors += Number(suite.errors ?? 0);
    report.skipped += Number(suite.skipped ?? 0);
    for (const tc of (suite.testcase as XmlNode[] | undefined) ?? []) {
      const failure = (tc.failure as unknown[] | undefined)?.[0];
      const error = (tc.error as unknown[] | undefined)?.[0];
      const skipped = (tc.skipped as unknown[] | undefined)?.[0];
      const problem = failure ?? error;
      report.cases.push({
        classname: String(tc.classname ?? ''),
        name: String(tc.name ?? ''),
        file: tc.file === undefined ? undefined : String(tc.file),
        line: tc.line === undefined || tc.line === '' ? undefined : Number(tc.line),
        outcome: failure ? 'failed' : error ? 'error' : skipped ? 'skipped' : 'passed',
        message: problem ? attr(problem, 'message') : '',
        details: problem ? text(problem) : '',
      });
    }
  }
  return report;
}

/**
 * The line to annotate: the deepest traceback line in the test's own file
 * ("tests/test_x.py:15: AssertionError"), else the line of the test function.
 */
export function failureLine(c: JUnitCase): number | undefined {
  if (c.file) {
    const base = path.basename(c.file);
    let found: number | undefined;
    for (const line of c.details.split('\n')) {
      const m = /^(\S[^:]*):(\d+): /.exec(line);
      if (m && path.basename(m[1] as string) === base) found = Number(m[2]);
    }
    if (found !== undefined) return found;
  }
  return c.line === undefined ? undefined : c.line + 1;
}

function testId(c: JUnitCase): string {
  const where = c.file ?? c.classname.replace(/\./g, '/');
  return c.classname && !c.classname.endsWith(path.basename(where, '.py'))
    ? `${where}::${c.classname.split('.').pop()}::${c.name}`
    : `${where}::${c.name}`;
}

/**
 * pytest writes its locations relative to its rootdir, which may sit above the
 * working directory (a pytest.ini in a parent): take the first ancestor where
 * the file exists.
 */
export function resolveTestFile(file: string, cwd: string, stopAt: string): string {
  let dir = cwd;
  for (;;) {
    const candidate = path.resolve(dir, file);
    if (fs.existsSync(candidate)) return candidate;
    const parent = path.dirname(dir);
    if (dir === stopAt || parent === dir) return path.resolve(cwd, file);
    dir = parent;
  }
}

export interface PytestContext {
  cwd: string;
  workspace: string;
  /** The JUnit report's text, or undefined when pytest did not write one. */
  junit: string | undefined;
  allowNoTests: boolean;
}

function firstLine(message: string): string {
  return (
    message
      .split('\n')
      .find((l) => l.trim() !== '')
      ?.trim() ?? ''
  );
}

/** The failed tests of a report, each with its file and line, and one finding each. */
function failures(
  problems: readonly JUnitCase[],
  ctx: PytestContext,
): { failedTests: FailedTest[]; findings: Finding[] } {
  const failedTests: FailedTest[] = problems.map((c) => {
    const file = c.file ? resolveTestFile(c.file, ctx.cwd, ctx.workspace) : undefined;
    return {
      id: testId(c),
      file,
      line: failureLine(c),
      message: c.message || firstLine(c.details),
      details: c.details,
    };
  });
  const findings: Finding[] = failedTests.map((t) => ({
    tool: 'pytest',
    level: 'error',
    file: t.file ?? ctx.cwd,
    line: t.line,
    title: `pytest: ${t.id.split('::').slice(1).join('::') || t.id} failed`,
    message: t.message || 'failed',
  }));
  return { failedTests, findings };
}

/**
 * pytest's exit codes: 0 all passed, 1 some tests failed, 2 interrupted (also
 * collection errors), 3 internal error, 4 usage error (also a conftest that
 * cannot be imported), 5 no tests collected. Only 1 with failed tests in the
 * report is a policy failure; 5 is an error unless the user allows it.
 */
export function parsePytest(run: ToolRun, ctx: PytestContext): GateReport {
  const abnormal = abnormalEnd('pytest', run);
  if (abnormal) return abnormal;
  let report: JUnitReport | undefined;
  let junitProblem = '';
  if (ctx.junit !== undefined) {
    try {
      report = parseJUnit(ctx.junit);
    } catch (error) {
      junitProblem = `its JUnit report could not be read (${(error as Error).message})`;
    }
  } else junitProblem = 'it wrote no JUnit report';

  const problems = (report?.cases ?? []).filter((c) => c.outcome === 'failed' || c.outcome === 'error');
  const { failedTests, findings } = failures(problems, ctx);
  const counts: Record<string, number> = report
    ? {
        tests: report.tests,
        failed: report.failures + report.errors,
        skipped: report.skipped,
        passed: report.tests - report.failures - report.errors - report.skipped,
      }
    : {};
  const base = { gate: 'pytest' as const, counts, durationMs: run.durationMs };
  const errorWith = (headline: string): GateReport => ({
    ...base,
    status: 'error',
    headline,
    findings,
    failedTests,
    output: tail(combinedOutput(run), 40),
  });

  switch (run.exitCode) {
    case 0:
      if (!report) return toolError('pytest', run, `exited 0 but ${junitProblem}`);
      return { ...base, status: 'passed', headline: `${plural(report.tests, 'test')} passed`, findings: [] };
    case 1:
      if (!report) return toolError('pytest', run, `exited 1 and ${junitProblem}`);
      if (problems.length === 0) return errorWith('exited 1 but its report has no failed test');
      return {
        ...base,
        status: 'findings',
        headline: `${problems.length} of ${plural(report.tests, 'test')} failed`,
        findings,
        failedTests,
      };
    case 2: {
      const collection = problems.filter((c) => /collection failure/i.test(c.message)).length;
      return errorWith(
        collection > 0
          ? `could not collect the tests (${plural(collection, 'collection error')}): nothing was run to completion`
          : 'was interrupted before the run completed',
      );
    }
    case 3:
      return errorWith('hit an internal error (a crashing plugin or conftest hook)');
    case 4:
      return errorWith('could not start the run (bad arguments, or a conftest.py that fails to import)');
    case 5:
      if (ctx.allowNoTests) return { ...base, status: 'passed', headline: NO_TESTS_ALLOWED, findings: [] };
      return errorWith('collected no tests (set allow-no-tests: true if that is expected)');
    default:
      return errorWith(`exited ${run.exitCode}`);
  }
}
