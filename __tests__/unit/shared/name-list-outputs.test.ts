import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { registerSecret, resetMasksForTests, runOnRunner, type ActionDefinition } from '@deploy-kit/shared';

/** runOnRunner writes a definition's nameListOutputs as they are and redacts every other output. */

function readOutputs(file: string): Record<string, string> {
  // @actions/core's file command: name<<delimiter \n value \n delimiter
  const out: Record<string, string> = {};
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  for (let i = 0; i < lines.length; i++) {
    const m = /^([^<]+)<<(.+)$/.exec(lines[i] as string);
    if (!m) continue;
    const value: string[] = [];
    for (i++; lines[i] !== m[2]; i++) value.push(lines[i] as string);
    out[m[1] as string] = value.join('\n');
  }
  return out;
}

test('name lists come out whole even when a secret spells part of a name; other outputs are redacted', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'name-lists-'));
  const saved = { ...process.env };
  const write = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
  try {
    process.env.GITHUB_OUTPUT = path.join(dir, 'output');
    process.env.GITHUB_STEP_SUMMARY = path.join(dir, 'summary');
    fs.writeFileSync(process.env.GITHUB_OUTPUT, '');
    fs.writeFileSync(process.env.GITHUB_STEP_SUMMARY, '');
    resetMasksForTests();
    registerSecret('JANGO');
    const definition: ActionDefinition<object, { keys: string[]; note: string; results: object }> = {
      name: 'fake',
      secretInputs: [],
      defaults: {},
      nameListOutputs: ['keys'],
      parseInputs: () => ({}),
      run: async () => ({
        outputs: {
          keys: ['DJANGO_SECRET_KEY'],
          note: 'DJANGO',
          results: { status: 'passed', key: 'DJANGO' },
        },
        summary: 'done',
      }),
    };
    await runOnRunner(definition);
    const outputs = readOutputs(process.env.GITHUB_OUTPUT);
    expect(JSON.parse(outputs.keys as string)).toEqual(['DJANGO_SECRET_KEY']);
    expect(outputs.note).toBe('D***');
    expect(outputs.results).toBe('{"status":"passed","key":"D***"}');
  } finally {
    write.mockRestore();
    resetMasksForTests();
    process.env = saved;
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
