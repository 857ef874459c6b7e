// Which Node.js Portico needs. Plain JavaScript that old Node versions still parse, so that they reach the
// one-line message below instead of a loader error with a stack trace (Node 20 cannot load `.ts` files).
// Node 22.18 and 23.6 are the first of their lines to strip TypeScript types without a flag.

/**
 * The one line to print when Node `version` (like `process.versions.node`, "20.20.2") cannot run Portico,
 * or undefined when it can.
 */
export function nodeVersionProblem(version) {
  const [major = 0, minor = 0] = String(version).split('.').map(Number);
  if (major >= 24 || (major === 23 && minor >= 6) || (major === 22 && minor >= 18)) return undefined;
  return (
    `Portico needs Node.js 22.18 or newer (24 and 26 work too); this is Node.js ${version}. ` +
    'Get it from https://nodejs.org/ or with `npm install -g node@22`.'
  );
}
