/**
 * The portal's 18 catalogs (`src/portal/locales/<lang>.json`, i18next JSON v4): every language has its
 * file, with exactly the English catalog's keys (plural keys with the forms that language's CLDR rules
 * use: Polish `_few`/`_many`, Arabic all six, Chinese `_other` only), the same `{{variables}}`, and no
 * empty text. English has every key the page's code asks for.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { directionOf, LANGUAGES, languageNames, translator } from '../../src/portal/i18n.ts';

const LOCALES = join(import.meta.dirname, '../../src/portal/locales');
const SOURCES = ['src/portal/page.ts', 'src/http/routes/portal.ts'].map((file) =>
  readFileSync(join(import.meta.dirname, '../..', file), 'utf8'),
);

type Catalog = { [key: string]: string | Catalog };

function flatten(catalog: Catalog, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const [key, value] of Object.entries(catalog)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (typeof value === 'string') out.set(path, value);
    else for (const [k, v] of flatten(value, path)) out.set(k, v);
  }
  return out;
}

const read = (language: string) =>
  flatten(JSON.parse(readFileSync(join(LOCALES, `${language}.json`), 'utf8')) as Catalog);

const PLURAL = /_(zero|one|two|few|many|other)$/;
const variables = (text: string) => [...text.matchAll(/\{\{\s*(\w+)\s*\}\}/g)].map((m) => m[1]).sort();

const english = read('en');
const pluralBases = new Set(
  [...english.keys()].filter((k) => PLURAL.test(k)).map((k) => k.replace(PLURAL, '')),
);

/** The keys a language's catalog must have: English's, with each plural in that language's forms. */
function expectedKeys(language: string): string[] {
  const categories = new Intl.PluralRules(language).resolvedOptions().pluralCategories;
  const plain = [...english.keys()].filter((k) => !PLURAL.test(k));
  const plurals = [...pluralBases].flatMap((base) => categories.map((c) => `${base}_${c}`));
  return [...plain, ...plurals].sort();
}

describe('portal catalogs', () => {
  test('there are 18 languages, Hebrew and Arabic right to left', () => {
    assert.equal(LANGUAGES.length, 18);
    assert.deepEqual(
      LANGUAGES.filter((l) => directionOf(l) === 'rtl'),
      ['he', 'ar'],
    );
  });

  test('English has every key the page asks for, and a kind name for every target type', () => {
    const asked = new Set(
      SOURCES.flatMap((source) => [...source.matchAll(/\bt\(\s*'([a-zA-Z.]+)'/g)].map((m) => m[1]!)),
    );
    assert.ok(asked.size > 30, `found ${asked.size} keys in the code`);
    for (const key of asked) {
      assert.ok(english.has(key) || pluralBases.has(key), `en.json has ${key}`);
    }
    for (const kind of ['profile', 'page', 'organization', 'business_account', 'channel', 'location']) {
      assert.ok(english.has(`picker.kind.${kind}`), kind);
    }
  });

  for (const language of LANGUAGES) {
    test(`${language}: the file exists, with exactly the English keys, the same variables, no empty text`, () => {
      const catalog = read(language);
      assert.deepEqual([...catalog.keys()].sort(), expectedKeys(language));
      for (const [key, text] of catalog) {
        assert.ok(text.trim().length > 0, `${language} ${key} is empty`);
        assert.doesNotMatch(text, /<[a-z/]/i, `${language} ${key} holds no HTML`);
        const base = key.replace(PLURAL, '');
        const source = pluralBases.has(base) ? english.get(`${base}_other`)! : english.get(key)!;
        const expected = variables(source);
        const found = variables(text);
        if (pluralBases.has(base)) {
          // A form for exactly one or two may say the number in words; every other variable stays.
          assert.deepEqual(
            found.filter((v) => v !== 'count'),
            expected.filter((v) => v !== 'count'),
            `${language} ${key}: variables`,
          );
          for (const v of found) assert.ok(expected.includes(v), `${language} ${key}: unknown {{${v}}}`);
        } else {
          assert.deepEqual(found, expected, `${language} ${key}: variables`);
        }
      }
    });
  }

  test('each language names itself, differently from every other', () => {
    const names = languageNames();
    assert.equal(new Set(names.map((n) => n.name)).size, 18, JSON.stringify(names));
  });

  test('plurals follow each language’s rules, interpolated', () => {
    assert.equal(translator('en')('count.connected', { count: 1 }), '1 account connected');
    assert.equal(translator('en')('count.connected', { count: 3 }), '3 accounts connected');
    const polish = translator('pl');
    assert.notEqual(polish('count.connected', { count: 2 }), polish('count.connected', { count: 5 }));
    assert.match(polish('count.connected', { count: 22 }), /22/);
  });
});
