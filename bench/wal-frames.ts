// WAL pages written per signup, by how many signups share a commit: a count, not a timing, so it repeats exactly.
// Every page a commit changes is appended to the WAL as a 4 KB frame, and the SQLite writer thread pays for each
// (a write call for its header, one for the page, its checksum; then the checkpointer copies it again). At a
// steady 2,000 signups/s commits carry about 2 signups; under a burst, dozens.
// The signups are built as the signup service builds them, for bench/campaigns.yaml's campaign, and go through the
// writer thread's own accept statements (sqlite-writes.ts) on a migrated file, with automatic checkpoints off so
// the WAL keeps every frame. synchronous=NORMAL: it writes the same frames as FULL, without a flush per commit.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadCampaignsFile } from '../src/campaigns/load.ts'
import { tokenKeyOf } from '../src/outbox/token-key.ts'
import { optInRequest } from '../src/signup/service.ts'
import { openStore } from '../src/store/open.ts'
import { beginImmediateBlocking, openSqliteConnection } from '../src/store/sqlite-connection.ts'
import { createSqliteWrites } from '../src/store/sqlite-writes.ts'
import { numberAt } from './lib/phones.ts'
import { CAMPAIGNS_FILE } from './variants.ts'

export interface WalFramesSample {
  /** Signups per commit. */
  batch: number
  framesPerSignup: number
  framesPerCommit: number
}

/** One WAL frame: a 24-byte header and the database's 4,096-byte page (SQLite's default page size, which optline keeps). */
export const WAL_FRAME_BYTES = 24 + 4096

/** Signups written before counting, so that the tables and indexes have the depth of a store in use. */
const FILL = 20_000
const COUNTED = 4_000

export async function measureWalFrames (batches: readonly number[]): Promise<WalFramesSample[]> {
  const { campaigns } = await loadCampaignsFile(CAMPAIGNS_FILE)
  const campaign = campaigns.get('demo')
  if (campaign === undefined) throw new Error(`${CAMPAIGNS_FILE}: no campaign demo`)
  const tokenKey = tokenKeyOf('bench')
  const samples: WalFramesSample[] = []
  for (const batch of batches) {
    const dir = mkdtempSync(join(tmpdir(), 'optline-bench-wal-'))
    try {
      const path = join(dir, 'optline.db')
      // Created and migrated by the store itself, then written through a connection of this process.
      await (await openStore({ url: path, durability: 'full' })).close()
      const db = openSqliteConnection(path, 'normal', 1000)
      db.exec('PRAGMA wal_autocheckpoint = 0')
      const writes = createSqliteWrites(db, beginImmediateBlocking)
      let next = 0
      const write = (count: number) => {
        for (let written = 0; written < count; written += batch) {
          writes.accept(Array.from({ length: batch }, () => {
            const phoneNumber = `1${numberAt(next).replace(/\D/g, '')}`
            const createdAt = 1_800_000_000_000 + next++
            return {
              signup: {
                campaign: campaign.slug,
                phoneNumber,
                e164: `+${phoneNumber}`,
                request: optInRequest(campaign, phoneNumber),
                tokenKey,
                consent: { clientIp: '203.0.113.7', userAgent: 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Mobile/15E148 Safari/604.1', pageUrl: 'https://example.com/c/demo', referrer: undefined, source: 'qr', disclosureVersion: 'bench', consentGiven: true },
                createdAt
              },
              dedupeWindowMs: campaign.duplicateWindowMs,
              velocity: campaign.protection.prefixVelocity
            }
          }))
        }
      }
      write(FILL)
      db.exec('PRAGMA wal_checkpoint(TRUNCATE)')
      write(COUNTED)
      const { log } = db.prepare('PRAGMA wal_checkpoint(PASSIVE)').get() as { log: number }
      db.close()
      samples.push({ batch, framesPerSignup: log / COUNTED, framesPerCommit: log / (COUNTED / batch) })
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  }
  return samples
}
