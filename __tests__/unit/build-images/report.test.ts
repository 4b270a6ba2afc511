import { parse } from 'yaml';
import {
  composeOverride,
  digestsOutput,
  formatBytes,
  imagesOutput,
  summaryMarkdown,
  tagsOutput,
  type ServiceResult,
} from '../../../actions/build-images/src/report';

const digest = `sha256:${'b'.repeat(64)}`;
const pushed: ServiceResult[] = ['web', 'celery'].map((service) => ({
  service,
  repository: `127.0.0.1:5000/app/${service}`,
  tags: ['1.2.3', 'sha-0123456'],
  digest,
  pushed: true,
}));

describe('outputs', () => {
  test('images, digests and tags maps', () => {
    expect(imagesOutput(pushed)).toEqual({
      web: `127.0.0.1:5000/app/web:1.2.3@${digest}`,
      celery: `127.0.0.1:5000/app/celery:1.2.3@${digest}`,
    });
    expect(digestsOutput(pushed)).toEqual({ web: digest, celery: digest });
    expect(tagsOutput(pushed).web).toEqual([
      '127.0.0.1:5000/app/web:1.2.3',
      '127.0.0.1:5000/app/web:sha-0123456',
    ]);
  });

  test('compose override pins each service by digest and repeats the base version', () => {
    const doc = parse(composeOverride(pushed, '3.8'));
    expect(doc).toEqual({
      version: '3.8',
      services: {
        web: { image: `127.0.0.1:5000/app/web@${digest}` },
        celery: { image: `127.0.0.1:5000/app/celery@${digest}` },
      },
    });
    expect(parse(composeOverride(pushed))).not.toHaveProperty('version');
  });

  test('not pushed: images carry the tag only, the override pins the tag', () => {
    const local = pushed.map((r) => ({ ...r, digest: `sha256:${'c'.repeat(64)}`, pushed: false }));
    expect(imagesOutput(local).web).toBe('127.0.0.1:5000/app/web:1.2.3');
    expect(parse(composeOverride(local)).services.web.image).toBe('127.0.0.1:5000/app/web:1.2.3');
  });

  test('summary table has tags, digest, size, build time and cache hits', () => {
    const md = summaryMarkdown(
      [
        {
          services: ['web', 'celery'],
          repositories: ['r/web', 'r/celery'],
          tags: ['v1'],
          digest,
          imageId: 'sha256:x',
          sizeBytes: 2_000_000,
          buildMs: 1500,
          cacheHits: 2,
          steps: 3,
          pushed: true,
        },
      ],
      'docker build (BuildKit)',
    );
    expect(md).toContain('1 build for 2 services');
    // The full digest is in the outputs; the table shows the short id, as `docker images` does.
    expect(md).toContain(
      `| web, celery | r/web:v1<br>r/celery:v1 | sha256:bbbbbbbbbbbb | 1.9 MiB | 1.5 s | 2/3 |`,
    );
    expect(formatBytes(512)).toBe('512 B');
  });
});
