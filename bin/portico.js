#!/usr/bin/env node
// Portico's command line. Node.js 22.18+ runs the TypeScript sources directly (type stripping). The version
// check runs before anything else loads: an older Node gets one line saying what to install, not a stack.
import { nodeVersionProblem } from './node-version.js';

const problem = nodeVersionProblem(process.versions.node);
if (problem) {
  console.error(problem);
  process.exitCode = 1;
} else {
  import('../src/cli/main.ts');
}
