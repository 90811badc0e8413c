// A decomposition of the gap: optline itself (src/server.ts, as npm start runs it, every setting and defence the same)
// with one change: its store's accept() answers at once and writes nothing (unwritten-store.ts). Routing, the security
// headers, the body schema, the bot checks and form token, phone parsing, the consent proof, metrics and the log line
// all stay; the durable write goes. Its throughput is the most any store could give optline on this machine, so what
// separates it from the bare route is the request's own work, which no change to the storage can remove.
import { registerHooks } from 'node:module'

const OPEN_STORE = new URL('../../src/store/open.ts', import.meta.url).href
const UNWRITTEN_STORE = new URL('./unwritten-store.ts', import.meta.url).href

// Whoever imports src/store/open.ts (server.ts) gets unwritten-store.ts instead, except that file itself, which wraps
// the real one. In-thread hooks: the SQLite writer thread loads its own modules unchanged.
registerHooks({
  resolve (specifier, context, nextResolve) {
    const resolved = nextResolve(specifier, context)
    return resolved.url === OPEN_STORE && context.parentURL !== UNWRITTEN_STORE ? { ...resolved, url: UNWRITTEN_STORE } : resolved
  }
})

await import('../../src/server.ts')
