// Every request of a page load as Chromium's DevTools protocol saw it on the wire: status, type, content encoding,
// the bytes of the status line and headers, and of the whole answer. Shared by the page-budget test and the bench.
import type { CDPSession } from 'playwright-core'

export interface WireRow {
  url: string
  status: number
  type: string
  encoding: string
  /** Status line and headers (HTTP/1.1: the response's encodedDataLength when its headers arrived). */
  headerBytes: number
  /** The whole answer as it came over the wire: headers + encoded body. */
  wireBytes: number
  /** The decoded body, when asked for and Chromium could give it back. */
  body?: Buffer
}

export interface WireRecording {
  rows (): WireRow[]
  /** Waits until no request has been pending for half a second (late ones, an icon, start after load), 5 s at most. */
  quiet (): Promise<void>
}

/** Starts recording on `cdp` (call before navigating; Network must be enabled for events to flow). */
export function recordWire (cdp: CDPSession, options: { bodies?: boolean } = {}): WireRecording {
  const rows = new Map<string, WireRow>()
  const pending = new Set<string>()
  cdp.on('Network.requestWillBeSent', e => {
    pending.add(e.requestId)
    rows.set(e.requestId, { url: e.request.url, status: 0, type: e.type ?? '', encoding: '', headerBytes: 0, wireBytes: 0 })
  })
  cdp.on('Network.responseReceived', e => {
    const row = rows.get(e.requestId)
    if (row === undefined) return
    const headers = Object.fromEntries(Object.entries(e.response.headers).map(([k, v]) => [k.toLowerCase(), v]))
    Object.assign(row, { status: e.response.status, encoding: headers['content-encoding'] ?? 'identity', headerBytes: e.response.encodedDataLength })
  })
  cdp.on('Network.loadingFinished', e => {
    const row = rows.get(e.requestId)
    if (row !== undefined) row.wireBytes = e.encodedDataLength
    pending.delete(e.requestId)
    if (options.bodies === true) {
      cdp.send('Network.getResponseBody', { requestId: e.requestId })
        .then(b => { if (row !== undefined) row.body = Buffer.from(b.body, b.base64Encoded ? 'base64' : 'utf8') })
        .catch(() => {})
    }
  })
  cdp.on('Network.loadingFailed', e => {
    const row = rows.get(e.requestId)
    if (row !== undefined && row.status === 0) row.status = -1
    pending.delete(e.requestId)
  })
  return {
    rows: () => [...rows.values()],
    async quiet () {
      const deadline = Date.now() + 5000
      let quietSince = Date.now()
      while (Date.now() < deadline) {
        if (pending.size > 0) quietSince = Date.now()
        else if (Date.now() - quietSince >= 500) return
        await new Promise(resolve => setTimeout(resolve, 25))
      }
    }
  }
}
