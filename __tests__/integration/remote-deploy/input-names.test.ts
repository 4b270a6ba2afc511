/**
 * #14 C through the bundle, against a real sandbox host: a path that reads as an option never
 * reaches a remote command, and a bad name is reported under the input the user gave.
 * DEPLOY_KIT_REMOTE_DEPLOY_ACTION may point at another build of the action (e.g. an older one)
 * to show what it did.
 */
import * as fs from 'node:fs';
import { baseInputs, deploy, hosts, makeApp, type App } from './helpers';

jest.setTimeout(120_000);

const target = hosts.slice(0, 1);
const action = process.env.DEPLOY_KIT_REMOTE_DEPLOY_ACTION ?? 'remote-deploy';
let app: App;
beforeAll(() => {
  app = makeApp(target);
});

function inputs(extra: Record<string, string>): Record<string, string> {
  return {
    ...baseInputs(app, target),
    hosts: `${target[0]!.host}:${target[0]!.port}`,
    'project-dir': `${target[0]!.workDir}/rd-${app.id}`,
    version: '1.0',
    'dry-run': 'true',
    ...extra,
  };
}

test("a project-dir starting with '-' is an input error naming project-dir; no host is contacted", async () => {
  const result = await deploy(app, inputs({ 'project-dir': `-x${app.id}/app` }), { action });
  expect(result.exitCode).toBe(1);
  expect(result.error).toMatch(
    /^Invalid input: 'project-dir' must be a directory path .*none starting with '-'/,
  );
  expect(result.log).not.toMatch(/invalid option|connected as/);
  expect(fs.existsSync(`${target[0]!.workDir}/-x${app.id}`)).toBe(false);
});

test("project-name: shop.example.com is reported as 'project-name', not as 'hosts'", async () => {
  const result = await deploy(app, inputs({ 'project-name': 'shop.example.com' }), { action });
  expect(result.exitCode).toBe(1);
  expect(result.error).toMatch(/^Invalid input: 'project-name' must be a Compose project name/);
  expect(result.error).toContain('"shop.example.com"');
});

test('a health-url that reads as a curl option is an input error naming health-url', async () => {
  const result = await deploy(app, inputs({ 'health-url': '-K/etc/passwd' }), { action });
  expect(result.exitCode).toBe(1);
  expect(result.error).toMatch(/^Invalid input: 'health-url' must be an http:\/\/ or https:\/\/ URL/);
});
