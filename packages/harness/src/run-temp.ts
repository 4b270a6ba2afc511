import * as fs from 'node:fs';

/**
 * The temp folders a run makes (RUNNER_TEMP, and a workspace when none is given): deleted when
 * the run ends ('after-run'), or kept for the caller to read and deleted when this process exits
 * (or by removeRunTemps). Registered for the exit as soon as they exist, so a run that throws or
 * a process that exits mid-run leaves nothing either.
 */

/** Temp folders made by runs whose results may still be read: deleted when this process exits. */
const removeAtExit = new Set<string>();
/** Temp folders of runs still going: never deleted under them (but at exit, yes). */
const inUse = new Set<string>();
let exitHook = false;

function removeTempDirs(dirs: Iterable<string>): void {
  for (const dir of [...dirs]) {
    try {
      fs.rmSync(dir, { recursive: true, force: true, maxRetries: 2 });
    } catch {
      // best effort: a file held open elsewhere
    }
    removeAtExit.delete(dir);
  }
}

/**
 * Delete now the temp folders of every finished run whose results were kept ('at-exit'): for a
 * test file's afterAll (jest's sandboxed `process` never reports this process's exit).
 */
export function removeRunTemps(): void {
  removeTempDirs([...removeAtExit].filter((dir) => !inUse.has(dir)));
}

function deleteAtExit(dirs: readonly string[]): void {
  for (const dir of dirs) removeAtExit.add(dir);
  if (exitHook) return;
  exitHook = true;
  process.on('exit', () => removeTempDirs(removeAtExit));
}

/** Hold a run's temp folders while it runs; the returned function releases them (and deletes them at once if asked). */
export function holdTemps(dirs: readonly string[]): (removeNow: boolean) => void {
  deleteAtExit(dirs);
  for (const dir of dirs) inUse.add(dir);
  return (removeNow) => {
    for (const dir of dirs) inUse.delete(dir);
    if (removeNow) removeTempDirs(dirs);
  };
}
