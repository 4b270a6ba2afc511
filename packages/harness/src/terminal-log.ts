/**
 * An action's log rendered for a terminal, as it streams: the workflow commands the runner would
 * act on become what a person reads at a prompt.
 *
 *   ::group::Title                     → `==> Title`
 *   ::endgroup::                       → nothing
 *   ::error file=a.py,line=3::msg      → `error: a.py:3: msg` (warning, notice alike; col and title kept)
 *   ::debug::msg                       → nothing, or `debug: msg` with --debug
 *   ::add-mask::value                  → nothing; the value is masked in every later line
 *   ::stop-commands::T ... ::T::       → the lines between are printed as they are (masked)
 *   ::set-output / save-state / echo / add-matcher / remove-matcher → nothing (runner bookkeeping)
 *
 * Every line is masked the way the runner masks it: each registered value, wherever it occurs in
 * the line (overlapping matches merged into one ***); stdout and stderr share one set of masks.
 */
import { parseWorkflowCommandLine } from './commands';
import { maskLine } from './mask-log';

/** Registered secret values, applied to each rendered line. */
export class MaskSet {
  private values: string[] = [];

  add(value: string): void {
    if (value.trim() !== '' && !this.values.includes(value)) this.values.push(value);
  }

  get size(): number {
    return this.values.length;
  }

  /** Every occurrence of every value marked, each run of marked characters replaced by one *** (as the runner). */
  apply(text: string): string {
    return maskLine(text, this.values);
  }
}

export interface TerminalLogOptions {
  /** Show ::debug:: lines (as `debug: ...`). */
  debug?: boolean;
  /** Masks shared with another stream's renderer (stdout and stderr). */
  masks?: MaskSet;
}

/** Commands the runner consumes without showing anything. */
const SILENT = new Set([
  'endgroup',
  'set-output',
  'save-state',
  'set-env',
  'add-path',
  'echo',
  'add-matcher',
  'remove-matcher',
]);

/** A multi-line message with its continuation lines indented under the first. */
function indented(text: string): string {
  return text.replace(/\r?\n/g, '\n  ');
}

/** `level: file:line:col: title: message`, each part already masked. */
function annotation(level: string, properties: Record<string, string>, message: string): string {
  const { file, line, col, title } = properties;
  let where = '';
  if (file) where = `${file}${line ? `:${line}` : ''}${line && col ? `:${col}` : ''}: `;
  else if (line) where = `line ${line}: `;
  return `${level}: ${where}${title ? `${title}: ` : ''}${indented(message)}`;
}

export class TerminalLog {
  readonly masks: MaskSet;
  private readonly debug: boolean;
  private partial = '';
  /** Set by ::stop-commands::TOKEN: commands are plain text until ::TOKEN::. */
  private stopToken: string | undefined;

  constructor(options: TerminalLogOptions = {}) {
    this.masks = options.masks ?? new MaskSet();
    this.debug = options.debug ?? false;
  }

  /** Render the complete lines of a chunk; an unfinished last line waits for the next chunk. */
  push(chunk: string): string {
    const text = this.partial + chunk;
    const cut = text.lastIndexOf('\n');
    if (cut === -1) {
      this.partial = text;
      return '';
    }
    this.partial = text.slice(cut + 1);
    return text
      .slice(0, cut)
      .split('\n')
      .map((line) => this.line(line))
      .filter((line): line is string => line !== undefined)
      .map((line) => `${line}\n`)
      .join('');
  }

  /** Render what is left of an unfinished last line (no newline added). */
  flush(): string {
    const rest = this.partial;
    this.partial = '';
    if (rest === '') return '';
    return this.line(rest) ?? '';
  }

  /** One line of the log as the terminal shows it, or undefined when it shows nothing. */
  line(raw: string): string | undefined {
    const text = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (this.stopToken !== undefined) {
      if (text === `::${this.stopToken}::`) {
        this.stopToken = undefined;
        return undefined;
      }
      return this.masks.apply(text);
    }
    const command = parseWorkflowCommandLine(text);
    if (!command) return this.masks.apply(text);
    const { command: name, properties, data } = command;
    if (name === 'add-mask') {
      this.masks.add(data);
      return undefined;
    }
    if (name === 'stop-commands') {
      this.stopToken = data;
      return undefined;
    }
    if (SILENT.has(name)) return undefined;
    // Masked before formatting, so a registered multi-line value still matches across its lines.
    const mask = (value: string): string => this.masks.apply(value);
    if (name === 'group') return `==> ${mask(data)}`;
    if (name === 'debug') return this.debug ? `debug: ${indented(mask(data))}` : undefined;
    if (name === 'error' || name === 'warning' || name === 'notice') {
      const masked = Object.fromEntries(Object.entries(properties).map(([k, v]) => [k, mask(v)]));
      return annotation(name, masked, mask(data));
    }
    return mask(text);
  }
}
