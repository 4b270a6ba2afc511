import {
  DEFAULT_TAG_RULES,
  computeTags,
  ociLabels,
  parseTagRules,
  sanitizeTag,
  versionOf,
  type GitContext,
} from '../../../actions/build-images/src/tags';

const sha = '0123456789abcdef0123456789abcdef01234567';
const ctx = (over: Partial<GitContext>): GitContext => ({
  eventName: 'push',
  ref: 'refs/heads/main',
  sha,
  defaultBranch: 'main',
  repositoryUrl: 'https://github.com/example/app',
  ...over,
});
const defaults = parseTagRules(DEFAULT_TAG_RULES);

describe('tags from the git context', () => {
  test('default branch push: branch, sha, latest', () => {
    expect(computeTags(defaults, ctx({}))).toEqual(['main', 'sha-0123456', 'latest']);
  });

  test('other branch: sanitised branch name, no latest', () => {
    expect(computeTags(defaults, ctx({ ref: 'refs/heads/feature/Login#2' }))).toEqual([
      'feature-Login-2',
      'sha-0123456',
    ]);
  });

  test('latest only on the default branch, never when it is unknown', () => {
    expect(computeTags(defaults, ctx({ defaultBranch: undefined }))).not.toContain('latest');
    expect(computeTags(defaults, ctx({ ref: 'refs/tags/v1.2.3' }))).not.toContain('latest');
  });

  test('semver tag: version, major.minor, major', () => {
    expect(computeTags(defaults, ctx({ ref: 'refs/tags/v1.2.3' }))).toEqual([
      '1.2.3',
      '1.2',
      '1',
      'sha-0123456',
    ]);
  });

  test('pre-release moves only its own version; 0.x gets no bare major', () => {
    expect(computeTags(defaults, ctx({ ref: 'refs/tags/v2.0.0-rc.1' }))).toEqual([
      '2.0.0-rc.1',
      'sha-0123456',
    ]);
    expect(computeTags(defaults, ctx({ ref: 'refs/tags/v0.4.1' }))).toEqual(['0.4.1', '0.4', 'sha-0123456']);
  });

  test('pull request: pr-N and sha', () => {
    expect(
      computeTags(defaults, ctx({ eventName: 'pull_request', ref: 'refs/pull/42/merge', prNumber: 42 })),
    ).toEqual(['pr-42', 'sha-0123456']);
  });

  test('pep440 when asked', () => {
    const rules = parseTagRules('type=pep440,pattern={{version}}\ntype=pep440,pattern={{major}}.{{minor}}');
    expect(computeTags(rules, ctx({ ref: 'refs/tags/v1.2.3-rc.1' }))).toEqual(['1.2.3rc1']);
    expect(computeTags(rules, ctx({ ref: 'refs/tags/1.2.3.post1' }))).toEqual(['1.2.3.post1', '1.2']);
  });

  test('raw lines, prefix/suffix, long sha, enable expressions, ref tag events', () => {
    const rules = parseTagRules(
      [
        'stable',
        'type=sha,format=long,prefix=',
        'type=raw,value={{branch}}-{{sha}},suffix=-ci',
        'type=raw,value=edge,enable={{is_not_default_branch}}',
        'type=ref,event=tag',
      ].join('\n'),
    );
    expect(computeTags(rules, ctx({}))).toEqual(['stable', sha, 'main-0123456-ci']);
    const noBranch = rules.filter((r) => !r.text.includes('{{branch}}'));
    expect(computeTags(noBranch, ctx({ ref: 'refs/tags/v3' }))).toEqual(['stable', sha, 'edge', 'v3']);
    // On a tag build {{branch}} is empty: the rule yields '-0123456-ci', which is refused, not pushed.
    expect(() => computeTags(rules, ctx({ ref: 'refs/tags/v3' }))).toThrow(/gives '-0123456-ci'/);
  });

  test('bad rules and bad tags are one sentence naming the rule', () => {
    expect(() => parseTagRules('type=nope')).toThrow("'tags' rule 'type=nope' has an unknown type 'nope'");
    expect(() => parseTagRules('type=ref')).toThrow(/needs event=branch/);
    expect(() => parseTagRules('type=semver')).toThrow(/needs a pattern/);
    expect(() => computeTags(parseTagRules('type=raw,value=-bad'), ctx({}))).toThrow(
      "'tags' rule 'type=raw,value=-bad' gives '-bad', which is not a valid image tag",
    );
    expect(() => computeTags(parseTagRules('type=raw,value=x,enable=maybe'), ctx({}))).toThrow(
      /neither true nor false/,
    );
  });

  test('sanitizeTag', () => {
    expect(sanitizeTag('dependabot/npm_and_yarn/x@1')).toBe('dependabot-npm_and_yarn-x-1');
  });

  test('OCI labels: source, revision, created, version, title', () => {
    const created = new Date('2026-01-02T03:04:05Z');
    expect(
      ociLabels(ctx({}), { title: 'app', version: versionOf(ctx({ ref: 'refs/tags/v1.2.3' }), []), created }),
    ).toEqual({
      'org.opencontainers.image.title': 'app',
      'org.opencontainers.image.revision': sha,
      'org.opencontainers.image.created': '2026-01-02T03:04:05.000Z',
      'org.opencontainers.image.version': '1.2.3',
      'org.opencontainers.image.source': 'https://github.com/example/app',
    });
    expect(versionOf(ctx({}), ['main', 'sha-1'])).toBe('main');
  });
});
