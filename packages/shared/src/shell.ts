import { quote } from 'shell-quote';

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
