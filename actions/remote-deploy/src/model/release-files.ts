import * as fs from 'node:fs';
import * as path from 'node:path';
import { InputError, resolveInWorkspace, workspaceRoot } from '@deploy-kit/shared';
import { ENV_FILE_NAME, IMAGES_FILE_NAME } from './layout';

/**
 * Where a workspace file lives in a release dir: its path relative to the workspace, so a
 * Compose file in a subdirectory keeps its relative paths (`env_file: ../.env`,
 * `./nginx/nginx.conf:/etc/nginx/nginx.conf:ro`) exactly as they resolve in the repository.
 */

/** A release path: relative, '/'-separated, plain segments (no '.', '..', leading '-', spaces or quotes). */
const SEGMENT = /^[A-Za-z0-9_@+][A-Za-z0-9_.@+-]*$/;

/** Names the release dir holds for deploy-kit itself: no shipped file may take them. */
export const RESERVED = new Set([ENV_FILE_NAME, IMAGES_FILE_NAME, 'files']);

export function isReleasePath(rel: string): boolean {
  return rel.split('/').every((s) => SEGMENT.test(s) && s !== '.' && s !== '..');
}

/** The release path of a file given in `input` (already resolved inside the workspace). */
export function releasePath(input: string, given: string, file: string): string {
  const rel = path.relative(fs.realpathSync(workspaceRoot()), file).split(path.sep).join('/');
  if (!isReleasePath(rel))
    throw new InputError(
      `'${input}' entry ${given} must be a workspace path of letters, digits and _ . @ + - segments (no leading '-', '.' or '..'), got '${rel}'.`,
    );
  if (RESERVED.has(rel))
    throw new InputError(`'${input}' entry ${given} would replace the release's own ${rel}; rename it.`);
  return rel;
}

/**
 * A path input's entry, relative to `working-directory` (absolute: the resolved working
 * directory), which must stay inside the workspace.
 */
export function resolveIn(workingDir: string, input: string, given: string): string {
  return resolveInWorkspace(input, path.resolve(workingDir, given));
}

/** A file shipped with every release: its release path, content and mode. */
export interface ShippedFile {
  name: string;
  content: Buffer;
  mode: number;
}

export const MAX_SHIPPED_FILES = 2000;
export const MAX_SHIPPED_BYTES = 100 * 1024 * 1024;

/**
 * The `files` input: files and directories (walked) shipped into every release dir at their
 * workspace-relative paths. Modes keep the owner's bits and the read/execute bits of group and
 * other (never write: 0644 / 0755 typically), so a container reading a bind mount can. Symlinks
 * inside a directory are refused (one could point outside the workspace).
 */
export function readShippedFiles(entries: readonly string[], workingDir = workspaceRoot()): ShippedFile[] {
  const out = new Map<string, ShippedFile>();
  let bytes = 0;
  const add = (given: string, file: string): void => {
    const name = releasePath('files', given, file);
    const stat = fs.statSync(file);
    bytes += stat.size;
    if (out.size >= MAX_SHIPPED_FILES || bytes > MAX_SHIPPED_BYTES)
      throw new InputError(
        `'files' ships more than ${MAX_SHIPPED_FILES} files or ${MAX_SHIPPED_BYTES / 1024 / 1024} MiB; ship configuration, not the application (that belongs in the image).`,
      );
    out.set(name, { name, content: fs.readFileSync(file), mode: stat.mode & 0o755 });
  };
  const walk = (given: string, dir: string): void => {
    for (const entry of fs
      .readdirSync(dir, { withFileTypes: true })
      .sort((a, b) => a.name.localeCompare(b.name))) {
      const full = path.join(dir, entry.name);
      if (entry.isSymbolicLink())
        throw new InputError(`'files' entry ${given} holds a symlink (${entry.name}); ship the file itself.`);
      if (entry.isDirectory()) walk(given, full);
      else if (entry.isFile()) add(given, full);
    }
  };
  for (const given of entries) {
    const file = resolveIn(workingDir, 'files', given);
    if (!fs.existsSync(file)) throw new InputError(`'files' entry ${given} does not exist in the workspace.`);
    if (fs.statSync(file).isDirectory()) walk(given, file);
    else add(given, file);
  }
  return [...out.values()];
}

/** The directories (release-relative) the files need, parents first. */
export function parentDirs(names: readonly string[]): string[] {
  const dirs = new Set<string>();
  for (const name of names) {
    const parts = name.split('/').slice(0, -1);
    for (let i = 1; i <= parts.length; i++) dirs.add(parts.slice(0, i).join('/'));
  }
  return [...dirs].sort((a, b) => a.split('/').length - b.split('/').length || a.localeCompare(b));
}
