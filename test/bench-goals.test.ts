// The bench's goal table: a median is shown rounded away from its target, so a missed goal never reads as met.
import t from 'tap'
import { formatAgainst } from '../bench/goals.ts'

t.test('ratios are rounded away from the target', async t => {
  t.equal(formatAgainst('≥ 0.8×', 0.797), '0.79×', 'just under an at-least target stays under')
  t.equal(formatAgainst('≥ 0.8×', 0.8), '0.80×', 'exactly on it stays on it')
  t.equal(formatAgainst('≥ 0.8×', 0.856), '0.85×')
  t.equal(formatAgainst('≤ 2.5×', 2.501), '2.51×', 'just over an at-most target stays over')
  t.equal(formatAgainst('≤ 2.5×', 2.5), '2.50×')
  t.equal(formatAgainst('≤ 1.05×', 1.0123), '1.02×')
})

t.test('percent targets show whole percents, rounded the same way', async t => {
  t.equal(formatAgainst('≥ 50%', 0.4999), '49%')
  t.equal(formatAgainst('≥ 50%', 0.5), '50%')
  t.equal(formatAgainst('≥ 50%', 0.2389), '23%')
})
