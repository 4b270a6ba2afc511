import { randomUUID } from 'node:crypto';
import * as core from '@actions/core';
import type { GateReport } from './types';

/** `pytest: passed, 2 tests passed (1.2 s)`: a gate's outcome in one log line. */
export function outcomeLine(report: GateReport): string {
  const seconds = ((report.durationMs ?? 0) / 1000).toFixed(1);
  return `${report.gate}: ${report.status}, ${report.headline} (${seconds} s)`;
}

/**
 * What the tools print is the project's (a test can print anything): the runner must not take a
 * line of it for a workflow command (::add-mask::, ::error::, ...), so commands are off around it.
 */
function commandsOff(): string {
  const token = randomUUID();
  core.info(`::stop-commands::${token}`);
  return token;
}

function commandsOn(token: string): void {
  core.info(`::${token}::`);
}

/** A group holding a text report (the missing lines per file, coverage.py's own output). */
export function logReport(title: string, text: string): void {
  core.startGroup(title);
  const token = commandsOff();
  core.info(text.trimEnd());
  commandsOn(token);
  core.endGroup();
}

/**
 * The tools' log. pytest's output is streamed into its group as it comes (a test run can take
 * many minutes); every other tool gets its group, with its output, when it finishes. A group
 * cannot hold another, so a tool that finishes while pytest's group is open is logged once that
 * group closes.
 */
export class ToolLog {
  private streamToken: string | undefined;
  private partial = '';
  private readonly pending: (() => void)[] = [];

  /** Open the streamed group: its output follows as `write` receives it. */
  openStream(title: string, command: readonly string[]): void {
    core.startGroup(title);
    core.info(`$ ${command.join(' ')}`);
    this.streamToken = commandsOff();
  }

  /** A chunk of the streamed tool's output; whole lines are logged, a partial one waits for its end. */
  write(chunk: string): void {
    if (this.streamToken === undefined) return;
    const lines = (this.partial + chunk).split('\n');
    this.partial = lines.pop() ?? '';
    for (const line of lines) core.info(line.replace(/\r$/, ''));
  }

  /** Close the streamed group, say how it ended, then log the tools that finished meanwhile. */
  closeStream(report: GateReport): void {
    if (this.streamToken === undefined) return;
    if (this.partial !== '') core.info(this.partial);
    this.partial = '';
    commandsOn(this.streamToken);
    this.streamToken = undefined;
    core.endGroup();
    core.info(outcomeLine(report));
    for (const print of this.pending.splice(0)) print();
  }

  /** A group holding a text report (coverage.py's output). */
  report(title: string, output: string): void {
    logReport(title, output);
  }

  /** A finished tool's group with its output: now, or once the streamed group is closed. */
  finished(report: GateReport, output: string): void {
    const print = (): void => {
      core.startGroup(outcomeLine(report));
      core.info(`$ ${(report.command ?? []).join(' ')}`);
      if (output !== '') {
        const token = commandsOff();
        core.info(output);
        commandsOn(token);
      }
      core.endGroup();
    };
    if (this.streamToken === undefined) print();
    else this.pending.push(print);
  }
}
