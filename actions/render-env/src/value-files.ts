import * as fs from 'node:fs';
import * as path from 'node:path';
import { InputError, resolveInWorkspace, workspaceRoot } from '@deploy-kit/shared';

/**
 * Which files a `vars-files` / `vault-files` entry stands for: a file, or an Ansible group_vars
 * directory (all/ then the environment's group), with {environment} replaced; every file resolved
 * from the working directory and kept inside the workspace, symlinks included.
 */

export function displayPath(file: string): string {
  const rel = path.relative(fs.realpathSync(workspaceRoot()), file);
  return rel.split(path.sep).join('/');
}

const ENVIRONMENT_PLACEHOLDER = '{environment}';

export function expandEnvironment(inputName: string, pattern: string, environment: string): string {
  if (!pattern.includes(ENVIRONMENT_PLACEHOLDER)) return pattern;
  if (environment === '')
    throw new InputError(`'${inputName}' entry '${pattern}' uses {environment} but 'environment' is empty.`);
  return pattern.split(ENVIRONMENT_PLACEHOLDER).join(environment);
}

const VALUE_FILE = /\.(ya?ml|json)$/i;

function filesIn(dir: string): string[] {
  return (
    fs
      .readdirSync(dir)
      .filter((name) => !name.startsWith('.') && VALUE_FILE.test(name))
      .map((name) => path.join(dir, name))
      // statSync follows symlinks, so a linked file is listed and then checked against the workspace.
      .filter((file) => (fs.existsSync(file) ? fs.statSync(file).isFile() : true))
      .sort()
  );
}

/** `<dir>/<group>.yml|.yaml|.json` and/or `<dir>/<group>/*`, as Ansible reads group_vars. */
function groupFiles(dir: string, group: string): string[] {
  const found: string[] = [];
  for (const ext of ['', '.yml', '.yaml', '.json']) {
    const candidate = path.join(dir, group + ext);
    if (!fs.existsSync(candidate)) continue;
    const stat = fs.statSync(candidate);
    if (ext === '' && stat.isDirectory()) found.push(...filesIn(candidate));
    else if (ext !== '' && stat.isFile()) found.push(candidate);
  }
  return found;
}

/**
 * The files one `vars-files` / `vault-files` entry stands for. A file is itself;
 * a directory is an Ansible group_vars layout: all first, then the environment's
 * group. A missing file, or a directory with nothing for the environment, is an
 * error: it almost always means a typo in the path or the environment name.
 */
export function expandEntry(
  inputName: string,
  entry: string,
  environment: string,
  workingDirectory: string = workspaceRoot(),
): string[] {
  const expanded = expandEnvironment(inputName, entry, environment);
  const resolved = resolveInWorkspace(inputName, expanded, workingDirectory);
  if (!fs.existsSync(resolved))
    throw new InputError(`'${inputName}' entry '${expanded}' does not exist in the working directory.`);
  const stat = fs.statSync(resolved);
  if (stat.isFile()) return [resolved];
  if (!stat.isDirectory())
    throw new InputError(`'${inputName}' entry '${expanded}' is not a file or directory.`);
  if (environment === '')
    throw new InputError(
      `'${inputName}' entry '${expanded}' is a group_vars directory, which needs 'environment' to pick a group.`,
    );
  const own = groupFiles(resolved, environment);
  if (own.length === 0)
    throw new InputError(
      `'${inputName}' directory '${expanded}' has no ${environment}.yml or ${environment}/ for environment '${environment}'.`,
    );
  const all = environment === 'all' ? [] : groupFiles(resolved, 'all');
  // Every file must still be inside the workspace once symlinks inside the directory are followed.
  return [...all, ...own].map((file) => resolveInWorkspace(inputName, file));
}
