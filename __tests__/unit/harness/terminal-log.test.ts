import { MaskSet, TerminalLog } from '@deploy-kit/harness';

/** Everything a renderer prints for a whole log given at once. */
function render(log: string, options: { debug?: boolean } = {}): string {
  const t = new TerminalLog(options);
  return t.push(log) + t.flush();
}

test('groups become headings, endgroup prints nothing, plain lines pass through', () => {
  expect(render('::group::Pull images\npulling web\n::endgroup::\ndone\n')).toBe(
    '==> Pull images\npulling web\ndone\n',
  );
});

test('annotations read like a compiler: level, file:line(:col), title, message', () => {
  const log = [
    '::error file=app/views.py,line=12::E501 line too long',
    '::warning file=app/models.py,line=3,col=7::unused import',
    '::notice::3 hosts deployed',
    '::error title=Health gate,file=compose.yml::web never became healthy',
    '::warning line=9::no file',
    '::error::Policy failed: 2 findings.%0Asecond line',
    '',
  ].join('\n');
  expect(render(log)).toBe(
    [
      'error: app/views.py:12: E501 line too long',
      'warning: app/models.py:3:7: unused import',
      'notice: 3 hosts deployed',
      'error: compose.yml: Health gate: web never became healthy',
      'warning: line 9: no file',
      'error: Policy failed: 2 findings.',
      '  second line',
      '',
    ].join('\n'),
  );
});

test('escaped properties and data are decoded as the runner decodes them', () => {
  expect(render('::error file=a%3Ab%2Cc.py,line=1::100%25 sure\n')).toBe('error: a:b,c.py:1: 100% sure\n');
});

test('debug lines are hidden unless asked for', () => {
  const log = 'before\n::debug::stack trace%0A  at x\nafter\n';
  expect(render(log)).toBe('before\nafter\n');
  expect(render(log, { debug: true })).toBe('before\ndebug: stack trace\n    at x\nafter\n');
});

test('add-mask is applied to every later line and never shown', () => {
  const log = [
    '::add-mask::hunter2',
    'password is hunter2',
    '::group::deploy hunter2',
    '::error file=hunter2.txt,line=1::bad hunter2',
    '::debug::hunter2',
    '::endgroup::',
    '',
  ].join('\n');
  expect(render(log, { debug: true })).toBe(
    ['password is ***', '==> deploy ***', 'error: ***.txt:1: bad ***', 'debug: ***', ''].join('\n'),
  );
});

test('overlapping and touching masks hide the whole stretch as one ***', () => {
  const masks = new MaskSet();
  masks.add('abc');
  masks.add('cde');
  masks.add('   ');
  expect(masks.apply('xabcdey abc-cde')).toBe('x***y ***-***');
  expect(masks.size).toBe(2);
});

test('a multi-line masked value matches across the lines of one annotation', () => {
  expect(render('::add-mask::line one%0Aline two\n::error::key was line one%0Aline two, sorry\n')).toBe(
    'error: key was ***, sorry\n',
  );
});

test('runner bookkeeping commands print nothing; unknown ones print as they are', () => {
  const log = [
    '::set-output name=x::1',
    '::save-state name=y::2',
    '::echo::on',
    '::add-matcher::m.json',
    '::remove-matcher owner=x::',
    '::frobnicate::as is',
    '',
  ].join('\n');
  expect(render(log)).toBe('::frobnicate::as is\n');
});

test('stop-commands prints commands as text until its token, still masked', () => {
  const log = [
    '::add-mask::s3cret',
    '::stop-commands::tok123',
    '::group::not a group',
    '::add-mask::not-a-mask',
    'leak s3cret',
    '::tok123::',
    '::group::a group',
    'not-a-mask',
    '',
  ].join('\n');
  expect(render(log)).toBe(
    ['::group::not a group', '::add-mask::not-a-mask', 'leak ***', '==> a group', 'not-a-mask', ''].join(
      '\n',
    ),
  );
});

test('the stream is rendered line by line across chunk boundaries; CRLF lines too', () => {
  const t = new TerminalLog();
  const out = [
    t.push('::add-mask::s3cr'),
    t.push('et-value\r\nline with s3cret-va'),
    t.push('lue inside\n::add-mask::50%25off-code\nsave 50%off-code now\n::gro'),
    t.push('up::Build\ntail s3cret-value'),
    t.flush(),
  ];
  expect(out).toEqual(['', '', 'line with *** inside\nsave *** now\n', '==> Build\n', 'tail ***']);
});

test('stdout and stderr renderers share their masks', () => {
  const masks = new MaskSet();
  const out = new TerminalLog({ masks });
  const err = new TerminalLog({ masks });
  expect(out.push('::add-mask::tok-en\n')).toBe('');
  expect(err.push('stack: tok-en\n')).toBe('stack: ***\n');
});
