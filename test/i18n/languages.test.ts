// The language registry: every file in src/i18n/locales is a language, and each says everything English says.
import t from 'tap'
import { readdirSync } from 'node:fs'
import { LANGUAGE_CODES, language, isLanguageCode } from '../../src/i18n/languages.ts'

const files = readdirSync(new URL('../../src/i18n/locales/', import.meta.url)).filter(f => f.endsWith('.ts')).map(f => f.slice(0, -3))

/** Every key path of a strings object, with the kind of value found there. */
function shape (value: unknown, path = ''): string[] {
  if (value === null || typeof value !== 'object' || value instanceof RegExp) return [`${path}:${value instanceof RegExp ? 'regexp' : typeof value}`]
  return Object.entries(value).flatMap(([key, inner]) => shape(inner, path === '' ? key : `${path}.${key}`)).sort()
}

t.test('each file in locales/ is a language, English first; nothing else is', async t => {
  t.same([...LANGUAGE_CODES].sort(), [...files].sort(), 'one language per file')
  t.equal(LANGUAGE_CODES[0], 'en', 'the default comes first (a wildcard Accept-Language gets it)')
  t.ok(files.every(isLanguageCode))
  t.notOk(isLanguageCode('types'), 'a module that is not in locales/ is not a language')
  t.notOk(isLanguageCode('toString'), 'nor is an object built-in')
})

t.test('every language has every string English has, of the same kind, and no other', async t => {
  const english = shape(language('en'))
  for (const code of LANGUAGE_CODES) t.same(shape(language(code)), english, `${code} has the same keys as en`)
})
