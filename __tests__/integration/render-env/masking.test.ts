/**
 * render-env's masks, through its committed bundle, under THE MASKING RULE
 * (packages/shared/src/secrets.ts): a secret's value is masked whatever its length, a key named
 * like a secret is masked even from plain vars, no mask is only punctuation (the `{`, `}`, `'`
 * lines of a multi-line secret and of its quoted form), and plain values are not masked.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { isMaskable } from '@deploy-kit/shared';
import { NODE20, NODE24, runAction } from '@deploy-kit/harness';

const JSON_SECRET = '{\n  "type": "service_account",\n  "private_key_id": "k-42"\n}\n';

let workspace: string;
beforeAll(() => {
  workspace = fs.mkdtempSync(path.join(os.tmpdir(), 're-mask-'));
  fs.writeFileSync(
    path.join(workspace, 'env.template'),
    [
      'GOOGLE_APPLICATION_JSON={{secrets.google}}',
      'DOOR_PIN={{secrets.pin}}',
      'SHORT_PASSWORD={{secrets.short}}',
      'SMTP_PASSWORD={{vars.smtp_password}}',
      'PGHOST={{vars.pghost}}',
      'USE_SECRET_STORE={{vars.flag}}',
      '',
    ].join('\n'),
  );
});
afterAll(() => fs.rmSync(workspace, { recursive: true, force: true }));

test.each([
  ['Node 24', NODE24],
  ['Node 20', NODE20],
])(
  '%s: short and numeric secrets and secret-named plain vars are masked; no punctuation-only mask; plain values not masked',
  async (_name, node) => {
    const result = await runAction({
      action: 'render-env',
      node,
      workspace,
      inputs: {
        template: 'env.template',
        secrets: JSON.stringify({ google: JSON_SECRET, pin: '4711', short: 'Q#7' }),
        vars: JSON.stringify({ smtp_password: 'from-plain-vars-9', pghost: '127.0.0.1', flag: 'true' }),
      },
    });
    expect(result.error).toBeUndefined();
    expect(result.masks.filter((m) => !isMaskable(m))).toEqual([]);
    expect(result.masks).toEqual(
      expect.arrayContaining(['4711', 'Q#7', 'from-plain-vars-9', '"type": "service_account",']),
    );
    expect(result.masks).not.toContain('127.0.0.1');
    expect(result.masks).not.toContain('true');
    expect(JSON.parse(result.outputs['secret-keys'] as string)).toEqual([
      'GOOGLE_APPLICATION_JSON',
      'DOOR_PIN',
      'SHORT_PASSWORD',
      'SMTP_PASSWORD',
    ]);
  },
);

test('key names come out whole even when a secret value spells part of one (outputs keys, secret-keys)', async () => {
  const ws = fs.mkdtempSync(path.join(os.tmpdir(), 're-names-'));
  try {
    fs.writeFileSync(path.join(ws, 'env.template'), 'DJANGO_SECRET_KEY={{secrets.key}}\nDEBUG=false\n');
    const result = await runAction({
      action: 'render-env',
      workspace: ws,
      inputs: { template: 'env.template', secrets: JSON.stringify({ key: 'JANGO' }) },
    });
    expect(result.error).toBeUndefined();
    expect(result.masks).toContain('JANGO');
    expect(JSON.parse(result.outputs.keys as string)).toEqual(['DJANGO_SECRET_KEY', 'DEBUG']);
    expect(JSON.parse(result.outputs['secret-keys'] as string)).toEqual(['DJANGO_SECRET_KEY']);
  } finally {
    fs.rmSync(ws, { recursive: true, force: true });
  }
});
