/**
 * working-directory through the bundle, against a real sandbox host: compose-files and env-file
 * are looked up in it (a dry run connects and checks the host, changing nothing), and the
 * results output is the JSON object every action writes.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { baseInputs, deploy, hosts, makeApp, type App } from './helpers';

jest.setTimeout(120_000);

const target = hosts.slice(0, 1);
let app: App;
beforeAll(() => {
  app = makeApp(target);
  fs.mkdirSync(path.join(app.workspace, 'app'));
  for (const file of ['docker-compose.yml', 'app.env'])
    fs.renameSync(path.join(app.workspace, file), path.join(app.workspace, 'app', file));
});

test('compose-files and env-file resolve against working-directory', async () => {
  const result = await deploy(app, {
    ...baseInputs(app, target),
    'working-directory': 'app',
    version: '1.0',
    'dry-run': 'true',
  });
  expect(result.error).toBeUndefined();
  expect(result.exitCode).toBe(0);
  const results = JSON.parse(result.outputs.results as string) as {
    status: string;
    dryRun: boolean;
    hosts: { status: string }[];
  };
  expect(results).toMatchObject({ status: 'passed', dryRun: true, hosts: [{ status: 'planned' }] });
  expect(result.summary).toContain('`upload`');
});

test('without it, the same names are looked up at the workspace root: an input error', async () => {
  const result = await deploy(app, { ...baseInputs(app, target), version: '1.0', 'dry-run': 'true' });
  expect(result.exitCode).toBe(1);
  expect(result.error).toBe("Invalid input: 'env-file' app.env does not exist in the workspace.");
  expect(JSON.parse(result.outputs.results as string)).toEqual({
    status: 'invalid-input',
    failure: result.error,
  });
});
