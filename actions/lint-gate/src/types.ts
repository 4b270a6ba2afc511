/** The vocabulary every lint-gate module shares. */

export const TOOL_NAMES = ['black', 'flake8', 'ruff', 'ruff-format', 'pytest'] as const;
export type ToolName = (typeof TOOL_NAMES)[number];

/** A gate is a tool, or one of the coverage rules computed from pytest's coverage JSON. */
export type GateName = ToolName | 'coverage' | 'diff-coverage';

/**
 * passed: ran to completion, nothing to report. findings: ran to completion and
 * the code failed the policy. error: could not run or did not complete, so
 * nothing can be said about the code (never reported as passed).
 */
export type Status = 'passed' | 'findings' | 'error';

export type Level = 'error' | 'warning' | 'notice';

export interface Finding {
  tool: GateName;
  level: Level;
  /** Absolute path of the file. */
  file: string;
  line?: number;
  col?: number;
  endLine?: number;
  /** Rule code (F401, E501) when the tool has one. */
  code?: string;
  title: string;
  message: string;
}

export interface FailedTest {
  id: string;
  file?: string;
  line?: number;
  message: string;
  /** The traceback pytest wrote into the JUnit report (trimmed in the summary). */
  details: string;
}

export interface GateReport {
  gate: GateName;
  status: Status;
  /** One clause for the failure sentence and the summary ("2 files would be reformatted"). */
  headline: string;
  findings: Finding[];
  counts: Record<string, number>;
  version?: string;
  durationMs?: number;
  /** For errors: what went wrong and the tail of the tool's output. */
  output?: string;
  /** Unified diff (black, ruff format). */
  diff?: string;
  failedTests?: FailedTest[];
  command?: string[];
}
