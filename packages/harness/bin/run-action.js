#!/usr/bin/env node
// Run a committed action bundle locally, as the GitHub runner runs it (see packages/harness/src/cli.ts).
require('../dist/index.js').cliMain(process.argv.slice(2));
