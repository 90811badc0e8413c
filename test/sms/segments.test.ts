// SMS segment counts as a carrier bills them: GSM-7 160/153, UCS-2 70/67, extension characters cost two.
import t from 'tap'
import { countSegments } from '../../src/sms/segments.ts'

const cases: Array<[string, string, 'GSM-7' | 'UCS-2', number, number]> = [
  ['empty', '', 'GSM-7', 0, 0],
  ['160 plain characters fit one segment', 'a'.repeat(160), 'GSM-7', 160, 1],
  ['161 need two (153 per part)', 'a'.repeat(161), 'GSM-7', 161, 2],
  ['306 fit two parts', 'a'.repeat(306), 'GSM-7', 306, 2],
  ['307 need three', 'a'.repeat(307), 'GSM-7', 307, 3],
  ['€ counts as two septets', '€'.repeat(80), 'GSM-7', 160, 1],
  ['one more extension char tips it over', '€'.repeat(80) + '[', 'GSM-7', 162, 2],
  ['accented GSM letters stay GSM-7', 'Café à Paris, ñ ü ö', 'GSM-7', 19, 1],
  ['curly apostrophe forces UCS-2', 'Joe’s', 'UCS-2', 5, 1],
  ['70 UCS-2 characters fit one', 'ж'.repeat(70), 'UCS-2', 70, 1],
  ['71 need two (67 per part)', 'ж'.repeat(71), 'UCS-2', 71, 2],
  ['an emoji is two UTF-16 units', '☕🎉', 'UCS-2', 3, 1]
]

for (const [name, text, encoding, units, segments] of cases) {
  t.test(name, async t => {
    const count = countSegments(text)
    t.equal(count.encoding, encoding)
    t.equal(count.units, units)
    t.equal(count.segments, segments)
  })
}

t.test('names the characters that forced UCS-2', async t => {
  t.same(countSegments('Joe’s “club”').nonGsmCharacters, ['’', '“', '”'])
})
