/**
 * The structure of `src/`, checked: which parts may import which (type imports included). The rules are
 * the ones `docs/architecture.md` draws; each keeps a dependency pointing the intended way.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, test } from 'node:test';

const ROOT = resolve(import.meta.dirname, '..');

/** [importer part, imported part, why]: the importer must never import the imported. */
const FORBIDDEN: ReadonlyArray<readonly [string, string, string]> = [
  ['src/sandbox', 'src/platforms', 'the simulator is an independent reading of the platforms’ docs'],
  ['src/platforms', 'src/http', 'platform modules know nothing of the API surfaces'],
  ['src/platforms', 'src/storage', 'platform modules are data and quirks, not persistence'],
  ['src/oauth', 'src/platforms', 'OAuth mechanics know nothing of platforms'],
  ['src/connect', 'src/http', 'the connect core serves every surface'],
  ['src/connect', 'src/sandbox', 'the core learns the simulator’s apps from the runtime, not by import'],
  ['src/storage', 'src/connect', 'storage knows nothing of use-cases'],
];

export type ImportGraph = ReadonlyMap<string, readonly string[]>;

/** Every relative import (`import`, `import type`, `export ... from`, dynamic `import()`), resolved. */
export function importsOf(file: string, source: string): string[] {
  const specifiers = [
    ...source.matchAll(/^\s*(?:import|export)\s[^'"]*?\sfrom\s+['"]([^'"]+)['"]/gm),
    ...source.matchAll(/^\s*import\s+['"]([^'"]+)['"]/gm),
    ...source.matchAll(/import\(\s*['"]([^'"]+)['"]\s*\)/g),
  ].map((m) => m[1]!);
  return specifiers
    .filter((s) => s.startsWith('.'))
    .map((s) => relative(ROOT, resolve(dirname(join(ROOT, file)), s)));
}

function sourceFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

export function projectGraph(): ImportGraph {
  return new Map(sourceFiles('src').map((f) => [f, importsOf(f, readFileSync(join(ROOT, f), 'utf8'))]));
}

const inPart = (file: string, part: string) => file === part || file.startsWith(`${part}/`);

/** The forbidden imports in a graph, one line each. */
export function violations(graph: ImportGraph): string[] {
  const found: string[] = [];
  for (const [file, imports] of graph) {
    for (const imported of imports) {
      for (const [from, to, why] of FORBIDDEN) {
        if (inPart(file, from) && inPart(imported, to)) found.push(`${file} imports ${imported}: ${why}`);
      }
    }
  }
  return found;
}

describe('the structure of src/', () => {
  test('no part imports what it must not', () => {
    assert.deepEqual(violations(projectGraph()), []);
  });

  test('the graph sees every kind of import, type imports included', () => {
    const source = [
      "import type { PlatformModule } from '../platforms/types.ts';",
      "import { a,\n  b } from './multi-line.ts';",
      "export { c } from '../sandbox/index.ts';",
      "export type { D } from '../http/app.ts';",
      "import './side-effect.ts';",
      "const lazy = await import('../storage/db.ts');",
      "import { Type } from 'typebox';",
    ].join('\n');
    assert.deepEqual(importsOf('src/oauth/x.ts', source), [
      'src/platforms/types.ts',
      'src/oauth/multi-line.ts',
      'src/sandbox/index.ts',
      'src/http/app.ts',
      'src/oauth/side-effect.ts',
      'src/storage/db.ts',
    ]);
  });

  // Each rule, shown failing on an import it forbids (a graph with one added edge).
  const cases: Array<[string, string]> = [
    ['src/sandbox/platforms/x.ts', 'src/platforms/twitter/index.ts'],
    ['src/platforms/tiktok/index.ts', 'src/http/envelope.ts'],
    ['src/platforms/types.ts', 'src/storage/schema.ts'],
    ['src/oauth/token.ts', 'src/platforms/types.ts'],
    ['src/connect/start.ts', 'src/http/team.ts'],
    ['src/connect/oauth-apps.ts', 'src/sandbox/index.ts'],
    ['src/storage/db.ts', 'src/connect/sessions.ts'],
  ];
  for (const [importer, imported] of cases) {
    test(`a forbidden import fails the check: ${importer} → ${imported}`, () => {
      const graph = new Map(projectGraph());
      graph.set(importer, [...(graph.get(importer) ?? []), imported]);
      const found = violations(graph);
      assert.equal(found.length, 1, found.join('\n'));
      assert.match(found[0]!, new RegExp(`^${importer} imports ${imported}`));
    });
  }

  test('allowed directions pass: platforms may use oauth, connect may use platforms', () => {
    const graph = new Map([
      ['src/platforms/facebook/index.ts', ['src/oauth/token.ts']],
      ['src/connect/flows.ts', ['src/platforms/types.ts', 'src/oauth/authorize.ts']],
      ['src/http/routes/connect.ts', ['src/connect/start.ts']],
    ]);
    assert.deepEqual(violations(graph), []);
  });
});
