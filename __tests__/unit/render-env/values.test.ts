import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { InputError } from '@deploy-kit/shared';
import {
  expandEntry,
  expandEnvironment,
  loadValues,
  mergeLayers,
  parseMapping,
  parseValues,
  scalarLeaves,
  type LoadOptions,
} from '../../../actions/render-env/src/values';

// The fixture app (vault files made with the real ansible-vault; see make-vaults.sh), copied to a
// temporary workspace so each test can add files and symlinks.
const FIXTURE = path.join(__dirname, '..', '..', 'fixtures', 'render-env', 'app');
const PASSWORD = fs.readFileSync(path.join(FIXTURE, 'deploy', 'vault-password.test'), 'utf8').trim();

let workspace: string;
const saved = process.env.GITHUB_WORKSPACE;

beforeEach(() => {
  workspace = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 're-values-')));
  fs.cpSync(FIXTURE, workspace, { recursive: true });
  process.env.GITHUB_WORKSPACE = workspace;
});
afterEach(() => {
  fs.rmSync(workspace, { recursive: true, force: true });
  if (saved === undefined) delete process.env.GITHUB_WORKSPACE;
  else process.env.GITHUB_WORKSPACE = saved;
});

const options = (o: Partial<LoadOptions>): LoadOptions => ({
  varsFiles: [],
  vaultFiles: [],
  inlineVars: '',
  environment: 'production',
  vaultPassword: PASSWORD,
  ...o,
});

const write = (rel: string, text: string): void => {
  fs.mkdirSync(path.dirname(path.join(workspace, rel)), { recursive: true });
  fs.writeFileSync(path.join(workspace, rel), text);
};

describe('expandEnvironment / expandEntry', () => {
  test('{environment} is substituted, and required when used', () => {
    expect(expandEnvironment('vars-files', 'deploy/vars/{environment}.yml', 'staging')).toBe(
      'deploy/vars/staging.yml',
    );
    expect(() => expandEnvironment('vars-files', 'deploy/vars/{environment}.yml', '')).toThrow(
      new InputError(
        "'vars-files' entry 'deploy/vars/{environment}.yml' uses {environment} but 'environment' is empty.",
      ),
    );
  });

  test('a group_vars directory yields all/ then <environment>/, files sorted', () => {
    write('deploy/group_vars/all/zz.yml', 'z: 1\n');
    const files = expandEntry('vars-files', 'deploy/group_vars', 'production').map((f) =>
      path.relative(workspace, f),
    );
    expect(files).toEqual([
      'deploy/group_vars/all/vars.yml',
      'deploy/group_vars/all/zz.yml',
      'deploy/group_vars/production/vars.yml',
      'deploy/group_vars/production/vault.yml',
    ]);
  });

  test('group files next to group directories (all.yml, production.yml) are read too', () => {
    write('deploy/gv/all.yml', 'a: 1\n');
    write('deploy/gv/production.yaml', 'b: 1\n');
    expect(expandEntry('vars-files', 'deploy/gv', 'production').map((f) => path.basename(f))).toEqual([
      'all.yml',
      'production.yaml',
    ]);
  });

  test('a directory with nothing for the environment is an error (a typo, most likely)', () => {
    expect(() => expandEntry('vars-files', 'deploy/group_vars', 'prodution')).toThrow(
      "'vars-files' directory 'deploy/group_vars' has no prodution.yml or prodution/ for environment 'prodution'.",
    );
  });

  test('a missing file is an error naming the input', () => {
    expect(() => expandEntry('vars-files', 'deploy/vars/{environment}.yml', 'qa')).toThrow(
      "'vars-files' entry 'deploy/vars/qa.yml' does not exist in the working directory.",
    );
  });

  test('paths outside the workspace are refused, symlinks included', () => {
    expect(() => expandEntry('vars-files', '../outside.yml', 'production')).toThrow(
      /'vars-files' must be a path inside the workspace/,
    );
    const outside = fs.mkdtempSync(path.join(os.tmpdir(), 're-outside-'));
    fs.writeFileSync(path.join(outside, 'x.yml'), 'a: 1\n');
    fs.symlinkSync(
      path.join(outside, 'x.yml'),
      path.join(workspace, 'deploy', 'group_vars', 'production', 'link.yml'),
    );
    try {
      expect(() => expandEntry('vars-files', 'deploy/group_vars', 'production')).toThrow(
        /'vars-files' must be a path inside the workspace/,
      );
    } finally {
      fs.rmSync(outside, { recursive: true, force: true });
    }
  });
});

describe('parseMapping / parseValues', () => {
  test('YAML errors name the source, line and column', () => {
    expect(() => parseMapping('a: 1\nb: [1, 2\n', 'deploy/vars/x.yml')).toThrow(
      /^deploy\/vars\/x\.yml is not valid YAML or JSON at line \d+, column \d+: /,
    );
    expect(() => parseMapping('a: 1\na: 2\n', 'x.yml')).toThrow(
      /x\.yml is not valid YAML or JSON at line 2, column 1: Map keys must be unique/,
    );
  });

  test('decrypted text that is not YAML withholds the reason (it could quote a secret)', () => {
    expect(() => parseMapping('password: "abc\n', 'v.yml (decrypted)', true)).toThrow(
      /^v\.yml \(decrypted\) is not valid YAML or JSON at line \d+, column \d+ \(details withheld: the text was decrypted from a vault\)\.$/,
    );
  });

  test('the top level must be a mapping; an empty file is an empty mapping', () => {
    expect(() => parseMapping('- a\n- b\n', 'x.yml')).toThrow(
      'x.yml must be a YAML mapping of names to values, got a list.',
    );
    expect(parseMapping('# only a comment\n', 'x.yml')).toEqual({});
  });

  test('JSON works (YAML is a superset), and merge keys are honoured', () => {
    expect(parseMapping('{"a": 1, "b": [true]}', 'x.json')).toEqual({ a: 1, b: [true] });
    expect(parseMapping('base: &b {x: 1}\nother:\n  <<: *b\n  y: 2\n', 'x.yml')).toEqual({
      base: { x: 1 },
      other: { x: 1, y: 2 },
    });
  });

  test('a whole-file vault is decrypted; every value counts as secret', () => {
    const text = fs.readFileSync(path.join(workspace, 'deploy/group_vars/staging/vault.yml'), 'utf8');
    const parsed = parseValues(text, 'staging vault', PASSWORD, true);
    expect(parsed.encryption).toBe('file');
    expect(parsed.vaultFormat).toBe('1.2 (label staging)');
    expect(Object.keys(parsed.data)).toEqual(['django_secret_key', 'db_password', 'smtp']);
    expect(parsed.secrets).toContain('smtp-staging-secret');
    expect(parsed.secrets).toContain('staging pass with \'quotes\' and "double"');
  });

  test('inline !vault scalars are decrypted in place and count as secret', () => {
    const text = fs.readFileSync(path.join(workspace, 'deploy/vars/production.yml'), 'utf8');
    const parsed = parseValues(text, 'deploy/vars/production.yml', PASSWORD, false);
    expect(parsed.encryption).toBe('inline');
    expect(parsed.data.sentry_dsn).toBe('https://0123abcd@sentry.example.test/42');
    expect(parsed.secrets).toEqual(['https://0123abcd@sentry.example.test/42']);
    expect(parsed.data.debug).toBe(false);
  });

  test('a wrong password on an inline scalar names the file and the key', () => {
    const text = fs.readFileSync(path.join(workspace, 'deploy/vars/production.yml'), 'utf8');
    expect(() => parseValues(text, 'deploy/vars/production.yml', 'wrong', false)).toThrow(
      "Could not decrypt deploy/vars/production.yml ('sentry_dsn', !vault): wrong vault-password (HMAC mismatch); check the secret passed as 'vault-password'.",
    );
  });

  test('a plaintext file in vault-files is refused', () => {
    expect(() => parseValues('a: 1\n', 'deploy/secrets.yml', PASSWORD, true)).toThrow(
      "deploy/secrets.yml is listed in 'vault-files' but is not Ansible Vault-encrypted; run ansible-vault encrypt on it or move it to 'vars-files'.",
    );
  });

  test('scalarLeaves lists strings and numbers at any depth, not booleans or null', () => {
    expect(scalarLeaves({ a: 'x', b: [1, { c: 'y' }], d: true, e: null })).toEqual(['x', '1', 'y']);
  });
});

describe('loadValues', () => {
  test('group_vars layout: all/ then production/, plain into vars, the vault file into vault', () => {
    const loaded = loadValues(options({ varsFiles: ['deploy/group_vars'] }));
    expect(loaded.vars.debug).toBe(false); // production/vars.yml overrides all/vars.yml
    expect(loaded.vars.db_port).toBe(5432); // from all/
    expect(loaded.vars.allowed_hosts).toEqual(['app.example.test', 'www.example.test']);
    expect(Object.keys(loaded.vault)).toEqual(['django_secret_key', 'db_password', 'smtp']);
    expect(loaded.layers.map((l) => [l.source, l.namespace, l.encryption])).toEqual([
      ['deploy/group_vars/all/vars.yml', 'vars', 'none'],
      ['deploy/group_vars/production/vars.yml', 'vars', 'inline'],
      ['deploy/group_vars/production/vault.yml', 'vault', 'file'],
    ]);
    expect(loaded.secretValues).toContain('p@ss:w/rd%40 with space');
    expect(loaded.secretValues).toContain('smtp-pa$$word-production');
  });

  test('per-environment files plus vault-files; the inline vars input wins over every file', () => {
    const loaded = loadValues(
      options({
        varsFiles: ['deploy/vars/{environment}.yml'],
        vaultFiles: ['deploy/group_vars/{environment}/vault.yml'],
        inlineVars: 'release: "2.1"\nextra: yes',
      }),
    );
    expect(loaded.vars.release).toBe('2.1');
    expect(loaded.vars.extra).toBe('yes'); // YAML 1.2: yes is a string, as written
    expect(loaded.vars.sentry_dsn).toBe('https://0123abcd@sentry.example.test/42');
    expect(loaded.layers.map((l) => l.source)).toEqual([
      'deploy/vars/production.yml',
      'deploy/group_vars/production/vault.yml',
      "'vars' input",
    ]);
  });

  test('later files replace earlier top-level keys whole (Ansible hash_behaviour=replace)', () => {
    write('a.yml', 'db: {host: a, port: 1}\nkeep: 1\n');
    write('b.yml', 'db: {host: b}\n');
    const loaded = loadValues(options({ varsFiles: ['a.yml', 'b.yml'] }));
    expect(loaded.vars).toEqual({ db: { host: 'b' }, keep: 1 });
    expect(mergeLayers([{ a: 1 }, { a: 2, b: 3 }])).toEqual({ a: 2, b: 3 });
  });

  test('staging reads the 1.2 vault and its own plain file', () => {
    const loaded = loadValues(options({ varsFiles: ['deploy/group_vars'], environment: 'staging' }));
    expect(loaded.vars.debug).toBe('False');
    expect(loaded.layers.find((l) => l.namespace === 'vault')?.vaultFormat).toBe('1.2 (label staging)');
  });

  test('the inline vars input must be a mapping; a path there gets a hint', () => {
    expect(() => loadValues(options({ inlineVars: 'deploy/vars/production.yml' }))).toThrow(
      "'vars' input must be a YAML mapping of names to values, got a single value; to read values from a file use 'vars-files'.",
    );
    expect(() => loadValues(options({ inlineVars: 'a: 1\nb: [\n' }))).toThrow(
      /^'vars' input is not valid YAML or JSON at line \d+, column \d+/,
    );
  });

  test('Jinja in a plain vars value is reported as a warning, not evaluated', () => {
    write('j.yml', 'db_password: "{{ vault_db_password }}"\n');
    const loaded = loadValues(options({ varsFiles: ['j.yml'] }));
    expect(loaded.vars.db_password).toBe('{{ vault_db_password }}');
    expect(loaded.warnings).toEqual([
      "j.yml: 'db_password' contains '{{' or '{%'; values are not templates (Jinja in vars files is not evaluated), reference vault.<name> or vars.<name> from the env template instead.",
    ]);
  });

  test('a vault without vault-password asks for it', () => {
    expect(() => loadValues(options({ varsFiles: ['deploy/group_vars'], vaultPassword: '' }))).toThrow(
      "'vault-password' is required to decrypt deploy/group_vars/production/vars.yml ('sentry_dsn', !vault); pass it from a secret.",
    );
  });
});
