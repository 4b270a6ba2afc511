/**
 * Whether a process exists, by signal 0. EPERM means it exists but belongs to another user
 * (the sandbox's servers run as root or postgres), so it counts as alive.
 */
export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
