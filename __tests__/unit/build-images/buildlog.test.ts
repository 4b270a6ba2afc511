import {
  buildStats,
  isRetryableRegistryError,
  lastErrorLine,
  pushedDigest,
} from '../../../actions/build-images/src/buildlog';

describe('build and push output', () => {
  test('BuildKit plain progress: steps and CACHED vertices', () => {
    const log = [
      '#1 [internal] load build definition from Dockerfile',
      '#4 [1/3] FROM docker.io/local/busybox:latest',
      '#4 CACHED',
      '#5 [2/3] RUN echo hi',
      '#5 CACHED',
      '#6 [stage-1 3/3] COPY . /app',
      '#6 DONE 0.1s',
      '#2 CACHED',
    ].join('\n');
    expect(buildStats(log)).toEqual({ steps: 2, cacheHits: 1 }); // FROM is not a step
  });

  test('legacy builder: Step lines and Using cache', () => {
    const log = 'Step 1/3 : FROM x\nStep 2/3 : RUN a\n ---> Using cache\n ---> 123\nStep 3/3 : CMD b\n';
    expect(buildStats(log)).toEqual({ steps: 2, cacheHits: 1 });
  });

  test('digest from docker push output', () => {
    const d = `sha256:${'e'.repeat(64)}`;
    expect(pushedDigest(`abc: Pushed\nv1: digest: ${d} size: 528\n`)).toBe(d);
    expect(pushedDigest('nothing')).toBeUndefined();
  });

  test.each([
    ['received unexpected HTTP status: 503 Service Unavailable', true],
    ['toomanyrequests: 429 Too Many Requests', true],
    ['read tcp 127.0.0.1:1->127.0.0.1:2: read: connection reset by peer', true],
    ['Get "http://127.0.0.1:5000/v2/": EOF', true],
    ['toomanyrequests: injected fault', true],
    ['unauthorized: authentication required', false],
    ['denied: requested access to the resource is denied', false],
    ['An image does not exist locally with the tag: x', false],
    ['some other failure', false],
  ])('retryable(%s) = %s', (text, expected) => {
    expect(isRetryableRegistryError(text)).toBe(expected);
  });

  test('lastErrorLine drops the daemon prefix and warnings', () => {
    expect(lastErrorLine('WARNING! x\nError response from daemon: Get "x": unauthorized.\n')).toBe(
      'Get "x": unauthorized',
    );
  });
});
