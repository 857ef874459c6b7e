import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { PLATFORM_IDS } from '../../src/platforms/types.ts';

async function sourceFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const files = await Promise.all(
    entries.map((e) => (e.isDirectory() ? sourceFiles(path.join(dir, e.name)) : [path.join(dir, e.name)])),
  );
  return files.flat().filter((f) => f.endsWith('.ts'));
}

test('no platform is named in code outside its own module (quirks live in src/platforms/<id>/)', async () => {
  const pattern = new RegExp(`['"\`](${[...PLATFORM_IDS, 'x'].join('|')})['"\`]`);
  const offenders: string[] = [];
  for (const file of await sourceFiles('src')) {
    // The registry and the simulator are the two places that name platforms: one reading of the docs each.
    if (file.startsWith(path.join('src', 'platforms')) || file.startsWith(path.join('src', 'sandbox')))
      continue;
    const lines = (await readFile(file, 'utf8')).split('\n');
    lines.forEach((line, i) => {
      if (pattern.test(line) && !line.trim().startsWith('*') && !line.trim().startsWith('//')) {
        offenders.push(`${file}:${i + 1}: ${line.trim()}`);
      }
    });
  }
  assert.deepEqual(offenders, []);
});

test('the simulator never imports the platform modules', async () => {
  const offenders: string[] = [];
  for (const file of await sourceFiles(path.join('src', 'sandbox'))) {
    const text = await readFile(file, 'utf8');
    for (const m of text.matchAll(/from\s+['"]([^'"]+)['"]/g)) {
      const target = path.resolve(path.dirname(file), m[1]!);
      if (m[1]!.startsWith('.') && !target.startsWith(path.resolve('src', 'sandbox')))
        offenders.push(`${file} imports ${m[1]}`);
    }
  }
  assert.deepEqual(offenders, []);
});
