import { interpolate } from '../../../actions/build-images/src/interpolate';

const env = { SET: 'value', EMPTY: '', REG: '127.0.0.1:5000' };
const i = (text: string) => interpolate(text, env, 'image of service web');

describe('compose interpolation', () => {
  test.each([
    ['${SET}', 'value'],
    ['$SET/x', 'value/x'],
    ['${UNSET}', ''],
    ['${UNSET:-dflt}', 'dflt'],
    ['${EMPTY:-dflt}', 'dflt'],
    ['${EMPTY-dflt}', ''],
    ['${UNSET-dflt}', 'dflt'],
    ['${SET:+alt}', 'alt'],
    ['${EMPTY:+alt}', ''],
    ['${EMPTY+alt}', 'alt'],
    ['$${SET}', '${SET}'],
    ['${UNSET:-${REG}}/app', '127.0.0.1:5000/app'],
    ['${REG:-x}/web:${TAG:-latest}', '127.0.0.1:5000/web:latest'],
    ['cost $5', 'cost $5'],
  ])('%s -> %s', (text, expected) => {
    expect(i(text)).toBe(expected);
  });

  test('required variables fail with the message, naming where', () => {
    expect(() => i('${UNSET:?set the registry}')).toThrow(
      'image of service web requires the variable UNSET: set the registry.',
    );
    expect(() => i('${EMPTY:?}')).toThrow('image of service web requires the variable EMPTY.');
    expect(i('${EMPTY?}')).toBe('');
  });

  test('malformed expressions are refused', () => {
    expect(() => i('${SET')).toThrow(/unclosed/);
    expect(() => i('${1X}')).toThrow(/invalid variable/);
  });
});
