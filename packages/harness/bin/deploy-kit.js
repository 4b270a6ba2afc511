#!/usr/bin/env node
// deploy-kit: run any action, or the one-step deploy, from an operator's machine (see packages/harness/src/deploy-kit.ts).
require('../dist/index.js')
  .deployKitMain(process.argv.slice(2))
  .then((code) => {
    process.exitCode = code;
  });
