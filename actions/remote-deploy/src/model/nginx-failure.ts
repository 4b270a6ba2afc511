/**
 * The reload step's decisions and sentences (pure): what `nginx-reload` means, and how a
 * failed nginx test or reload is told, from the exit code and output of the remote scripts
 * NGINX_HOST / NGINX_CONTAINER.
 */

export type NginxMode = 'test' | 'reload';

// eslint-disable-next-line no-control-regex
const ANSI_ESCAPE = /\x1b\[[0-9;?]*[A-Za-z]/g;

/**
 * One nginx message as `nginx: [level] text`, whether nginx wrote it to the terminal or, with
 * `-e stderr` / `error_log stderr`, in log form (`2026/01/02 03:04:05 [emerg] 7#7: text`), and
 * with the `service_1  | ` (v1) or `service-1  | ` (v2) prefix of `compose logs` and terminal codes removed.
 */
export function normaliseNginxLine(line: string): string {
  return line
    .replace(ANSI_ESCAPE, '') // Compose v2 writes erase-line codes into logs even with --no-color
    .trim()
    .replace(/^[\w.-]+\s+\|\s?/, '')
    .replace(/^\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d (\[\w+\]) \d+#\d+: (?:\*\d+ )?/, 'nginx: $1 ');
}

/**
 * The first line nginx printed at error level or worse (`nginx -t` stops at the first), else the
 * last non-empty line; `last` picks the newest such line instead (a log with older entries),
 * passing over "still could not bind()", nginx's summary after the line that names the address.
 */
export function nginxErrorLine(output: string, which: 'first' | 'last' = 'first'): string {
  const lines = output
    .split(/\r?\n/)
    .map(normaliseNginxLine)
    .filter((l) => l !== '');
  const errors = lines.filter((l) => /\[(emerg|alert|crit|error)\]/.test(l));
  const newest = errors.filter((l) => !/still could not bind\(\)/.test(l));
  const found = which === 'first' ? errors[0] : (newest[newest.length - 1] ?? errors[errors.length - 1]);
  return found ?? lines[lines.length - 1] ?? '';
}

export interface NginxFailure {
  mode: NginxMode;
  /** 'host', or the Compose service running nginx. */
  target: string;
  /** Host label for the sentence. */
  host: string;
  /** Login user on that host. */
  user: string;
  exitCode: number | null;
  /** stdout and stderr of the script, as printed (already redacted). */
  output: string;
  /** How the script ended when it was not an exit code (timeout, signal, lost connection). */
  exit: string;
  /** The nginx service's recent log, read when a reload started no new worker. */
  serviceLog?: string;
}

/** One sentence saying what failed and what to do. */
export function nginxFailureMessage(f: NginxFailure): string {
  const where = f.target === 'host' ? `on ${f.host}` : `in service ${f.target} on ${f.host}`;
  const marker = /^(NO-NGINX|NEEDS-ROOT|NO-MASTER|NO-NEW-WORKER)\b(.*)$/m.exec(f.output);
  if (f.exitCode === 3 && marker?.[1] === 'NO-NGINX')
    return `nginx-reload: host, but nginx is not installed on ${f.host}; install it there, or set nginx-reload to the service that runs nginx`;
  if (f.exitCode === 3 && marker?.[1] === 'NEEDS-ROOT') {
    const [why, nginx = 'nginx'] = (marker[2] ?? '').trim().split(/\s+/);
    const rule = `"${f.user} ALL=(root) NOPASSWD: ${nginx} -t, ${nginx} -s reload"`;
    const reason =
      why === 'no-sudo'
        ? 'sudo is not installed'
        : `sudo -n refuses "${nginx} ${f.mode === 'test' ? '-t' : '-s reload'}" (it would ask for a password)`;
    return `nginx-reload: host needs root on ${f.host}: ${f.user} is not root and ${reason}, so it can neither test nor signal the host's nginx; add a sudoers rule such as ${rule}, or run nginx in a container and set nginx-reload to its service name`;
  }
  if (f.exitCode === 3 && marker?.[1] === 'NO-MASTER')
    return `nginx-reload: no nginx master process runs in service ${f.target} on ${f.host}; set nginx-reload to the service that runs nginx`;
  if (f.exitCode === 4 && marker?.[1] === 'NO-NEW-WORKER') {
    const logged = f.serviceLog ? nginxErrorLine(f.serviceLog, 'last') : '';
    return `nginx ${where} started no new worker within 10s of SIGHUP, so it kept its previous configuration: ${logged ? `its log says ${logged}` : 'its error log says why (e.g. a port it cannot bind)'}`;
  }
  const line = nginxErrorLine(f.output.replace(/^nginx master \d+: nginx -t.*$/m, ''));
  const status = f.exitCode === null ? f.exit : `exit ${f.exitCode}`;
  if (f.mode === 'test')
    return `nginx -t failed ${where} (${status}): ${line || 'no output'}; nginx keeps running its previous configuration, fix the configuration and deploy again`;
  return `nginx -s reload failed ${where} (${status}): ${line || 'no output'}`;
}
