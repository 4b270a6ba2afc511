import { policyMarkdown, summaryMarkdown, type SummaryInput } from '../../../actions/render-env/src/summary';

const base: SummaryInput = {
  template: 'deploy/env.template',
  environment: 'production',
  output: '.env',
  written: true,
  dryRun: false,
  keys: [
    { key: 'DEBUG', line: 3, secret: false, sources: ['vars'] },
    { key: 'SECRET_KEY', line: 4, secret: true, sources: ['vault'] },
    { key: 'DATABASE_URL', line: 5, secret: true, sources: ['vars', 'secrets'] },
    { key: 'MODULE', line: 6, secret: false, sources: [] },
  ],
  layers: [
    { source: 'deploy/group_vars/all/vars.yml', namespace: 'vars', encryption: 'none', keys: ['a', 'b'] },
    {
      source: 'deploy/group_vars/production/vault.yml',
      namespace: 'vault',
      encryption: 'file',
      vaultFormat: '1.2 (label prod)',
      keys: ['k'],
    },
    { source: 'deploy/vars/production.yml', namespace: 'vars', encryption: 'inline', keys: ['x'] },
  ],
  policy: { name: 'django-production', violations: [] },
  sha256: 'ab'.repeat(32),
};

describe('summary', () => {
  test('a table of keys with kind, source and template line', () => {
    const md = summaryMarkdown(base);
    expect(md).toContain(
      'Wrote `.env` (mode 0600) from `deploy/env.template` for environment `production`: 4 keys, 2 secret.',
    );
    expect(md).toContain('| Key | Kind | Source | Template line |');
    expect(md).toContain('| DEBUG | plain | vars | 3 |');
    expect(md).toContain('| SECRET_KEY | secret | vault | 4 |');
    expect(md).toContain('| DATABASE_URL | secret | vars, secrets | 5 |');
    expect(md).toContain('| MODULE | plain | literal | 6 |');
    expect(md).toContain(`SHA-256 of the content: \`${'ab'.repeat(32)}\``);
  });

  test('values files are listed with their namespace and encryption', () => {
    const md = summaryMarkdown(base);
    expect(md).toContain('| deploy/group_vars/all/vars.yml | vars | plain | 2 |');
    expect(md).toContain(
      '| deploy/group_vars/production/vault.yml | vault | Ansible Vault 1.2 (label prod) | 1 |',
    );
    expect(md).toContain('| deploy/vars/production.yml | vars | plain, with !vault values | 1 |');
  });

  test('a dry run says nothing was written', () => {
    expect(summaryMarkdown({ ...base, written: false, dryRun: true })).toContain(
      'Dry run: nothing written (would write `.env`)',
    );
  });

  test('policy: none, passed, or every violation with its line', () => {
    expect(policyMarkdown(undefined)).toMatch(/^\*\*Policy:\*\* none/);
    expect(policyMarkdown({ name: 'django-production', violations: [] })).toBe(
      '**Policy `django-production`:** passed.',
    );
    expect(
      policyMarkdown({
        name: 'django-production',
        violations: [
          { rule: 'debug-off', key: 'DEBUG', line: 3, message: 'DEBUG must be False (rule debug-off)' },
          {
            rule: 'database-url',
            key: 'DATABASE_URL',
            message: 'DATABASE_URL is not set (rule database-url)',
          },
        ],
      }),
    ).toBe(
      '**Policy `django-production`:** failed with 2 violations.\n\n' +
        '- line 3: DEBUG must be False (rule debug-off)\n- DATABASE_URL is not set (rule database-url)',
    );
  });
});
