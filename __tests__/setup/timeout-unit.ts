// jest ignores testTimeout inside a project's config; each tier sets its own here.
jest.setTimeout(15000);
