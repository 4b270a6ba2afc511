import * as fs from 'node:fs';
import * as path from 'node:path';
import { affectsVersion, loadOsvRecords, osvDataDir } from '@deploy-kit/harness';

/** The stand-in's own matching must agree with the record set's README, or every pip-audit test built on it is wrong. */
const pins = (file: string): [string, string][] =>
  fs
    .readFileSync(path.join(osvDataDir(), file), 'utf8')
    .split('\n')
    .filter((l) => l.includes('=='))
    .map((l) => l.trim().split('==') as [string, string]);

describe('OSV stand-in matching', () => {
  const records = loadOsvRecords();

  it('matches 28 live records and the withdrawn one for the vulnerable pins, none for the clean pins', () => {
    const hit = (file: string): string[] =>
      [...records.values()]
        .filter((r) => pins(file).some(([n, v]) => affectsVersion(r, n, v)))
        .map((r) => r.id);
    const vulnerable = hit('requirements-vulnerable.txt');
    expect(vulnerable).toHaveLength(29);
    expect(vulnerable).toContain('PYSEC-2023-73');
    expect(vulnerable).not.toEqual(expect.arrayContaining(['GHSA-v6rh-hp5x-86rv', 'GHSA-9jmf-237g-qf46']));
    expect(hit('requirements-clean.txt')).toEqual([]);
  });

  it('normalises names and reads unordered PYSEC ranges', () => {
    const pysec = records.get('PYSEC-2022-190')!;
    expect(affectsVersion(pysec, 'DJANGO', '3.2.12')).toBe(true);
    expect(affectsVersion(pysec, 'django', '3.2.13')).toBe(false);
    expect(affectsVersion(pysec, 'django', '4.0.3')).toBe(true);
    expect(affectsVersion(pysec, 'flask', '3.2.12')).toBe(false);
  });
});
