import {
  deployFailed,
  dryRunProblems,
  hostReasons,
  MAX_HOSTS_NAMED,
  MAX_OUTPUT_CHARS,
  oneLineReason,
  preparingFailed,
} from '../../../actions/remote-deploy/src/messages';

const host = (name: string, error: string) => ({ name, previous: '1.0', error, status: 'failed' });

describe('fleet failure sentences (issue 14 E3)', () => {
  test('every failed host is named with its own reason', () => {
    const bad = [
      host('web1', 'health check red on web1: exited 1'),
      host('web2', 'the post-hook on web2 exited with 3; last output:\nno disk on web2'),
    ];
    expect(deployFailed('2.0', bad, 'rolled back web1 to 1.0, web2 to 1.0 (healthy)')).toBe(
      'deploy of 2.0 failed on web1: health check red on web1: exited 1; ' +
        'web2: the post-hook on web2 exited with 3; last output: no disk on web2; ' +
        'rolled back web1 to 1.0, web2 to 1.0 (healthy)',
    );
  });

  test('bounded: past the limit the sentence points to the job summary', () => {
    const bad = Array.from({ length: MAX_HOSTS_NAMED + 3 }, (_, i) => host(`h${i}`, `reason ${i}`));
    const text = preparingFailed(bad);
    for (let i = 0; i < MAX_HOSTS_NAMED; i++) expect(text).toContain(`h${i}: reason ${i}`);
    expect(text).not.toContain(`h${MAX_HOSTS_NAMED}:`);
    expect(text).toMatch(
      /preparing failed on 8 host\(s\), nothing was changed: .*; and 3 more host\(s\): see the job summary for the rest$/,
    );
    expect(dryRunProblems(bad.slice(0, 2))).toBe('dry run found problems on h0: reason 0; h1: reason 1');
  });

  test('a reason is one line; only the quoted output is bounded, from its end', () => {
    expect(oneLineReason('a\r\n\n  b\rc')).toBe('a | b | c');
    expect(oneLineReason('exited 1; last output:\nabout-to-fail')).toBe(
      'exited 1; last output: about-to-fail',
    );
    // Our own sentence is never cut, however long (its advice is at its end).
    const sentence = `host key mismatch for h1: expected ${'x'.repeat(400)}; possible man-in-the-middle`;
    expect(oneLineReason(sentence)).toBe(sentence);
    const output = Array.from({ length: 200 }, (_, i) => `line ${i}`).join('\n');
    const cut = oneLineReason(`hook failed; last output:\n${output}`);
    expect(cut.startsWith('hook failed; last output: …')).toBe(true);
    expect(cut.endsWith('line 198 | line 199')).toBe(true);
    expect(cut.length).toBe('hook failed; last output: '.length + MAX_OUTPUT_CHARS);
    expect(oneLineReason(undefined)).toBe('unknown error');
    expect(hostReasons([])).toBe('');
  });
});
