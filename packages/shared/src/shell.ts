import { parse, quote } from 'shell-quote';
import { InputError } from './errors';

/**
 * Build a remote command line from argv. Every argument is quoted by a library;
 * callers never concatenate input into shell text. Secrets never belong here:
 * they travel over SFTP or stdin.
 */
export function shellCommand(argv: readonly string[]): string {
  if (argv.length === 0) throw new Error('shellCommand needs at least the program name');
  for (const arg of argv) {
    if (arg.includes('\0')) throw new Error('a shell argument cannot contain a NUL byte');
  }
  return quote([...argv]);
}

/**
 * Split one command line into argv the way a shell would split its words (quotes, escapes),
 * without a shell: `$NAME` stays literal text, and operators (`;`, `|`, `&&`, redirections),
 * globs and comments are refused with a sentence naming the input. The one parser for every
 * input that takes "a command with arguments" (lint-gate's pytest-args, remote-deploy's commands).
 */
export function splitShellWords(inputName: string, text: string): string[] {
  if (text.trim() === '') return [];
  const words: string[] = [];
  for (const part of parse(text, (name) => `$${name}`)) {
    if (typeof part !== 'string')
      throw new InputError(
        `'${inputName}' must be one command with plain arguments (quoted as in a shell); shell operators, redirections and globs (${JSON.stringify(part)}) are not allowed.`,
      );
    words.push(part);
  }
  return words;
}
