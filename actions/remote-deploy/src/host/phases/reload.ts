import { describeExit, execSucceeded } from '@deploy-kit/shared/ssh';
import { compose, nginx as nginxCmd, type RemoteScript } from '../../commands';
import { StepFailed } from '../../model/errors';
import type { Host } from '../host';
import { nginxFailureMessage, type NginxMode } from '../../model/nginx-failure';

/**
 * After the health gate: `nginx -t` first (a bad configuration fails the host before anything
 * is signalled), then SIGHUP to hup-services (Gunicorn starts new workers that load the live
 * release, the master stays), then nginx reloads. `what` limits it to the parts a rollback must
 * redo: a reloaded process does not go back by itself when `up` leaves its container running.
 */
export interface ReloadSettings {
  hupServices: readonly string[];
  /** 'none', 'host', or the service running nginx. */
  nginxReload: string;
  commandTimeoutMs: number;
}

/** Whether anything is reloaded after the switch. */
export function hasReloads(settings: Pick<ReloadSettings, 'hupServices' | 'nginxReload'>): boolean {
  return settings.hupServices.length > 0 || settings.nginxReload !== 'none';
}

export async function reloadHost(
  host: Host,
  version: string,
  settings: ReloadSettings,
  prefix = '',
  what = { hup: true, nginx: true },
): Promise<void> {
  const { session, state } = host;
  const services = settings.hupServices;
  const hup = what.hup && services.length > 0;
  const nginx = what.nginx && settings.nginxReload !== 'none';
  if (nginx) await session.step(`${prefix}nginx-test`, () => runNginx(host, 'test', version, settings));
  if (hup)
    await session.step(`${prefix}hup`, async () => {
      state.markReloaded('hup');
      await session.run(
        `SIGHUP to ${services.join(', ')}`,
        host.releases.compose(version, (p) => compose.hup(p, services)),
      );
      session.log(`SIGHUP sent to ${services.join(', ')}`);
    });
  if (nginx)
    await session.step(`${prefix}nginx-reload`, async () => {
      await runNginx(host, 'reload', version, settings);
      state.markReloaded('nginx');
    });
}

/** The nginx -t or reload command: on the host, or inside the nginx-reload service. */
export function nginxCommand(host: Host, mode: NginxMode, version: string, target: string): RemoteScript {
  return target === 'host'
    ? nginxCmd.onHost(mode)
    : host.releases.compose(version, (p) => compose.exec(p, target, nginxCmd.inContainer(mode)));
}

/** nginx -t or reload; a failure throws StepFailed with the sentence from reload.ts. */
async function runNginx(
  host: Host,
  mode: NginxMode,
  version: string,
  settings: ReloadSettings,
): Promise<void> {
  const target = settings.nginxReload;
  const { session } = host;
  const shell = await session.shell();
  const command = nginxCommand(host, mode, version, target);
  const r = await shell.script(command.script, command.args, { timeoutMs: settings.commandTimeoutMs });
  const output = session.tail(r, 20);
  if (execSucceeded(r)) {
    if (output !== '') session.log(output);
    return;
  }
  // nginx tells why a reload did not take only in its own log: the container's output.
  let serviceLog: string | undefined;
  if (r.exitCode === 4 && target !== 'host') {
    const logs = host.releases.compose(version, (p) => compose.logs(p, target, 20));
    serviceLog = session.tail(await shell.script(logs.script, logs.args, { timeoutMs: 60_000 }), 20);
  }
  throw new StepFailed(
    nginxFailureMessage({
      mode,
      target,
      host: host.name,
      user: host.spec.user,
      exitCode: r.exitCode,
      exit: describeExit(r),
      output,
      serviceLog,
    }),
  );
}
