import * as fs from 'node:fs';
import * as path from 'node:path';
import { compare, gt, gte, valid } from '@renovatebot/pep440';
import { REPO_ROOT } from './run-action';

/**
 * The OSV stand-in's data: real advisory records (__tests__/fixtures/osv/records, or
 * DEPLOY_KIT_OSV_DIR) and which of them affect a PyPI package at a version, evaluated the way
 * OSV does.
 */

export interface OsvRecord {
  id: string;
  modified: string;
  aliases?: string[];
  withdrawn?: string;
  affected?: {
    package?: { ecosystem?: string; name?: string };
    ranges?: { type: string; events: Record<string, string>[] }[];
    versions?: string[];
  }[];
  [key: string]: unknown;
}

/**
 * The OSV test data: the committed copy in __tests__/fixtures/osv (real public records, with
 * the README that credits their sources as CC-BY asks), so a fresh clone anywhere has it;
 * DEPLOY_KIT_OSV_DIR points elsewhere (e.g. a newer shared/osv).
 */
export function osvDataDir(): string {
  const candidates = [
    process.env.DEPLOY_KIT_OSV_DIR,
    path.join(REPO_ROOT, '__tests__', 'fixtures', 'osv'),
  ].filter((d): d is string => !!d);
  const found = candidates.find((d) => fs.existsSync(path.join(d, 'schema.json')));
  if (!found) throw new Error(`no OSV test data (schema.json) in ${candidates.join(', ')}`);
  return found;
}

/** PEP 503 name normalisation: Django, django and DJANGO are one package. */
export function normalizeName(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, '-');
}

/** OSV's ECOSYSTEM range evaluation for PyPI: events sorted by version, introduced opens, fixed/last_affected close. */
export function affectsVersion(record: OsvRecord, name: string, version: string): boolean {
  if (!valid(version)) return false;
  const wanted = normalizeName(name);
  for (const affected of record.affected ?? []) {
    const pkg = affected.package;
    if (!pkg || pkg.ecosystem !== 'PyPI' || !pkg.name || normalizeName(pkg.name) !== wanted) continue;
    if ((affected.versions ?? []).some((v) => valid(v) && compare(v, version) === 0)) return true;
    for (const range of affected.ranges ?? []) {
      if (range.type !== 'ECOSYSTEM') continue;
      const events = range.events
        .map((e) => {
          const [kind, at] = Object.entries(e)[0] ?? ['', ''];
          return { kind, at };
        })
        .filter((e) => e.at === '0' || valid(e.at))
        .sort((a, b) => (a.at === '0' ? -1 : b.at === '0' ? 1 : compare(a.at, b.at)));
      let inside = false;
      for (const e of events) {
        const reached = e.at === '0' || gte(version, e.at);
        if (e.kind === 'introduced' && reached) inside = true;
        if (e.kind === 'fixed' && reached) inside = false;
        if (e.kind === 'last_affected' && e.at !== '0' && gt(version, e.at)) inside = false;
      }
      if (inside) return true;
    }
  }
  return false;
}

export function loadOsvRecords(dir = path.join(osvDataDir(), 'records')): Map<string, OsvRecord> {
  const records = new Map<string, OsvRecord>();
  for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.json'))) {
    const record = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as OsvRecord;
    records.set(record.id, record);
  }
  return records;
}
