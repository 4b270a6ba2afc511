import { leakForms, maskLogByLine, scanForLeaks } from '@deploy-kit/harness';

describe('scanForLeaks', () => {
  test('finds a secret in every form it looks for, and names the place', () => {
    const secret = 'tok-3f9a\nline two';
    const b64 = Buffer.from(secret).toString('base64');
    expect(leakForms(secret)).toEqual(
      expect.arrayContaining([secret, 'line two', b64, 'tok-3f9a\\nline two']),
    );
    const hits = scanForLeaks({ log: `x ${b64} y`, summary: 'clean' }, [secret]);
    expect(hits).toContain(`log: secret #0 as ${JSON.stringify(b64)}`);
    expect(hits.every((h) => h.startsWith('log: '))).toBe(true);
  });

  test('a PIN is a leak as a number of its own, not as digits inside a longer number', () => {
    expect(scanForLeaks({ log: 'took 1765031234567 ms; 248213 bytes' }, ['4821'])).toEqual([]);
    expect(scanForLeaks({ log: 'pin=4821.' }, ['4821'])).toEqual(['log: secret #0 as "4821"']);
    expect(scanForLeaks({ log: 'PIN:4821' }, ['4821'])).toHaveLength(1);
  });
});

describe("maskLogByLine: the runner's masking", () => {
  test('overlapping masks are merged, as the runner does: no fragment of either is left', () => {
    expect(maskLogByLine('abcdefg\n::add-mask::bcd\nxbcdy', ['def', 'bcd'])).toBe('a***g\nx***y');
  });

  test('a mask never matches across lines', () => {
    expect(maskLogByLine('one\ntwo', ['one\ntwo'])).toBe('one\ntwo');
  });
});
