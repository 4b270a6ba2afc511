import { removeRunTemps } from '@deploy-kit/harness';

// jest ignores testTimeout inside a project's config; each tier sets its own here.
jest.setTimeout(180000);

// Each run's runner temp folder is kept for the test to read, then removed when the file is done
// (jest's sandboxed process never reports its exit, so the harness's at-exit cleanup does not run).
afterAll(() => removeRunTemps());
