// Bot checks that cost a person nothing: a bot is answered like a success, kept as held, and never sent.
import t from 'tap'
import { buildTestApp, formPost, TEST_FORM_SECRET } from '../helper.ts'
import { createFormTokens } from '../../src/abuse/form-token.ts'

const signup = (fields: Record<string, string>) => formPost('/c/summer', { phone: '(646) 555-0123', consent: 'yes', ...fields })

t.test('the page carries a form token; a person who waits a few seconds gets through', async t => {
  const { app, store, clock } = await buildTestApp(t, { dispatch: false })
  const page = await app.inject('/c/summer')
  const formToken = /name="formToken" value="([^"]+)"/.exec(page.body)?.[1]
  t.ok(formToken, 'a token in the form')
  t.match(page.body, /<input id="website" name="website" type="text" tabindex="-1" autocomplete="off" value="">/, 'the honeypot is in the form')
  clock.advance(4_000)
  const res = await app.inject(signup({ formToken: formToken ?? '' }))
  t.equal(res.statusCode, 303)
  t.match(await store.counts(), { pending: 1, held: 0 })
})

t.test('the honeypot filled in: answered like a success, held, never sent', async t => {
  const { app, store, standIn, logs } = await buildTestApp(t)
  const res = await app.inject(signup({ website: 'http://spam.example' }))
  t.equal(res.statusCode, 303)
  t.equal(res.headers.location, '/c/summer/thanks?to=0123')
  await app.dispatcher.settled()
  t.equal(standIn.calls.length, 0)
  t.match(await store.counts(), { held: 1, pending: 0 })
  t.match(await store.signupDetail(1), { status: 'held', holdReason: 'honeypot' })
  t.match(logs(), /"reason":"honeypot".*signup held as suspected abuse/)
})

t.test('submitted faster than a person could: answered like a success, held', async t => {
  const { app, store, clock } = await buildTestApp(t, { dispatch: false })
  const page = await app.inject('/c/summer')
  const formToken = /name="formToken" value="([^"]+)"/.exec(page.body)?.[1] ?? ''
  clock.advance(500)
  const res = await app.inject(signup({ formToken }))
  t.equal(res.statusCode, 303)
  t.match(await store.signupDetail(1), { status: 'held', holdReason: 'too_fast' })
})

t.test('no token, a forged one, another campaign\'s, or a stale one: the visitor is asked to send again', async t => {
  const { app, store, clock } = await buildTestApp(t, { dispatch: false })
  const old = createFormTokens({ secret: TEST_FORM_SECRET, now: () => clock.now() - 5 * 3_600_000, minAgeMs: 0 }).issue('summer')
  const other = createFormTokens({ secret: TEST_FORM_SECRET, now: () => clock.now() - 10_000, minAgeMs: 0 }).issue('world')
  const forged = createFormTokens({ secret: Buffer.alloc(32, 7), now: () => clock.now() - 10_000, minAgeMs: 0 }).issue('summer')
  for (const [formToken, message] of [['', /send the form again from its page/], [forged, /send the form again from its page/], [other, /send the form again from its page/], [old, /open for a long time/]] as const) {
    const res = await app.inject(signup({ formToken }))
    t.equal(res.statusCode, 422)
    t.match(res.body, message)
    t.match(res.body, /value="\(646\) 555-0123"/, 'what they typed is kept')
    t.match(res.body, /name="formToken" value="[^"]+"/, 'with a fresh token to send it again')
  }
  t.match(await store.counts(), { pending: 0, held: 0 })
})

t.test('a campaign may turn the token off (a kiosk)', async t => {
  const { app, store } = await buildTestApp(t, { dispatch: false, campaigns: { kiosk: { name: "Joe's Coffee Club", groupIds: [1], country: 'US', ctaMessage: "Joe's Coffee Club: reply YES. Msg & data rates may apply. Reply HELP for help, STOP to cancel.", confirmMessage: "Joe's Coffee Club: thanks! Msg & data rates may apply. Reply HELP for help, STOP to cancel.", termsUrl: 'https://example.com/t', privacyUrl: 'https://example.com/p', protection: { formToken: false } } } })
  const res = await app.inject(formPost('/c/kiosk', { phone: '(646) 555-0123', consent: 'yes', formToken: '' }))
  t.equal(res.statusCode, 303)
  t.match(await store.counts(), { pending: 1 })
})
