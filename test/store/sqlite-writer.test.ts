// What the SQLite writer thread changes for the server: a locked or slow database file never stalls the event loop
// that answers visitors; every write still waits for its commit, and nothing is lost while the lock is held.
import t, { type Test } from 'tap'
import { join } from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { openStore } from '../../src/store/open.ts'
import type { InstrumentedStore } from '../../src/store/types.ts'
import { attemptOf, DAY, newSignup, T0, TOKEN } from './suite-helpers.ts'

/** Holds the file's write lock from another connection, as a backup tool or a second process would. */
function holdWriteLock (path: string): () => void {
  const other = new DatabaseSync(path)
  other.exec('BEGIN IMMEDIATE')
  return () => {
    other.exec('COMMIT')
    other.close()
  }
}

/** The longest gap between 2 ms timer ticks while `work` runs: how long the event loop was stalled. */
async function longestStall<T> (work: Promise<T>): Promise<{ result: T, stallMs: number }> {
  let last = performance.now()
  let stallMs = 0
  const ticker = setInterval(() => {
    const now = performance.now()
    stallMs = Math.max(stallMs, now - last)
    last = now
  }, 2)
  try {
    return { result: await work, stallMs }
  } finally {
    clearInterval(ticker)
  }
}

async function fileStore (t: Test): Promise<{ store: InstrumentedStore, path: string }> {
  const path = join(t.testdir(), 'optline.db')
  const store = await openStore({ url: path })
  t.teardown(() => store.close())
  return { store, path }
}

t.test('accepts wait for a locked file without stalling the event loop, then all commit', async t => {
  const { store, path } = await fileStore(t)
  await store.accept(newSignup(), DAY) // the thread is up and its statements prepared
  const release = holdWriteLock(path)
  const accepting = Promise.all(Array.from({ length: 50 }, () => store.accept(newSignup(), DAY)))
  let settled = false
  accepting.then(() => { settled = true }, () => { settled = true })
  // 300 ms under the lock: with the old in-thread busy handler, the loop slept in SQLite all that time.
  const held = await longestStall(new Promise(resolve => setTimeout(resolve, 300)))
  t.equal(settled, false, 'no accept is answered before its commit')
  t.ok(held.stallMs < 100, `the event loop kept turning while the file was locked (longest stall ${held.stallMs.toFixed(0)} ms)`)
  release()
  const results = await accepting
  t.equal(results.length, 50)
  t.match(await store.counts(), { pending: 51 }, 'every signup accepted under the lock is stored')
})

t.test('the dispatcher\'s writes (bucket, claim, attempt) wait for the lock without stalling the event loop', async t => {
  const { store, path } = await fileStore(t)
  const { id } = await store.accept(newSignup(), DAY)
  const release = holdWriteLock(path)
  const dispatching = (async () => {
    const waitMs = await store.withBucket(TOKEN, state => ({ state: { tokens: 1, updatedAt: T0, capacity: 2, windowMs: 1000, blockedUntil: 0 }, result: state === undefined ? 0 : 1 }))
    const claimed = await store.claim(TOKEN, 1, T0, 60_000, 'me')
    await store.finishAttempt(attemptOf(id), { status: 'delivered', contactId: 7 })
    return { waitMs, claimed: claimed.map(c => c.id) }
  })()
  const held = await longestStall(new Promise(resolve => setTimeout(resolve, 200)))
  t.ok(held.stallMs < 100, `longest stall ${held.stallMs.toFixed(0)} ms while locked`)
  release()
  t.same(await dispatching, { waitMs: 0, claimed: [id] })
  t.match(await store.signupDetail(id), { status: 'delivered', contactId: 7 })
})

t.test('a bucket changed by another instance between read and write is read again, not overwritten', async t => {
  const path = join(t.testdir(), 'optline.db')
  const [a, b] = await Promise.all([openStore({ url: path }), openStore({ url: path })])
  t.teardown(async () => { await a.close(); await b.close() })
  const bucket = (tokens: number) => ({ tokens, updatedAt: T0, capacity: 100, windowMs: 1000, blockedUntil: 0 })
  await a.withBucket(TOKEN, () => ({ state: bucket(0), result: undefined }))
  let calls = 0
  let sneaked: Promise<void> | undefined
  await a.withBucket(TOKEN, state => {
    calls++
    // The first time, another instance sneaks in an increment after our read.
    if (calls === 1) sneaked = b.withBucket(TOKEN, s => ({ state: bucket((s?.tokens ?? 0) + 1), result: undefined }))
    return { state: bucket((state?.tokens ?? 0) + 10), result: undefined }
  })
  // Whichever order the two writes took, nothing may be lost.
  await sneaked
  const final = await b.withBucket(TOKEN, s => ({ state: s ?? bucket(0), result: s?.tokens }))
  t.equal(final, 11, 'both increments are in the bucket')
})
