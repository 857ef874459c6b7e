/**
 * The portal's platform marks: `icons/<platform id>.svg`, drawn for Portico (a simple glyph in the
 * platform's colour, no brand artwork, nothing from a CDN), inlined into the page. A platform without a
 * file of its own gets the generic mark until one is drawn.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const DIR = join(import.meta.dirname, 'icons');

const icons = new Map(
  readdirSync(DIR)
    .filter((file) => file.endsWith('.svg'))
    .map((file) => [file.slice(0, -'.svg'.length), readFileSync(join(DIR, file), 'utf8').trim()]),
);

/** The mark as inline SVG, decorative (the platform's name is always written beside it). */
export function platformIcon(platformId: string): string {
  const svg = icons.get(platformId) ?? icons.get('generic') ?? '';
  return svg.replace('<svg ', '<svg width="40" height="40" ');
}
