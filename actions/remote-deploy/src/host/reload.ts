import { describeExit, execSucceeded } from '@deploy-kit/shared/ssh';
import { compose, nginx as nginxCmd, type RemoteScript } from '../commands';
import { StepFailed } from '../model/errors';
import type { HostCore } from './core';
import { nginxFailureMessage, type NginxMode } from '../model/nginx-failure';

/**
 * After the health gate: `nginx -t` first (a bad configuration fails the host before anything
 * is signalled), then SIGHUP to hup-services (Gunicorn starts new workers that load the live
 * release, the master stays), then nginx reloads. `what` limits it to the parts a rollback must
 * redo: a reloaded process does not go back by itself when `up` leaves its container running.
 */
export async function reloadHost(
  host: HostCore,
  version: string,
  prefix = '',
  what = { hup: true, nginx: true },
): Promise<void> {
  const hup = what.hup && host.inputs.hupServices.length > 0;
  const nginx = what.nginx && host.inputs.nginxReload !== 'none';
  if (nginx) await host.step(`${prefix}nginx-test`, () => runNginx(host, 'test', version));
  if (hup)
    await host.step(`${prefix}hup`, async () => {
      const services = host.inputs.hupServices;
      host.markReloaded('hup');
      await host.run(
        `SIGHUP to ${services.join(', ')}`,
        host.inRelease(version, compose.hup(host.project(version), services)),
      );
      host.log(`SIGHUP sent to ${services.join(', ')}`);
    });
  if (nginx)
    await host.step(`${prefix}nginx-reload`, async () => {
      await runNginx(host, 'reload', version);
      host.markReloaded('nginx');
    });
}

/** The nginx -t or reload command: on the host, or inside the nginx-reload service. */
export function nginxCommand(host: HostCore, mode: NginxMode, version: string): RemoteScript {
  const target = host.inputs.nginxReload;
  return target === 'host'
    ? nginxCmd.onHost(mode)
    : host.inRelease(version, compose.exec(host.project(version), target, nginxCmd.inContainer(mode)));
}

/** nginx -t or reload; a failure throws StepFailed with the sentence from reload.ts. */
async function runNginx(host: HostCore, mode: NginxMode, version: string): Promise<void> {
  const target = host.inputs.nginxReload;
  const shell = await host.shell();
  const command = nginxCommand(host, mode, version);
  const r = await shell.script(command.script, command.args, { timeoutMs: host.inputs.commandTimeoutMs });
  const output = host.tail(r, 20);
  if (execSucceeded(r)) {
    if (output !== '') host.log(output);
    return;
  }
  // nginx tells why a reload did not take only in its own log: the container's output.
  let serviceLog: string | undefined;
  if (r.exitCode === 4 && target !== 'host') {
    const logs = host.inRelease(version, compose.logs(host.project(version), target, 20));
    serviceLog = host.tail(await shell.script(logs.script, logs.args, { timeoutMs: 60_000 }), 20);
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
