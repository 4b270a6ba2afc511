import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { REPO_ROOT } from '@deploy-kit/harness';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const options = require(path.join(REPO_ROOT, 'scripts', 'bundle-options.js')) as {
  externalsFor(name: string): Record<string, string> | undefined;
  extraFilesFor(name: string): Record<string, string>;
};

/**
 * lint-gate and pip-audit are bundled without @actions/core's OIDC client (issue 18 A10, B6: it
 * cost every start ~30 ms of module evaluation); the stub the bundle requires in its place is
 * committed beside it and says why, should anything ever call it.
 */
test.each(['lint-gate', 'pip-audit'])('%s: the OIDC client is a committed stub that says why', (name) => {
  const externals = options.externalsFor(name) ?? {};
  expect(Object.keys(externals).sort()).toEqual(['@actions/http-client', '@actions/http-client/lib/auth']);
  for (const [file, text] of Object.entries(options.extraFilesFor(name))) {
    expect(fs.readFileSync(path.join(REPO_ROOT, name, 'dist', file), 'utf8')).toBe(text);
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dk-stub-'));
    fs.writeFileSync(path.join(tmp, file), text);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const stub = require(path.join(tmp, file)) as Record<string, new () => unknown>;
    for (const cls of ['HttpClient', 'BearerCredentialHandler'])
      expect(() => new (stub[cls] as new () => unknown)()).toThrow(/bundled without the OIDC client/);
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  const bundle = fs.readFileSync(path.join(REPO_ROOT, name, 'dist', 'index.js'), 'utf8');
  expect(bundle).toContain('require("./oidc-unavailable.js")');
});

test('actions that may ask for an ID token keep the client', () => {
  expect(options.externalsFor('tag-release')).toBeUndefined();
  expect(options.extraFilesFor('tag-release')).toEqual({});
});
