/**
 * The portal's languages and their catalogs: one i18next JSON v4 file per language in `locales/` (nested
 * keys, `{{var}}` interpolation, plural keys suffixed with the language's CLDR category: `_one`, `_few`,
 * `_other`...). A small reader of that format rather than the i18next runtime: the page needs lookup,
 * interpolation and plurals, all three in a few lines, and nothing else of it. A key a catalog lacks is
 * read from English, so a missing translation shows English words, never a key.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The hosted product's 13 languages, then the five it has added since (its SDK's enum), in that order. */
export const LANGUAGES = [
  'en',
  'pl',
  'fr',
  'hi',
  'sv',
  'de',
  'es',
  'it',
  'nl',
  'pt',
  'ru',
  'tr',
  'zh',
  'da',
  'th',
  'ko',
  'he',
  'ar',
] as const;
export type Language = (typeof LANGUAGES)[number];

const RIGHT_TO_LEFT: ReadonlySet<Language> = new Set(['he', 'ar']);

export const isLanguage = (value: unknown): value is Language =>
  typeof value === 'string' && (LANGUAGES as readonly string[]).includes(value);

export const directionOf = (language: Language): 'rtl' | 'ltr' =>
  RIGHT_TO_LEFT.has(language) ? 'rtl' : 'ltr';

type Catalog = { [key: string]: string | Catalog };

const LOCALES = join(import.meta.dirname, 'locales');

function readCatalog(language: Language): Catalog | undefined {
  try {
    return JSON.parse(readFileSync(join(LOCALES, `${language}.json`), 'utf8')) as Catalog;
  } catch (error) {
    // A language whose file is not there yet speaks English (the catalog test requires every file).
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Every catalog, read once at start-up. */
const catalogs = new Map<Language, Catalog>();
for (const language of LANGUAGES) {
  const catalog = readCatalog(language);
  if (catalog) catalogs.set(language, catalog);
}

function lookup(catalog: Catalog | undefined, key: string): string | undefined {
  let node: string | Catalog | undefined = catalog;
  for (const part of key.split('.')) {
    if (!node || typeof node === 'string') return undefined;
    node = node[part];
  }
  return typeof node === 'string' ? node : undefined;
}

const pluralRules = new Map<Language, Intl.PluralRules>();
function pluralCategory(language: Language, count: number): string {
  let rules = pluralRules.get(language);
  if (!rules) {
    rules = new Intl.PluralRules(language);
    pluralRules.set(language, rules);
  }
  return rules.select(count);
}

export type Vars = Record<string, string | number>;

/** A translator for one language: `t('platform.connectLabel', {platform: 'Mastodon'})`. Plain text. */
export type Translate = (key: string, vars?: Vars) => string;

export function translator(language: Language): Translate {
  const own = catalogs.get(language);
  const english = catalogs.get('en');
  return (key, vars = {}) => {
    const count = vars.count;
    const keys =
      typeof count === 'number' ? [`${key}_${pluralCategory(language, count)}`, `${key}_other`] : [];
    let text: string | undefined;
    for (const candidate of [...keys, key]) {
      text = lookup(own, candidate);
      if (text !== undefined) break;
    }
    if (text === undefined) {
      const englishKeys =
        typeof count === 'number' ? [`${key}_${pluralCategory('en', count)}`, `${key}_other`] : [];
      for (const candidate of [...englishKeys, key]) {
        text = lookup(english, candidate);
        if (text !== undefined) break;
      }
    }
    if (text === undefined) throw new Error(`no portal text ${key}`);
    return text.replace(/\{\{\s*(\w+)\s*\}\}/g, (whole, name: string) =>
      vars[name] === undefined ? whole : String(vars[name]),
    );
  };
}

/** Each language's name in that language (its catalog's `language.name`), for the switcher. */
export function languageNames(): Array<{ code: Language; name: string }> {
  return LANGUAGES.map((code) => ({ code, name: translator(code)('language.name') }));
}

/**
 * The language of the visitor's browser (`Accept-Language`, by its q-values), among the portal's; a
 * regional tag counts for its language (`pt-BR` is `pt`, `zh-Hans-CN` is `zh`).
 */
export function fromAcceptLanguage(header: string | undefined): Language | undefined {
  if (!header) return undefined;
  const ranked = header
    .split(',')
    .map((part, index) => {
      const [tag = '', ...params] = part.trim().split(';');
      const q = params.map((p) => /^\s*q=([\d.]+)\s*$/.exec(p)?.[1]).find(Boolean);
      return { language: tag.toLowerCase().split('-')[0], q: q === undefined ? 1 : Number(q), index };
    })
    .filter((entry) => entry.q > 0)
    .sort((a, b) => b.q - a.q || a.index - b.index);
  return ranked.map((entry) => entry.language).find(isLanguage);
}
