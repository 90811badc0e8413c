// The masking helpers other modules reuse for logs: phone numbers and token-bearing URLs.

import t from 'tap'
import { maskPhone, redactUrl, scrubSecrets } from '../../src/upstream/redact.ts'

t.test('maskPhone keeps the last 4 digits only', async (t) => {
  t.equal(maskPhone('16461230123'), '*******0123')
  t.equal(maskPhone('+1 (646) 123-0123'), '*******0123')
  t.equal(maskPhone('447700900123'), '********0123')
  t.equal(maskPhone('0123'), '****')
  t.equal(maskPhone(''), '')
})

t.test('redactUrl replaces every access_token value', async (t) => {
  t.equal(
    redactUrl('https://api2.protexting.com/v1/contacts-opt-in/create?access_token=abc123'),
    'https://api2.protexting.com/v1/contacts-opt-in/create?access_token=[REDACTED]'
  )
  t.equal(redactUrl('/v1/x?a=1&access_token=abc&b=2#f'), '/v1/x?a=1&access_token=[REDACTED]&b=2#f')
  t.equal(redactUrl(new URL('https://h.test/p?ACCESS_TOKEN=abc')), 'https://h.test/p?ACCESS_TOKEN=[REDACTED]')
  t.equal(redactUrl('/v1/x?a=1'), '/v1/x?a=1')
})

t.test('scrubSecrets removes raw and URL-encoded secrets', async (t) => {
  t.equal(scrubSecrets('token a b/c and a%20b%2Fc', ['a b/c']), 'token [REDACTED] and [REDACTED]')
  t.equal(scrubSecrets('see /x?access_token=zzz', []), 'see /x?access_token=[REDACTED]')
  t.equal(scrubSecrets('nothing', ['']), 'nothing')
})
