import * as core from '@actions/core';
import { errorMessage } from '@deploy-kit/shared';
import { images } from '../commands';
import { StepFailed } from '../model/errors';
import type { HostSession } from './session';

/**
 * The registry credentials on one host: a per-deploy DOCKER_CONFIG made at login and removed
 * after the pull (and again, a no-op by then, on rollback, failure and cancel).
 */
export class HostCredentials {
  private dir?: string;

  constructor(private readonly session: HostSession) {}

  /** From login on, registry commands use this private DOCKER_CONFIG (see commands/images.ts). */
  use(dir: string): void {
    if (!/^\/.+\/docker-config\.[A-Za-z0-9]+$/.test(dir))
      throw new StepFailed(`could not make a private docker config on ${this.session.name} (got '${dir}')`);
    this.dir = dir;
  }

  /** argv run with the per-deploy DOCKER_CONFIG, when there is one. */
  wrap(argv: readonly string[]): string[] {
    return images.withDockerConfig(this.dir, argv);
  }

  /** Remove the per-deploy docker config and the credentials in it. Never throws: it warns. */
  async drop(): Promise<void> {
    const dir = this.dir;
    if (!dir) return;
    try {
      await this.session.run('removing the per-deploy docker config', images.removeDockerConfig(dir), true);
      this.dir = undefined;
    } catch (error) {
      core.warning(
        `${this.session.name}: could not remove the per-deploy docker config ${dir} (it holds registry credentials; remove it by hand): ${errorMessage(error)}`,
      );
    }
  }
}
