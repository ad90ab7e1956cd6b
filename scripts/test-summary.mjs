// Prints the plain closing line CI reads ("N passed, N failed") from vitest's JSON report.
import { readFileSync } from 'node:fs';
try {
  const r = JSON.parse(readFileSync(process.argv[2] ?? 'test-results/vitest.json', 'utf8'));
  console.log(`${r.numPassedTests} passed, ${r.numFailedTests + (r.numRuntimeErrorTestSuites ?? 0)} failed`);
} catch (e) {
  console.log(`0 passed, 1 failed`);
  console.error(`test summary: no vitest report (${e.message})`);
}
