import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { flatRequirements, loadTree, locate } from '../../../actions/pip-audit/src/tree';

/** A requirements file with its -r and -c includes (#18 B1): every pin found, placed, and flattened. */

let ws: string;
const saved = process.env.GITHUB_WORKSPACE;

function write(files: Record<string, string>): void {
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(ws, name)), { recursive: true });
    fs.writeFileSync(path.join(ws, name), text);
  }
}

beforeEach(() => {
  ws = fs.mkdtempSync(path.join(os.tmpdir(), 'dk-pa-tree-'));
  process.env.GITHUB_WORKSPACE = ws;
});
afterEach(() => {
  process.env.GITHUB_WORKSPACE = saved;
  fs.rmSync(ws, { recursive: true, force: true });
});

test('follows -r and -c relative to the including file, placing every pin at its own file and line', () => {
  write({
    'requirements.txt': '-r reqs/base.txt\n-c reqs/pins.txt\nidna==3.7\n',
    'reqs/base.txt': '# base\nDjango==3.2.10 \\\n    --hash=sha256:abc\n-r more.txt\n',
    'reqs/more.txt': 'sqlparse==0.4.2\n',
    'reqs/pins.txt': 'gunicorn==20.1.0\n',
  });
  const tree = loadTree(path.join(ws, 'requirements.txt'));
  expect(tree.pinned).toBe(true);
  expect(tree.hasIncludes).toBe(true);
  expect(tree.requirements.map((r) => [r.name, r.file, r.line])).toEqual([
    ['idna', 'requirements.txt', 3],
    ['django', 'reqs/base.txt', 2],
    ['sqlparse', 'reqs/more.txt', 1],
  ]);
  expect(locate(tree, 'Gunicorn')).toMatchObject({ file: 'reqs/pins.txt', line: 1 });
  expect(flatRequirements(tree)).toBe('idna==3.7\nDjango==3.2.10\nsqlparse==0.4.2\n');
});

test('an unpinned requirement pinned by a -c file is placed at the pin, and the tree is resolved by pip', () => {
  write({ 'requirements.txt': 'sqlparse\n-c c.txt\n', 'c.txt': 'sqlparse==0.4.2\n' });
  const tree = loadTree(path.join(ws, 'requirements.txt'));
  expect(tree.pinned).toBe(false);
  expect(locate(tree, 'sqlparse')).toMatchObject({ file: 'c.txt', line: 1 });
});

test('a missing include and two different pins of one package are input errors', () => {
  write({ 'requirements.txt': 'idna==3.7\n--constraint nope.txt\n' });
  expect(() => loadTree(path.join(ws, 'requirements.txt'))).toThrow(
    "'requirements' file requirements.txt line 2 includes 'nope.txt' (-c), which does not exist; fix the path or remove the line.",
  );
  write({ 'requirements.txt': 'idna==3.7\n-r b.txt\n', 'b.txt': 'IDNA==3.3\n' });
  expect(() => flatRequirements(loadTree(path.join(ws, 'requirements.txt')))).toThrow(
    "'requirements' pins IDNA twice, 3.7 at requirements.txt line 1 and 3.3 at b.txt line 1; pip refuses that, keep one.",
  );
});

test('an include cycle is read once', () => {
  write({ 'a.txt': '-r b.txt\nidna==3.7\n', 'b.txt': '-r a.txt\nsqlparse==0.4.2\n' });
  const tree = loadTree(path.join(ws, 'a.txt'));
  expect(tree.requirements.map((r) => r.name)).toEqual(['idna', 'sqlparse']);
});
