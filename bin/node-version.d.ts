/** The one line to print when Node `version` cannot run Portico, or undefined when it can (node-version.js). */
export function nodeVersionProblem(version: string): string | undefined;
