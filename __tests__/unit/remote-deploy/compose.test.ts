import { parse } from 'yaml';
import { dropBuildSections } from '../../../actions/remote-deploy/src/model/compose-files';

const FILE = `version: "3.8"
services:
  web:
    build:
      context: ./web
    image: registry/app/web
    network_mode: host
  worker:
    build: .
    network_mode: host
  db:
    image: postgres:15
`;

describe('dropBuildSections', () => {
  test('drops build: from services that have an image or are pinned, keeping everything else', () => {
    const { text, dropped } = dropBuildSections('docker-compose.yml', FILE, new Set(['worker']));
    expect(dropped).toEqual(['web', 'worker']);
    expect(parse(text)).toEqual({
      version: '3.8',
      services: {
        web: { image: 'registry/app/web', network_mode: 'host' },
        worker: { network_mode: 'host' },
        db: { image: 'postgres:15' },
      },
    });
  });

  test('refuses a service that would have to be built on the host', () => {
    expect(() => dropBuildSections('docker-compose.yml', FILE, new Set())).toThrow(
      "'compose-files' docker-compose.yml: service worker has build: but no image:, and 'images' does not pin it; remote-deploy never builds on a host, so give the service an image.",
    );
  });

  test('a file without build: comes back unchanged, comments and all', () => {
    const plain = '# ours\nservices:\n  db:\n    image: postgres:15 # pinned\n';
    expect(dropBuildSections('c.yml', plain, new Set())).toEqual({ text: plain, dropped: [] });
  });
});

test('a build: inherited through a merge key is dropped too, and the rest of the anchor kept', () => {
  const file = [
    'x-app: &app',
    '  build: .',
    '  image: registry/app/web',
    '  network_mode: host',
    'services:',
    '  web:',
    '    <<: *app',
    '    command: ["web"]',
    '  worker:',
    '    <<: *app',
    '    command: ["worker"]',
    '',
  ].join('\n');
  const { text, dropped } = dropBuildSections('c.yml', file, new Set());
  expect(dropped).toEqual(['web', 'worker']);
  const services = (parse(text) as { services: Record<string, unknown> }).services;
  expect(services).toEqual({
    web: { image: 'registry/app/web', network_mode: 'host', command: ['web'] },
    worker: { image: 'registry/app/web', network_mode: 'host', command: ['worker'] },
  });
});
