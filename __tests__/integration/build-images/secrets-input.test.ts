import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runAction } from '@deploy-kit/harness';

// issue 14 A5 through the committed bundle: a malformed 'secrets' input fails
// before anything else runs, names the line by number, and every secret line
// was registered with the masker before the first other line of output.
// Nothing here needs docker: the inputs are read first.

test('a pasted SSH key in secrets: the error names line 3, no key material anywhere, masks registered first', async () => {
  const body = 'b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZWQyNTUxOQ';
  const token = 'npm_Q7f3c9a1e2b4d6f8a0c2e4f6a8b0c2d4e6f8';
  const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'dk-bi-secrets-'));
  fs.writeFileSync(path.join(workspace, 'compose.yaml'), 'services:\n  web:\n    build: .\n');
  try {
    const run = await runAction({
      action: 'build-images',
      workspace,
      inputs: {
        secrets: `npm_token=${token}\nssh_key=-----BEGIN OPENSSH PRIVATE KEY-----\n${body}\n-----END OPENSSH PRIVATE KEY-----`,
      },
      timeoutMs: 30_000,
    });
    expect(run.exitCode).toBe(1);
    expect(run.error).toMatch(/^Invalid input: 'secrets' line 3 is not NAME=value/);
    expect(run.leaks([body, body.slice(0, 12), token])).toEqual([]);
    expect(run.masks).toEqual(expect.arrayContaining([body, token]));
    // Every add-mask comes before any other output line.
    const lines = run.stdout.split('\n').filter((l) => l.trim() !== '');
    const firstOther = lines.findIndex((l) => !l.startsWith('::add-mask::'));
    const lastMask = lines.map((l) => l.startsWith('::add-mask::')).lastIndexOf(true);
    expect(lastMask).toBeLessThan(firstOther);
  } finally {
    fs.rmSync(workspace, { recursive: true, force: true });
  }
});
