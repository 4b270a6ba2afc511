import { InputError, PolicyFailure } from '@deploy-kit/shared';
import {
  annotatedEnvironments,
  annotateNotes,
  blockEnd,
  blockStart,
  isBlockMarker,
} from '../../../actions/tag-release/src/annotate-notes';
import { rcOnHead } from '../../../actions/tag-release/src/annotate';
import { parseInputs } from '../../../actions/tag-release/src/inputs';
import { extractValidation, validationItems } from '../../../actions/tag-release/src/validation';

// mode: annotate (issue 21): the staging deploy of an rc adds its evidence to the rc's notes.

const ENV = { GITHUB_REPOSITORY: 'o/r' };
const HEAD = 'a'.repeat(40);
const RC_NOTES = [
  '### Validation',
  '- **Release gate** (lint-gate, passed): pytest 205 passed, 0 failed, 0 skipped.',
  '- **Dependency audit** (pip-audit, passed): 0 vulnerabilities; no accepted advisories.',
  '',
  '### Features',
  '- export notes as PDF [abc1234](https://github.com/o/r/commit/abc)',
  '',
  '**Full changelog:** https://github.com/o/r/compare/v1.0.0...v1.1.0-rc.1',
  '',
].join('\n');

const STAGING = ['- **Deploy in staging** (passed): version `sha-0123abc`.'];

test('the environment block goes at the end of the Validation section, and a rerun replaces it', () => {
  const once = annotateNotes(RC_NOTES, 'staging', STAGING);
  expect(once).toContain(
    [
      '- **Dependency audit** (pip-audit, passed): 0 vulnerabilities; no accepted advisories.',
      '',
      blockStart('staging'),
      STAGING[0],
      blockEnd('staging'),
      '',
      '### Features',
    ].join('\n'),
  );
  expect(annotateNotes(once, 'staging', STAGING)).toBe(once);
  const failed = annotateNotes(once, 'staging', ['- **Deploy in staging** (**failed**: red).']);
  expect(failed).not.toContain('(passed): version `sha-0123abc`');
  expect(failed.split(blockStart('staging')).length).toBe(2);
  // Another environment gets a block of its own.
  expect(annotateNotes(once, 'qa', ['- qa']).match(/<!-- deploy-kit validation: \w+ -->/g)).toHaveLength(2);
});

test('notes without a Validation section get one at the top; a body with only the section too', () => {
  const plain = '### Fixes\n- paging\n\n**Full changelog:** x\n';
  expect(annotateNotes(plain, 'staging', STAGING)).toBe(
    `### Validation\n${blockStart('staging')}\n${STAGING[0]}\n${blockEnd('staging')}\n\n${plain}`,
  );
  const only = '### Validation\n- **Release gate** (lint-gate, passed): x.\n';
  expect(annotateNotes(only, 'staging', STAGING)).toBe(
    `### Validation\n- **Release gate** (lint-gate, passed): x.\n\n${blockStart('staging')}\n${STAGING[0]}\n${blockEnd('staging')}\n`,
  );
});

test('a promoted final carries the annotated lines without the markers', () => {
  const lines = extractValidation(annotateNotes(RC_NOTES, 'staging', STAGING)) ?? [];
  expect(lines).toEqual([
    '- **Release gate** (lint-gate, passed): pytest 205 passed, 0 failed, 0 skipped.',
    '- **Dependency audit** (pip-audit, passed): 0 vulnerabilities; no accepted advisories.',
    '',
    STAGING[0],
  ]);
  expect(lines.some(isBlockMarker)).toBe(false);
  expect(isBlockMarker(blockEnd('staging'))).toBe(true);
});

test('annotate needs an rc tag on HEAD: a final, another commit or another prefix is refused', () => {
  const semverTag = (name: string, commit = HEAD) => ({ name, commit });
  expect(rcOnHead([semverTag('v1.0.0-rc.1'), semverTag('v1.0.0-rc.2')], 'v', HEAD).name).toBe('v1.0.0-rc.2');
  for (const tags of [
    [semverTag('v1.0.0')],
    [semverTag('v1.0.0-rc.1', 'b'.repeat(40))],
    [semverTag('release/v1.0.0-rc.1')],
    [semverTag('v1.0.0-beta.1')],
  ]) {
    expect(() => rcOnHead(tags, 'v', HEAD)).toThrow(PolicyFailure);
    expect(() => rcOnHead(tags, 'v', HEAD)).toThrow(/carries no release candidate tag \(vX\.Y\.Z-rc\.N\)/);
  }
});

test('mode annotate requires evidence with its environment', () => {
  const evidence = 'environment: staging\ndeploy: {"status": "passed"}';
  expect(parseInputs({ token: 't', mode: 'annotate', evidence }, ENV)).toMatchObject({
    mode: 'annotate',
    evidence: { environment: 'staging', deploy: { status: 'passed' } },
  });
  for (const bad of ['', 'deploy: {"status": "passed"}']) {
    expect(() => parseInputs({ token: 't', mode: 'annotate', evidence: bad }, ENV)).toThrow(InputError);
    expect(() => parseInputs({ token: 't', mode: 'annotate', evidence: bad }, ENV)).toThrow(
      /mode 'annotate' .* give 'evidence' with environment/,
    );
  }
  expect(() => parseInputs({ token: 't', mode: 'final' }, ENV)).toThrow(/annotate/);
});

test("a promoted final says where the rc was validated, from the rc's annotated environments", () => {
  const notes = annotateNotes(annotateNotes(RC_NOTES, 'staging', STAGING), 'qa', ['- qa']);
  expect(annotatedEnvironments(notes)).toEqual(['staging', 'qa']);
  expect(annotatedEnvironments(RC_NOTES)).toEqual([]);
  const [first] = validationItems({}, { rc: 'v1.1.0-rc.1', sha: HEAD, environments: ['staging'] });
  expect(first).toBe(
    'Promoted from **v1.1.0-rc.1**: the same commit (`aaaaaaaaaaaa`), validated in staging before this tag.\n',
  );
});

test('after a section that ends in a table, one blank line before the block', () => {
  const table = '### Validation\n- gate\n\n| a |\n| --- |\n| b |\n\n\n### Fixes\n- x\n';
  expect(annotateNotes(table, 'staging', STAGING)).toBe(
    `### Validation\n- gate\n\n| a |\n| --- |\n| b |\n\n${blockStart('staging')}\n${STAGING[0]}\n${blockEnd('staging')}\n\n### Fixes\n- x\n`,
  );
});
