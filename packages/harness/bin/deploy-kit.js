#!/usr/bin/env node
// deploy-kit: run any action, or the one-step deploy, from an operator's machine (see packages/harness/src/deploy-kit.ts).
// Exit status: 0 the action passed, 1 it failed (or could not run, or was cancelled), 2 a usage error.
require('../dist/index.js')
  .deployKitMain(process.argv.slice(2))
  .then(
    (code) => {
      process.exitCode = code;
    },
    (error) => {
      console.error(`deploy-kit: ${error && error.stack ? error.stack : error}`);
      process.exitCode = 1;
    },
  );
