#!/usr/bin/env node
// Turn jest's JSON results into the plain closing line CI reads: "N passed, N failed".
// A suite that failed to load counts as a failure even though it ran no test.
import * as fs from 'node:fs';

const file = process.argv[2];
let results;
try {
  results = JSON.parse(fs.readFileSync(file, 'utf8'));
} catch (error) {
  console.error(`could not read jest results from ${file}: ${error.message}`);
  console.log('0 passed, 1 failed');
  process.exit(1);
}
const brokenSuites = results.testResults.filter(
  (s) => s.status === 'failed' && s.assertionResults.length === 0,
);
for (const suite of brokenSuites)
  console.error(`suite failed to run: ${suite.name}\n${suite.message.slice(0, 2000)}`);
const passed = results.numPassedTests;
const failed = results.numFailedTests + brokenSuites.length;
const skipped = results.numPendingTests + results.numTodoTests;
if (passed + failed === 0) {
  console.error('jest ran no test');
  console.log('0 passed, 1 failed');
  process.exit(1);
}
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed === 0 ? 0 : 1);
