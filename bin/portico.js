#!/usr/bin/env node
// Portico's command line. Node.js 22 runs the TypeScript sources directly (type stripping).
import '../src/cli/main.ts';
