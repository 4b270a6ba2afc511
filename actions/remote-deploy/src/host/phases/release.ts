import * as core from '@actions/core';
import { errorMessage } from '@deploy-kit/shared';
import { compose, release, releaseLog } from '../../commands';
import { formatRecord, type ReleaseRecord } from '../../model/release-log';
import type { Host } from '../host';

/** The steps that run the new release: hooks, one-off containers, the switch, the release log. */

/** The pre or post hook: the user's script in the release dir (sent on stdin). */
export async function hook(
  host: Host,
  which: 'pre-hook' | 'post-hook',
  text: string,
  version: string,
): Promise<void> {
  if (text.trim() === '') return;
  await host.session.step(which, async () => {
    const script = release.hook(
      host.releases.dir(version),
      host.spec.host,
      version,
      host.state.previous,
      text,
    );
    await host.session.run(`the ${which}`, script);
  });
}

/** A one-off container of the release's image of `service` (migrations, collectstatic). */
export interface OneOff {
  /** The step's name in the timeline ('migrate', 'static'). */
  step: string;
  /** What it is called in the log and in a failure. */
  what: string;
  command: readonly string[];
  service: string;
  /** The service runs with network_mode: host (the one-off does too). */
  hostNetwork: boolean;
}

export async function oneOff(host: Host, version: string, job: OneOff): Promise<void> {
  if (job.command.length === 0) return;
  await host.session.step(job.step, async () => {
    const argv = compose.oneOff(host.releases.project(version), job.service, job.command, job.hostNetwork);
    host.session.log(`${job.what}: ${argv.join(' ')}`);
    await host.session.run(job.what, host.releases.inRelease(version, argv));
  });
}

/** `compose up -d` of the new release; the host counts as switched from the moment up starts. */
export async function switchTo(host: Host, version: string, services: readonly string[]): Promise<void> {
  await host.session.step('switch', async () => {
    host.state.markSwitched();
    await host.releases.up(version, services);
    host.session.log(`switched to ${version}`);
  });
}

/** What a release record says besides the outcome. */
export interface RecordDetails {
  version: string;
  images: Record<string, string>;
  detail?: string;
}

/** Append the outcome to the host's release log. Never throws: it warns. */
export async function record(
  host: Host,
  outcome: ReleaseRecord['outcome'],
  details: RecordDetails,
): Promise<void> {
  if (host.session.isCancelled) return; // the grace time goes to rolling back and unlocking
  const { ctx } = host;
  try {
    await host.session.step('record', async () => {
      const entry: ReleaseRecord = {
        time: new Date().toISOString(),
        host: host.name,
        version: details.version,
        previous: host.state.previous || null,
        images: details.images,
        actor: ctx.actor,
        run: `${ctx.repository}#${ctx.run}`,
        outcome,
        ...(details.detail ? { detail: details.detail.split('\n')[0]?.slice(0, 300) } : {}),
        ...(host.state.migrations ? { migrations: host.state.migrations } : {}),
      };
      await host.session.run(
        'appending to the release log',
        releaseLog.append(host.layout.releaseLog, formatRecord(entry)),
        true,
      );
    });
  } catch (error) {
    core.warning(`${host.name}: could not append to the release log: ${errorMessage(error)}`);
  }
}
