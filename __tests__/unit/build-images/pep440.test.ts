import { parsePep440 } from '../../../actions/build-images/src/tags';

describe('pep440', () => {
  test.each([
    ['1.2.3', '1.2.3', false],
    ['v1.2.3-rc.1', '1.2.3rc1', true],
    ['1.0-alpha2', '1.0a2', true],
    ['1.0.0b3', '1.0.0b3', true],
    ['1.0.post2', '1.0.post2', false],
    ['1.0-1', '1.0.post1', false],
    ['2.0.dev4', '2.0.dev4', true],
    ['1!2.0', '1!2.0', false],
    ['1.0+Local_Build', '1.0+local.build', false],
  ])('%s normalises to %s', (input, version, prerelease) => {
    expect(parsePep440(input)).toMatchObject({ version, prerelease });
  });

  test('major/minor/patch and rejects non-versions', () => {
    expect(parsePep440('3.11')).toMatchObject({ major: 3, minor: 11, patch: 0 });
    expect(parsePep440('main')).toBeUndefined();
  });
});
