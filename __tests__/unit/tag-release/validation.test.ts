import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { InputError } from '@deploy-kit/shared';
import { parseEvidence } from '../../../actions/tag-release/src/evidence';
import { releaseNotes } from '../../../actions/tag-release/src/notes';
import {
  extractValidation,
  lintGateLine,
  pipAuditLine,
  validationItems,
} from '../../../actions/tag-release/src/validation';
import { DEPLOY, IMAGES, LINT_GATE, PIP_AUDIT, SMOKE_TEST } from '../../fixtures/tag-release/evidence';

const notesWith = (validation: string[]): string =>
  releaseNotes({
    tag: 'v1.0.0',
    previousTag: 'v0.9.0',
    changes: { changes: [], unconventional: [] } as never,
    commits: [],
    migrations: [],
    images: {},
    links: { repoUrl: 'https://github.com/o/r' },
    validation,
  });

describe('evidence input', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dk-evidence-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('objects inline (what ${{ needs.x.outputs.results }} expands to), JSON text and files', () => {
    fs.writeFileSync(path.join(dir, 'smoke.json'), JSON.stringify(SMOKE_TEST));
    const text = [
      `lint-gate: ${JSON.stringify(LINT_GATE)}`,
      `pip-audit: '${JSON.stringify(PIP_AUDIT).replace(/'/g, "''")}'`,
      'smoke-test: smoke.json',
      `images: ${JSON.stringify(IMAGES)}`,
      'environment: staging',
      'deploy: ""',
    ].join('\n');
    const e = parseEvidence(text, dir);
    expect(e.lintGate).toEqual(LINT_GATE);
    expect(e.pipAudit).toEqual(PIP_AUDIT);
    expect(e.smokeTest).toEqual(SMOKE_TEST);
    expect(e.images).toEqual(IMAGES);
    expect(e.environment).toBe('staging');
    expect(e.deploy).toBeUndefined(); // a job that did not run gives an empty output
    expect(parseEvidence('', dir)).toEqual({});
  });

  test.each([
    [
      'lint: {}',
      "'evidence' has an unknown key 'lint'; the keys are environment, lint-gate, pip-audit, smoke-test, deploy, images.",
    ],
    ['smoke-test: missing.json', "'evidence' smoke-test: cannot read missing.json (ENOENT)"],
    [
      'smoke-test: { passedCount: 1 }',
      "'evidence' smoke-test must be the smoke-test action's results output (a JSON object with status).",
    ],
    ['deploy: "{not json"', "'evidence' deploy: its JSON is not JSON"],
    ['[1, 2]', "'evidence' must be an object with any of environment, lint-gate"],
    ['environment: "staging; rm"', "'evidence' environment must be a name such as staging."],
    ['images: { web: 3 }', "'evidence' images must be build-images' images output"],
  ])('%s is refused before anything is tagged', (text, message) => {
    expect(() => parseEvidence(text, dir)).toThrow(InputError);
    expect(() => parseEvidence(text, dir)).toThrow(message);
  });
});

describe('Validation section', () => {
  test('lint-gate: test counts and coverage; pip-audit: the outcome and accepted advisories', () => {
    expect(lintGateLine(LINT_GATE)).toBe(
      '- **Release gate** (lint-gate, passed): pytest 205 passed, 0 failed, 0 skipped; coverage 92.08 % ≥ 80 %; black, flake8 passed.',
    );
    expect(pipAuditLine(PIP_AUDIT)).toBe(
      '- **Dependency audit** (pip-audit, passed): 0 vulnerabilities; accepted advisories: `GHSA-xxxx-yyyy-zzzz` in django 3.2.25 until 2027-01-31 (only the admin is affected; admin is off in production).',
    );
    const failed = {
      status: 'failed',
      failure: '2 tests failed',
      gates: { pytest: { status: 'findings', counts: { tests: 10, failed: 2, skipped: 1, passed: 7 } } },
    };
    expect(lintGateLine(failed)).toBe(
      '- **Release gate** (lint-gate, **failed**: 2 tests failed): pytest 7 passed, 2 failed, 1 skipped.',
    );
    expect(pipAuditLine({ status: 'could-not-run', failure: 'no network' })).toBe(
      '- **Dependency audit** (pip-audit, **could-not-run**: no network): the audit did not complete; no accepted advisories.',
    );
  });

  test('an rc in staging: deploy with its hosts, the smoke checks by name, the digests deployed', () => {
    const notes = notesWith(
      validationItems({ lintGate: LINT_GATE, deploy: DEPLOY, images: IMAGES, environment: 'staging' }),
    );
    expect(notes).toContain(
      [
        '### Validation',
        '- **Release gate** (lint-gate, passed): pytest 205 passed, 0 failed, 0 skipped; coverage 92.08 % ≥ 80 %; black, flake8 passed.',
        '- **Deploy in staging** (passed): version `sha-0123abc` on 2 hosts (web1 ✓, web2 ✓).',
        '- **Smoke test in staging** (passed): 3 of 3 checks passed in 2.4 s.',
        '  - ✓ home',
        '  - ✓ version: deployed release answers',
        '  - ✓ log in, write, download (journey)',
        '',
        'Images deployed in staging:',
        '',
        '| Service | Image | Digest |',
        '| --- | --- | --- |',
        `| web | \`registry.example.com/notes/web:sha-0123abc\` | \`sha256:${'ab'.repeat(32)}\` |`,
      ].join('\n'),
    );
    expect(notes.indexOf('### Validation')).toBe(0);
  });

  test('a promoted final names the rc and carries the rc notes’ Validation lines, which round-trip', () => {
    const rcNotes = notesWith(validationItems({ lintGate: LINT_GATE, pipAudit: PIP_AUDIT }));
    const rcLines = extractValidation(rcNotes);
    expect(rcLines).toEqual([lintGateLine(LINT_GATE), pipAuditLine(PIP_AUDIT)]);
    const final = notesWith(
      validationItems(
        { smokeTest: SMOKE_TEST, environment: 'staging' },
        { rc: 'v1.0.0-rc.1', sha: '0123abc0123abc0123abc', rcValidation: rcLines },
      ),
    );
    expect(final).toContain(
      '### Validation\nPromoted from **v1.0.0-rc.1**: the same commit (`0123abc0123a`), validated in staging before this tag.\n\n- **Smoke',
    );
    expect(final).toContain('- **Smoke test in staging** (passed): 3 of 3 checks passed in 2.4 s.');
    expect(final).toContain(`\nAs v1.0.0-rc.1 (from its release notes):\n\n${lintGateLine(LINT_GATE)}\n`);
    expect(extractValidation('### Features\n- x\n')).toBeUndefined();
  });

  test('no evidence and no promotion: no section', () => {
    expect(validationItems({})).toEqual([]);
    expect(notesWith([])).not.toContain('Validation');
  });
});
