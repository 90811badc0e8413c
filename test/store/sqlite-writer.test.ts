// What the SQLite writer thread changes for the server: a locked or slow database file never stalls the event loop
// that answers visitors; every write still waits for its commit, and nothing is lost while the lock is held.
import t, { type Test } from 'tap'
import { closeSync, openSync, readSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { openStore } from '../../src/store/open.ts'
import { WAL_KEPT_BYTES } from '../../src/store/sqlite-connection.ts'
import type { InstrumentedStore } from '../../src/store/types.ts'
import { acceptMany, attemptOf, DAY, newSignup, T0, TOKEN } from './suite-helpers.ts'

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

t.test('the writes this thread makes itself (disclosures, held, deletions, traffic) wait for a lock too, never failing', async t => {
  const { store, path } = await fileStore(t)
  const { id } = await store.accept(newSignup({ hold: 'honeypot' }), DAY)
  const { e164 } = newSignup({ phoneNumber: '16465550199' })
  await store.accept(newSignup({ phoneNumber: '16465550199' }), DAY)
  const release = holdWriteLock(path)
  const writing = Promise.all([
    store.saveDisclosure('v-locked', 'Text shown while the file was locked', T0),
    store.releaseHeld(id, T0),
    store.deleteNumber(e164, T0, 'ticket 12'),
    store.addTraffic([{ campaign: 'summer', source: '', utmSource: '', utmMedium: '', utmCampaign: '', hour: T0 - (T0 % 3_600_000), event: 'view', reason: '', count: 3 }])
  ])
  const held = await longestStall(new Promise(resolve => setTimeout(resolve, 200)))
  t.ok(held.stallMs < 100, `longest stall ${held.stallMs.toFixed(0)} ms while locked`)
  release()
  const [, released, deleted] = await writing
  t.equal(released, true, 'the held signup was released')
  t.match(deleted, { signups: 1 }, 'the number was deleted')
  t.match(await store.traffic({ from: T0 - DAY, to: T0 + DAY }), [{ campaign: 'summer', event: 'view', count: 3 }])
})

t.test('a consent export left open (a slow download) freezes nothing: the bucket, releases and deletions go on', async t => {
  const { store } = await fileStore(t)
  for (let i = 0; i < 5; i++) await store.accept(newSignup(), DAY)
  const { id } = await store.accept(newSignup({ hold: 'honeypot' }), DAY)
  const rows = store.exportConsents({ from: T0 - DAY, to: T0 + DAY })[Symbol.asyncIterator]()
  t.match((await rows.next()).value, { campaign: 'summer' }, 'the export has begun and holds its read open')
  const bucket = (tokens: number) => ({ tokens, updatedAt: T0, capacity: 100, windowMs: 1000, blockedUntil: 0 })
  for (let i = 1; i <= 5; i++) await store.withBucket(TOKEN, s => ({ state: bucket((s?.tokens ?? 0) + 1), result: undefined }))
  t.equal(await store.withBucket(TOKEN, s => ({ state: s ?? bucket(0), result: s?.tokens })), 5, 'each update saw the last one')
  t.equal(await store.releaseHeld(id, T0), true)
  await store.saveDisclosure('v-during-export', 'text', T0)
  t.match(await store.counts(), { pending: 6, held: 0 }, 'this thread reads what the writer committed since')
  let exported = 1
  for (;;) {
    const next = await rows.next()
    if (next.done === true) break
    exported++
  }
  t.equal(exported, 6, 'the export finishes with the rows of its own moment')
})

t.test('under a steady stream of accepts, the rarer writes still get their turn at once', async t => {
  const { store } = await fileStore(t)
  // Outside the suite's numbering (1646…), which the stream below walks through.
  const { e164 } = newSignup({ phoneNumber: '13125550198' })
  await store.accept(newSignup({ phoneNumber: '13125550198' }), DAY)
  const load = { streaming: true, batches: 0 }
  // Three clients, so the writer always has the next batch waiting the moment it commits one.
  const stream = Promise.all([1, 2, 3].map(async () => {
    while (load.streaming) {
      await Promise.all(Array.from({ length: 64 }, () => store.accept(newSignup(), DAY)))
      load.batches++
    }
  }))
  await new Promise(resolve => setTimeout(resolve, 100))
  const started = performance.now()
  await store.saveDisclosure('v-under-load', 'text', T0)
  const deleted = await store.deleteNumber(e164, T0, 'ticket 13')
  await store.addTraffic([{ campaign: 'summer', source: '', utmSource: '', utmMedium: '', utmCampaign: '', hour: T0 - (T0 % 3_600_000), event: 'view', reason: '', count: 1 }])
  const tookMs = performance.now() - started
  load.streaming = false
  await stream
  t.ok(load.batches > 3, `accepts kept coming (${load.batches} rounds of 64)`)
  t.match(deleted, { signups: 1 })
  t.ok(tookMs < 1000, `three writes between accept batches took ${tookMs.toFixed(0)} ms`)
})

t.test('checkpoints run beside the writer: the WAL keeps to what is written between two of them', async t => {
  const { store, path } = await fileStore(t)
  const walBytes = () => statSync(`${path}-wal`).size
  const writeRound = async () => {
    for (let batch = 0; batch < 4; batch++) await acceptMany(store, 100)
  }
  await writeRound()
  const oneRound = walBytes()
  // The writer's own connection never checkpoints by itself (wal_autocheckpoint 0): the checkpointer thread copies
  // the pages. Ten rounds with pauses longer than its interval: the file stays about one round's size.
  for (let round = 0; round < 10; round++) {
    await new Promise(resolve => setTimeout(resolve, 400))
    await writeRound()
  }
  const after = walBytes()
  // A checkpoint may fall in the middle of a round, so up to two rounds; with SQLite's own checkpoint every 1000
  // pages instead, this test saw 7.7 rounds' worth.
  t.ok(after < 4 * oneRound, `WAL ${after} bytes after 11 rounds, ${oneRound} after one`)
  t.match(await store.counts(), { pending: 4400 }, 'every signup stored')
  // What the checkpoints copied is in the database file itself: a reader that ignores the WAL sees most of it.
  const file = new DatabaseSync(`file:${path}?immutable=1`, { readOnly: true })
  t.teardown(() => file.close())
  const inFile = Number((file.prepare('SELECT count(*) AS n FROM signups').get() as { n: number }).n)
  // (4000 here as a rule, 2900 with SQLite's own checkpoints; 3600 leaves room for a slow machine.)
  t.ok(inFile >= 3600, `${inFile} of 4400 signups already copied into the database file`)
})

/**
 * The WAL header's checkpoint sequence number: the connection that starts the WAL file over writes its own count plus
 * one. Only the writer thread's connection does that here, so the difference counts the restarts.
 */
function walRestarts (path: string): number {
  const fd = openSync(`${path}-wal`, 'r')
  try {
    const header = Buffer.alloc(16)
    readSync(fd, header, 0, 16, 0)
    return header.readUInt32BE(12)
  } finally {
    closeSync(fd)
  }
}

t.test('under a stream of accepts that never pauses, the WAL still starts over instead of growing', async t => {
  const { store, path } = await fileStore(t)
  await store.accept(newSignup(), DAY)
  const before = walRestarts(path)
  const load = { streaming: true, signups: 0, largestWal: 0 }
  // Three clients, so the writer always has the next batch waiting the moment it commits one: no quiet moment in
  // which a checkpoint could catch up by itself (the earlier test pauses between rounds).
  const stream = Promise.all([1, 2, 3].map(async () => {
    while (load.streaming) {
      await Promise.all(Array.from({ length: 64 }, () => store.accept(newSignup(), DAY)))
      load.signups += 64
      load.largestWal = Math.max(load.largestWal, statSync(`${path}-wal`).size)
    }
  }))
  // 3 s at least (the checkpointer passes every 250 ms), more on a slow machine, until the WAL has started over 3 times.
  const started = performance.now()
  const elapsed = () => performance.now() - started
  while (elapsed() < 6000 && (elapsed() < 3000 || walRestarts(path) - before < 3)) await new Promise(resolve => setTimeout(resolve, 100))
  load.streaming = false
  await stream
  const restarts = walRestarts(path) - before
  // Without the writer's finishing checkpoint the WAL starts over only when a checkpoint happens to catch up just
  // before a commit: seen here 0 to 3 times, the file reaching 59 to 211 MiB meanwhile (17 to 25 MiB with it).
  t.ok(restarts >= 2, `the WAL started over ${restarts} times during ${load.signups} signups`)
  t.ok(load.largestWal < 32 * 2 ** 20, `the WAL stayed under 32 MiB (largest ${(load.largestWal / 2 ** 20).toFixed(1)} MiB)`)
  t.equal((await store.counts()).pending, load.signups + 1, 'every signup stored')
})

t.test('a WAL that grew while a reader held the checkpoints back is cut back once it starts over', async t => {
  const { store, path } = await fileStore(t)
  await store.accept(newSignup(), DAY)
  // A consent export reading for a long time: its snapshot keeps every frame committed after it in the WAL.
  const reader = new DatabaseSync(path)
  reader.exec('BEGIN')
  reader.prepare('SELECT count(*) AS n FROM signups').get()
  const walBytes = () => statSync(`${path}-wal`).size
  const grown = 72e6
  const load = { streaming: true }
  const stream = Promise.all([1, 2, 3].map(async () => {
    while (load.streaming) await Promise.all(Array.from({ length: 64 }, () => store.accept(newSignup(), DAY)))
  }))
  const waitFor = async (done: () => boolean) => {
    const deadline = performance.now() + 20_000
    while (!done() && performance.now() < deadline) await new Promise(resolve => setTimeout(resolve, 50))
  }
  await waitFor(() => walBytes() > grown)
  const largest = walBytes()
  reader.exec('COMMIT')
  reader.close()
  const restarts = walRestarts(path)
  // Once the reader is gone, the next checkpoints catch up and the WAL starts over; the commit after that cuts it.
  await waitFor(() => walRestarts(path) > restarts && walBytes() <= WAL_KEPT_BYTES)
  load.streaming = false
  await stream
  t.ok(largest > grown, `the WAL grew to ${(largest / 2 ** 20).toFixed(0)} MiB behind the reader`)
  t.ok(walBytes() <= WAL_KEPT_BYTES, `then it was cut back to ${(walBytes() / 2 ** 20).toFixed(1)} MiB (limit ${WAL_KEPT_BYTES / 2 ** 20} MiB)`)
})
