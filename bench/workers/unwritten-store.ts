// The store app-server.ts hands optline: the real one (the same file, migrated, with its writer thread, used by the
// dispatcher and /readyz as usual) except that accept() resolves at once and writes nothing. Stands in for
// src/store/open.ts, so it exports what that module exports.
import { setTimeout as delay } from 'node:timers/promises'
import { openStore as openRealStore } from '../../src/store/open.ts'
import type { InstrumentedStore, StoreOptions } from '../../src/store/types.ts'

export { DEFAULT_SQLITE_PATH, isPostgresUrl } from '../../src/store/open.ts'

export async function openStore (options: StoreOptions): Promise<InstrumentedStore> {
  const store = await openRealStore(options)
  let lastId = 0
  return {
    ...store,
    accept: async () => ({ id: ++lastId, duplicate: false, held: undefined }),
    // In the full server under this load, signups always wait for the pace (60 a minute in sandbox mode): the
    // dispatcher takes a turn about once a second and sleeps on its bucket meanwhile, so new signups do not wake it.
    // Here nothing is ever due, and an idle dispatcher is woken by every signup to look for work, a cost the full
    // server does not have under load: so each look takes a second, during which new signups only mark it as wanted.
    nextDue: async () => await delay(1000, undefined)
  }
}
