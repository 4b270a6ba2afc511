import * as fs from 'node:fs';
import * as path from 'node:path';
import { baseInputs, buildAppImages, cleanup, deploy, hosts, makeApp, type App, type Host } from './helpers';

jest.setTimeout(300_000);

// Issue 14 A3: the 'results' output carries the last lines of remote output, and the runner never
// masks outputs (nor the summary): both are redacted with the action's masks and their
// JSON-escaped forms before they are written. Addresses come from the sandbox info.
const target = hosts[0] as Host;
let images: ReturnType<typeof buildAppImages>;
let app: App;

beforeAll(() => {
  images = buildAppImages();
  app = makeApp([target]);
});
afterAll(() => cleanup(app, [target]));

test('a hook that prints the env file, raw and JSON-escaped: no secret in results, the summary or the log', async () => {
  const secret = `pa"ss\\word-${app.id}`;
  const pin = '4711';
  fs.writeFileSync(
    path.join(app.workspace, 'app.env'),
    `APP_PORT=${app.port}\nDATA_DIR=${app.dataDir}\nAPP_SECRET='${secret}'\nDEPLOY_PIN=${pin}\n`,
  );
  const result = await deploy(app, {
    ...baseInputs(app, [target]),
    images: `web=${images.v1}`,
    version: '1.0',
    // The hook shows the env file as it is, then each line JSON-escaped, then fails: its last
    // lines go into the failure and the 'results' output.
    'post-deploy-command': String.raw`cat .env; sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' .env; exit 3`,
  });
  expect(result.exitCode).toBe(1);
  const results = result.outputs.results ?? '';
  expect(results).toContain('exited with 3');
  expect(results).toContain('***');
  expect(result.leaks([secret, pin])).toEqual([]);
  // The JSON-escaped spelling as the hook printed it, inside the JSON output (escaped once more).
  const escaped = JSON.stringify(secret).slice(1, -1);
  expect(results.includes(escaped) || results.includes(JSON.stringify(escaped).slice(1, -1))).toBe(false);
  expect(result.summary.includes(escaped)).toBe(false);
});
