import { quote } from 'shell-quote';

/**
 * A remote script and its arguments, side by side: the text is constant (sent on stdin to
 * `bash -euo pipefail -s`, or `sh -eu -s`), every value reaches it as a quoted positional
 * argument ($1, $2, ...). Secrets are never arguments: they travel as SFTP-uploaded files or
 * on a command's stdin.
 */
export interface RemoteScript {
  script: string;
  args: string[];
}

/** Script text made of parts, one after the other (instead of splicing text into text). */
export function joinScript(...parts: readonly string[]): string {
  return parts.map((p) => p.replace(/^\n+|\n+$/g, '')).join('\n') + '\n';
}

/** `NAME='value'`: a constant of ours as a shell assignment, quoted by shell-quote. */
export function assign(name: string, value: string): string {
  if (!/^[A-Z_][A-Z0-9_]*$/.test(name)) throw new Error(`not a shell variable name: ${name}`);
  return name + '=' + quote([value]);
}
