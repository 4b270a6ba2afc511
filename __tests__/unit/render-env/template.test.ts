import { InputError } from '@deploy-kit/shared';
import {
  checkReference,
  parseTemplate,
  references,
  renderTemplate,
  type RenderContext,
} from '../../../actions/render-env/src/template';

const FILE = 'deploy/env.template';

function context(overrides: Partial<RenderContext> = {}): RenderContext {
  return {
    vars: {
      debug: false,
      port: 5432,
      hosts: ['a.example.test', 'b.example.test'],
      db: { host: 'db.internal', name: 'app' },
      empty: null,
      greeting: '  <b>"hi" & \'bye\'</b>  ',
      objs: [{ h: 'one' }, { h: 'two' }],
    },
    secrets: { API_TOKEN: 'tok-SECRET-123', DB_PASSWORD: 'p@ss/w:rd' },
    vault: { django_secret_key: 'vault-SECRET-key', nested: { password: 'nested-SECRET' } },
    env: { name: 'production' },
    ...overrides,
  };
}

function render(text: string, ctx: RenderContext = context(), secretValues: string[] = []) {
  return renderTemplate(parseTemplate(text, FILE), ctx, secretValues);
}

function errorOf(fn: () => unknown): InputError {
  try {
    fn();
  } catch (error) {
    if (error instanceof InputError) return error;
    throw error;
  }
  throw new Error('expected an InputError');
}

describe('parseTemplate', () => {
  test('reads KEY=value lines, skipping blank lines and # comments, keeping the exact value text', () => {
    const parsed = parseTemplate(
      '# comment\n\n  # indented comment\nA=1\r\nB= spaced {{vars.port}} \nC=\n',
      FILE,
    );
    expect(parsed.lines.map((l) => [l.line, l.key, l.source])).toEqual([
      [4, 'A', '1'],
      [5, 'B', ' spaced {{vars.port}} '],
      [6, 'C', ''],
    ]);
  });

  test('a byte-order mark does not become part of the first key', () => {
    expect(parseTemplate('\uFEFFFIRST=1\n', FILE).lines[0]?.key).toBe('FIRST');
  });

  test('a value may contain "=" after the first one', () => {
    expect(parseTemplate('URL=a=b=c', FILE).lines[0]?.source).toBe('a=b=c');
  });

  test('every problem in the file is reported at once, each with its line', () => {
    const error = errorOf(() =>
      parseTemplate('GOOD=1\nno equals sign\nbad-key=1\nGOOD=2\nX={{vars.a\nY={{> partial}}\n', FILE),
    );
    expect(error.message).toBe(
      `template ${FILE} has 5 problems: ` +
        'line 2: expected KEY=value (or a # comment); ' +
        "line 3: 'bad-key' is not a valid key (keys must match /^[A-Za-z_][A-Za-z0-9_]*$/); " +
        'line 4: duplicate key GOOD (first defined on line 1); ' +
        "line 5: Handlebars syntax error: Expecting 'ID', got 'INVALID'; " +
        'line 6: partials ({{> name}}) are not allowed in env templates',
    );
  });

  test('a single problem is one sentence naming the file and line', () => {
    expect(errorOf(() => parseTemplate('A=1\nB={{#each vars.x}}x{{/with}}', FILE)).message).toBe(
      `template ${FILE} line 2: Handlebars syntax error: each doesn't match with`,
    );
  });

  test.each([
    ['{{log vars.a}}', 'log'],
    ['{{lookup vars "a"}}', 'lookup'],
    ['{{custom vars.a}}', 'custom'],
  ])('helper outside the allowed set is refused: %s', (source, helper) => {
    expect(errorOf(() => parseTemplate(`A=${source}`, FILE)).message).toBe(
      `template ${FILE} line 1: Handlebars helper '${helper}' is not available (allowed: each, with, if, unless, join, urlencode)`,
    );
  });

  test('decorators are refused', () => {
    expect(errorOf(() => parseTemplate('A={{*inline}}', FILE)).message).toMatch(
      /decorators .* are not allowed/,
    );
  });

  test('a value wrapped in quotes gets a warning: the quotes would become part of the value', () => {
    const parsed = parseTemplate('A="{{vars.port}}"\nB=it\'s fine', FILE);
    expect(parsed.warnings).toEqual([
      {
        line: 1,
        message: `template ${FILE} line 1: the value of A is wrapped in quotes, which become part of the value (the output is quoted for you).`,
      },
    ]);
  });

  test('keys with spaces around "=" are invalid rather than silently trimmed', () => {
    expect(errorOf(() => parseTemplate('KEY = value', FILE)).message).toMatch(/'KEY ' is not a valid key/);
  });
});

describe('references (the AST walk behind secret detection)', () => {
  const refsOf = (source: string) => references(parseTemplate(`A=${source}`, FILE).lines[0]!.program);
  const namespaces = (source: string) =>
    refsOf(source).map((r) => (r.namespaces === 'all' ? 'all' : [...r.namespaces].join('+')));

  test('root paths name their namespace and resolve statically', () => {
    const refs = refsOf('{{vars.db.host}}-{{secrets.X}}-{{@root.vault.k}}');
    expect(refs.map((r) => [r.original, r.path, r.output])).toEqual([
      ['vars.db.host', ['vars', 'db', 'host'], true],
      ['secrets.X', ['secrets', 'X'], true],
      ['@root.vault.k', ['vault', 'k'], true],
    ]);
    expect(namespaces('{{vars.db.host}}-{{secrets.X}}-{{@root.vault.k}}')).toEqual([
      'vars',
      'secrets',
      'vault',
    ]);
  });

  test('#with over a namespace makes relative names come from it', () => {
    const refs = refsOf('{{#with secrets}}{{DB_PASSWORD}}{{/with}}');
    expect(refs.map((r) => [r.original, r.path, [...(r.namespaces as Set<string>)]])).toEqual([
      ['secrets', ['secrets'], ['secrets']],
      ['DB_PASSWORD', ['secrets', 'DB_PASSWORD'], ['secrets']],
    ]);
  });

  test('#each items inherit the namespace; ../ and @root climb back out', () => {
    expect(namespaces('{{#each vars.hosts}}{{this}}{{../secrets.X}}{{@index}}{{/each}}')).toEqual([
      'vars',
      'vars',
      'secrets',
      '',
    ]);
  });

  test('iterating the whole context counts as reading every namespace', () => {
    expect(namespaces('{{#each this}}{{#each this}}{{this}}{{/each}}{{/each}}')[0]).toBe('all');
  });

  test('block params carry the namespace of what they iterate', () => {
    expect(namespaces('{{#each vault.list as |item|}}{{item.name}}{{/each}}')).toEqual(['vault', 'vault']);
  });

  test('helper arguments and #if conditions are references too', () => {
    const refs = refsOf('{{#if vars.flag}}{{join vars.hosts ","}}{{/if}}{{urlencode vault.pw}}');
    expect(refs.map((r) => [r.original, r.output, r.condition])).toEqual([
      ['vars.flag', false, true],
      ['vars.hosts', false, false],
      ['vault.pw', false, false],
    ]);
  });
});

describe('checkReference', () => {
  const root = context() as unknown as Record<string, unknown>;
  const check = (source: string) =>
    references(parseTemplate(`A=${source}`, FILE).lines[0]!.program)
      .map((r) => checkReference(r, root))
      .filter(Boolean);

  test('names what is missing, null, or of the wrong kind, never a value', () => {
    expect(check('{{vars.nope}}')).toEqual(["'vars.nope' is not defined"]);
    expect(check('{{vars.empty}}')).toEqual(["'vars.empty' is null"]);
    expect(check('{{vars.db}}')).toEqual(["'vars.db' is a mapping; use one of its keys"]);
    expect(check('{{vars.objs}}')).toEqual([
      "'vars.objs' is a list of mappings or lists; use {{#each}} or {{join}}",
    ]);
    expect(check('{{secrets.API_TOKEN.length2}}')).toEqual([
      "'secrets.API_TOKEN.length2' is not defined ('secrets.API_TOKEN' is a string)",
    ]);
    expect(check('{{foo}}')).toEqual([
      "'foo' is not defined (names start with vars., secrets., vault., env.)",
    ]);
    expect(check('{{vars.hosts.[5]}}')).toEqual([
      "'vars.hosts.5' is not defined ('vars.hosts' is a list of 2)",
    ]);
  });

  test('prototype names are not defined', () => {
    expect(check('{{vars.constructor}}{{vars.__proto__}}{{vars.toString}}')).toEqual([
      "'vars.constructor' is not defined",
      "'vars.__proto__' is not defined",
      "'vars.toString' is not defined",
    ]);
  });

  test('an #if condition may be null but not missing', () => {
    expect(check('{{#if vars.empty}}x{{/if}}')).toEqual([]);
    expect(check('{{#if vars.missing}}x{{/if}}')).toEqual(["'vars.missing' is not defined"]);
    expect(check('{{#each vars.missing}}x{{/each}}')).toEqual(["'vars.missing' is not defined"]);
  });
});

describe('renderTemplate', () => {
  test('a missing variable is an error naming the variable and the template line, never an empty string', () => {
    const text = 'A=1\nB=2\nC=3\nALLOWED_HOSTS={{vars.allowed_hosts}}\n';
    expect(errorOf(() => render(text)).message).toBe(
      "template deploy/env.template line 4: 'vars.allowed_hosts' is not defined",
    );
  });

  test('every missing name in the file is listed at once', () => {
    const error = errorOf(() => render('A={{vars.x}}\nB=ok\nC={{vault.y}}-{{env.region}}'));
    expect(error.message).toBe(
      `template ${FILE} has 3 problems: line 1: 'vars.x' is not defined; line 3: 'vault.y' is not defined; ` +
        "line 3: 'env.region' is not defined (env.name is the 'environment' input)",
    );
  });

  test('values are exact: no HTML escaping, whitespace kept, numbers and booleans as written', () => {
    const entries = render(
      'G={{vars.greeting}}\nP={{vars.port}}\nD={{vars.debug}}\nH={{vars.hosts}}\nN={{env.name}}',
    );
    expect(entries.map((e) => [e.key, e.value])).toEqual([
      ['G', '  <b>"hi" & \'bye\'</b>  '],
      ['P', '5432'],
      ['D', 'false'],
      ['H', 'a.example.test,b.example.test'],
      ['N', 'production'],
    ]);
  });

  test('join, urlencode, #each and #if render as documented', () => {
    const entries = render(
      [
        'A={{join vars.hosts " "}}',
        'B={{join vars.hosts}}',
        'C=postgres://u:{{urlencode secrets.DB_PASSWORD}}@{{vars.db.host}}/{{vars.db.name}}',
        'D={{#each vars.hosts}}https://{{this}}{{#unless @last}},{{/unless}}{{/each}}',
        'E={{#if vars.debug}}on{{else}}off{{/if}}',
        'F={{#each vars.objs}}{{h}};{{/each}}',
      ].join('\n'),
    );
    expect(entries.map((e) => e.value)).toEqual([
      'a.example.test b.example.test',
      'a.example.test,b.example.test',
      'postgres://u:p%40ss%2Fw%3Ard@db.internal/app',
      'https://a.example.test,https://b.example.test',
      'off',
      'one;two;',
    ]);
  });

  test('keys reading secrets or vault are secret; sources list the namespaces; literals are plain', () => {
    const entries = render(
      'A=literal\nB={{vars.port}}\nC={{secrets.API_TOKEN}}\nD={{#with vault.nested}}{{password}}{{/with}}\nE={{vars.port}}{{env.name}}',
    );
    expect(entries.map((e) => [e.key, e.secret, e.sources])).toEqual([
      ['A', false, []],
      ['B', false, ['vars']],
      ['C', true, ['secrets']],
      ['D', true, ['vault']],
      ['E', false, ['vars', 'env']],
    ]);
  });

  test('a value that contains a secret value is secret even when it reads only vars', () => {
    const ctx = context({ vars: { copied: 'prefix-tok-SECRET-123' } });
    const [entry] = render('A={{vars.copied}}', ctx, ['tok-SECRET-123']);
    expect(entry?.secret).toBe(true);
    expect(entry?.sources).toEqual(['vars']);
  });

  test('render-time failures inside blocks never quote a value', () => {
    const error = errorOf(() => render('A={{#each secrets}}{{this.missing}}{{/each}}'));
    expect(error.message).toBe(`template ${FILE} line 1: cannot render A: 'this.missing' is not defined`);
    const nested = errorOf(() => render('A={{#each vars.objs}}{{nothere}}{{/each}}'));
    expect(nested.message).toBe(`template ${FILE} line 1: cannot render A: 'nothere' is not defined`);
    for (const secret of ['tok-SECRET-123', 'p@ss/w:rd', 'vault-SECRET-key', 'nested-SECRET'])
      expect(error.message).not.toContain(secret);
  });

  test('a mapping rendered inside a block is refused instead of printing [object Object]', () => {
    expect(errorOf(() => render('A={{#each vars.objs}}{{this}}{{/each}}')).message).toBe(
      `template ${FILE} line 1: A renders a mapping; use one of its keys`,
    );
  });

  test('helpers refuse wrong arguments with a message that names no value', () => {
    expect(errorOf(() => render('A={{join secrets.API_TOKEN ","}}')).message).toBe(
      `template ${FILE} line 1: cannot render A: join needs a list as its first argument`,
    );
    expect(errorOf(() => render('A={{urlencode vars.db}}')).message).toBe(
      `template ${FILE} line 1: cannot render A: urlencode needs a plain value (a string or a number)`,
    );
  });

  test('env.name is not defined when no environment was given', () => {
    expect(errorOf(() => render('A={{env.name}}', context({ env: {} }))).message).toBe(
      `template ${FILE} line 1: 'env.name' is not defined (env.name is the 'environment' input)`,
    );
  });
});
