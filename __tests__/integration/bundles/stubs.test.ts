import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { REPO_ROOT } from '@deploy-kit/harness';

// Every action used to ship as a stub that failed with "not implemented yet" until it was real.
// None is a stub any more: a published bundle or action.yml that still says so is a regression
// (a user's pipeline would fail at that step).
const ACTIONS = Object.values(
  JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'scripts/actions.json'), 'utf8')) as Record<string, string>,
);

test.each(ACTIONS)('%s ships a real action, not a stub', (folder) => {
  const meta = parse(fs.readFileSync(path.join(REPO_ROOT, folder, 'action.yml'), 'utf8')) as {
    description: string;
    inputs?: Record<string, unknown>;
    runs: { main: string };
  };
  expect(meta.description).not.toMatch(/not implemented/i);
  expect(Object.keys(meta.inputs ?? {}).length).toBeGreaterThan(0);
  const bundle = fs.readFileSync(path.join(REPO_ROOT, folder, meta.runs.main), 'utf8');
  expect(bundle).not.toMatch(/is not implemented yet/);
});
