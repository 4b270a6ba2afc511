/**
 * The environment for a third-party process (black, pytest, pip-audit, docker, git, ...).
 * The runner's file-command variables are left out: a tool that knows them (black does, when it
 * runs as its own GitHub Action) would otherwise append to this step's outputs, env, path or
 * summary. Everything else passes through.
 */
export const RUNNER_FILE_COMMANDS = [
  'GITHUB_OUTPUT',
  'GITHUB_ENV',
  'GITHUB_PATH',
  'GITHUB_STATE',
  'GITHUB_STEP_SUMMARY',
] as const;

export function toolEnv(
  env: NodeJS.ProcessEnv = process.env,
  extra: Record<string, string | undefined> = {},
): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = { ...env, ...extra };
  for (const name of RUNNER_FILE_COMMANDS) delete out[name];
  return out;
}
