import { parseSpec } from '../../../actions/smoke-test/src/spec';
import { secretHeaderValues } from '../../../actions/smoke-test/src/secrets';

test('headers and form fields named like a secret under THE MASKING RULE are masked whatever their length', () => {
  const spec = parseSpec('checks', {
    checks: [
      {
        headers: {
          'X-Door-Pin': '42',
          'X-Metrics-Token': 'abc',
          'X-Request-Id': 'plain-id',
          Accept: 'text/html',
        },
      },
    ],
    journeys: [{ name: 'j', steps: [{ name: 'a', form: { pin_code: '7', username: 'alice' } }] }],
  });
  expect(secretHeaderValues(spec).sort()).toEqual(['42', '7', 'abc'].sort());
});
