import * as fs from 'node:fs';
import * as core from '@actions/core';
import { Docker } from './docker';
import { STATE } from './session';

/** Post step: log out of the registry and remove the private DOCKER_CONFIG and any secret files. */
export async function post(): Promise<void> {
  const config = core.getState(STATE.dockerConfig);
  const registry = core.getState(STATE.registry);
  if (config && fs.existsSync(config)) {
    if (registry) {
      const docker = new Docker('docker', { DOCKER_CONFIG: config });
      const result = await docker.run(['logout', registry]);
      core.info(
        result.exitCode === 0
          ? `Logged out of ${registry}.`
          : `docker logout ${registry} failed; removing the credentials anyway.`,
      );
    }
    fs.rmSync(config, { recursive: true, force: true });
    core.info('Removed the private Docker config.');
  }
  const secrets = core.getState(STATE.secretDir);
  if (secrets) fs.rmSync(secrets, { recursive: true, force: true });
}
