// normalizePhone throughput over a mix of what visitors really type (valid, refused, exotic), in its own process.
import { normalizePhone, type PhoneRules } from '../../src/phone/normalize.ts'
import { serve } from '../lib/worker.ts'

const US: PhoneRules = { defaultCountry: 'US', allowedCountries: ['US'] }
const WORLD: PhoneRules = { defaultCountry: 'US', allowedCountries: ['US', 'CA', 'GB', 'MX', 'ES'] }

// [input, rules, chosen country]: mostly US formats as typed on a phone, some international, some refusals.
const INPUTS: Array<[string, PhoneRules, string | undefined]> = [
  ['(646) 555-0123', US, undefined],
  ['646-555-0123', US, undefined],
  ['6465550123', US, undefined],
  ['+1 646 555 0123', US, undefined],
  ['1 (212) 555-0199', US, undefined],
  ['917.555.0142', US, undefined],
  ['  (415) 555 0101 ', US, undefined],
  ['\u202a+1 (646) 555\u20110123\u202c', US, undefined],
  ['tel:+1-646-555-0123', US, undefined],
  ['（６４６）５５５－０１２３', US, undefined],
  ['07400 123456', WORLD, 'GB'],
  ['+44 7400 123456', WORLD, undefined],
  ['+52 1 55 1234 5678', WORLD, undefined],
  ['612 34 56 78', WORLD, 'ES'],
  ['(800) 555-0123', US, undefined], // toll-free: refused
  ['(646) 123-4567', US, undefined], // invalid exchange: refused
  ['555-0123', US, undefined], // too short
  ['646 555 0123 ext. 12', US, undefined], // extension
  ['call me', US, undefined], // not a number
  ['', US, undefined] // empty
]

export interface PhoneResult { opsPerSecond: number, accepted: number, refused: number }

function run (input: unknown): PhoneResult {
  const { seconds } = input as { seconds: number }
  let accepted = 0
  let refused = 0
  const pass = () => {
    for (const [text, rules, chosen] of INPUTS) {
      if (normalizePhone(text, rules, chosen).ok) accepted++
      else refused++
    }
  }
  for (let i = 0; i < 200; i++) pass() // warm-up: JIT and libphonenumber's metadata caches
  accepted = refused = 0
  const started = performance.now()
  const until = started + seconds * 1000
  while (performance.now() < until) pass()
  const elapsed = (performance.now() - started) / 1000
  return { opsPerSecond: (accepted + refused) / elapsed, accepted, refused }
}

serve({ run })
