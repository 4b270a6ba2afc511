import * as path from 'node:path';
import type { SFTPWrapper } from 'ssh2';
import { ToolError } from './errors';

/**
 * Upload atomically over SFTP: write a temp file next to the target with mode 0600,
 * then rename over it (posix-rename@openssh.com), so a reader never sees half a file.
 * `name` labels the host in messages.
 */
export async function uploadAtomically(
  sftp: SFTPWrapper,
  name: string,
  remotePath: string,
  content: string | Buffer,
  mode: number,
): Promise<void> {
  const tmp = path.posix.join(
    path.posix.dirname(remotePath),
    `.${path.posix.basename(remotePath)}.${process.pid}.${Date.now()}.${Math.random().toString(36).slice(2)}.tmp`,
  );
  const call = sftpCall(name);
  const handle = await call<Buffer>(`open ${tmp}`, (cb) => sftp.open(tmp, 'wx', { mode }, cb));
  try {
    const data = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
    let offset = 0;
    while (offset < data.length) {
      const length = Math.min(32 * 1024, data.length - offset);
      await call(`write ${tmp}`, (cb) => sftp.write(handle, data, offset, length, offset, cb));
      offset += length;
    }
    await call(`chmod ${tmp}`, (cb) => sftp.fchmod(handle, mode, cb));
  } finally {
    await call('close', (cb) => sftp.close(handle, cb)).catch(() => undefined);
  }
  try {
    await call(`rename ${tmp} to ${remotePath}`, (cb) => sftp.ext_openssh_rename(tmp, remotePath, cb));
  } catch (error) {
    await call('cleanup', (cb) => sftp.unlink(tmp, cb)).catch(() => undefined);
    throw error;
  }
}

/** One SFTP request as a promise; its failure is a ToolError naming the step and the host. */
function sftpCall(name: string) {
  return <T>(
    what: string,
    fn: (cb: (error: Error | null | undefined, value?: T) => void) => void,
  ): Promise<T> =>
    new Promise<T>((resolve, reject) =>
      fn((error, value) =>
        error
          ? reject(new ToolError(`SFTP ${what} failed on ${name}: ${error.message}`, { cause: error }))
          : resolve(value as T),
      ),
    );
}
