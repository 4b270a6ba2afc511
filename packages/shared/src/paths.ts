import * as fs from 'node:fs';
import * as path from 'node:path';
import { InputError } from './errors';

export function workspaceRoot(): string {
  return path.resolve(process.env.GITHUB_WORKSPACE || process.cwd());
}

function isInside(root: string, candidate: string): boolean {
  const rel = path.relative(root, candidate);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/** Resolve the deepest existing ancestor through symlinks, so a link cannot lead outside. */
function realpathOfExistingPrefix(target: string): string {
  let current = target;
  const rest: string[] = [];
  while (!fs.existsSync(current)) {
    const parent = path.dirname(current);
    if (parent === current) break;
    rest.unshift(path.basename(current));
    current = parent;
  }
  return path.join(fs.realpathSync(current), ...rest);
}

/**
 * Resolve a path input against the workspace (or `from`, e.g. the action's working directory)
 * and refuse anything that leaves the workspace, symlinks included: templates come from the
 * repository, outputs stay in it. The error quotes the value as the user gave it.
 */
export function resolveInWorkspace(inputName: string, value: string, from?: string): string {
  const root = fs.realpathSync(workspaceRoot());
  const resolved = realpathOfExistingPrefix(path.resolve(root, from ?? '.', value));
  if (!isInside(root, resolved))
    throw new InputError(`'${inputName}' must be a path inside the workspace (${root}), got '${value}'.`);
  return resolved;
}

/** Write a file atomically: a temp file in the same directory, fsync, then rename. */
export function writeFileAtomic(file: string, content: string | Buffer, mode = 0o600): void {
  const dir = path.dirname(file);
  fs.mkdirSync(dir, { recursive: true });
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${Date.now()}.tmp`);
  const fd = fs.openSync(tmp, 'wx', mode);
  try {
    fs.writeSync(fd, typeof content === 'string' ? Buffer.from(content, 'utf8') : content);
    fs.fsyncSync(fd);
  } catch (error) {
    fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
    throw error;
  }
  fs.closeSync(fd);
  try {
    fs.chmodSync(tmp, mode);
    fs.renameSync(tmp, file);
  } catch (error) {
    fs.rmSync(tmp, { force: true });
    throw error;
  }
}

/**
 * The `working-directory` input every action takes (root README, "Conventions"): resolved inside
 * the workspace, and an existing directory, or one sentence saying which it is not. Relative path
 * inputs start there.
 */
export function workingDirectoryInput(value: string): string {
  const dir = resolveInWorkspace('working-directory', value || '.');
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory())
    throw new InputError(
      `'working-directory' must be an existing directory inside the workspace, got '${value}'.`,
    );
  return dir;
}
