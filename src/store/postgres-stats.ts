// PostgreSQL's dashboard queries: traffic counters summed in (one statement per flush), signups grouped, the series.
import type { Pool } from 'pg'
import { inLongTransaction } from './postgres-pool.ts'
import { toBucket } from './rows.ts'
import {
  checkE164, checkIncrements, SIGNUP_KEY, statsRange, timelineRange, toNumberRecords, toSignupCount, toTimelinePoint,
  toTrafficTotal
} from './stats-rows.ts'
import type { Store } from './types.ts'

type StatsPart = Pick<Store, 'addTraffic' | 'traffic' | 'signupCounts' | 'signupTimeline' | 'readBucket' | 'numberRecords'>

// One statement for a whole flush (arrays, one per column: no parameter limit). Summed into the row: every instance
// adds its own counts, and the row lock ON CONFLICT takes serialises two instances adding to one row at once. Rows
// are upserted in key order, so two flushes lock in the same order and never deadlock each other. ON CONFLICT cannot
// touch a row twice in one statement, so increments of one key are summed first.
const ADD = `INSERT INTO traffic_counts AS t (campaign, hour, source, utm_source, utm_medium, utm_campaign, event, reason, count)
  SELECT campaign, hour, source, utm_source, utm_medium, utm_campaign, event, reason, sum(count)
  FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::bigint[])
    AS u (campaign, hour, source, utm_source, utm_medium, utm_campaign, event, reason, count)
  GROUP BY 1, 2, 3, 4, 5, 6, 7, 8
  ORDER BY 1, 2, 3, 4, 5, 6, 7, 8
  ON CONFLICT (campaign, hour, source, utm_source, utm_medium, utm_campaign, event, reason)
  DO UPDATE SET count = t.count + excluded.count`

// Unnamed statements: planned with the actual values, so the campaign's IS NULL term folds away.
const TRAFFIC = `SELECT campaign, source, utm_source, utm_medium, utm_campaign, event, reason, sum(count) AS count
  FROM traffic_counts WHERE hour >= $1 AND hour < $2 AND ($3::text IS NULL OR campaign = $3)
  GROUP BY campaign, source, utm_source, utm_medium, utm_campaign, event, reason`

const SIGNUP_COUNTS = `SELECT ${SIGNUP_KEY}, s.status, s.hold_reason IS NOT NULL AS held, count(*) AS count
  FROM signups s LEFT JOIN signup_consents c ON c.signup_id = s.id
  WHERE s.created_at >= $1 AND s.created_at < $2 AND ($3::text IS NULL OR s.campaign = $3)
  GROUP BY 1, 2, 3, 4, 5, 6, 7`

const TIMELINE = `SELECT (created_at - $1) / $4::bigint AS bucket, count(*) AS count
  FROM signups
  WHERE created_at >= $1 AND created_at < $2 AND ($3::text IS NULL OR campaign = $3)
    AND status NOT IN ('duplicate', 'held')
  GROUP BY 1 ORDER BY 1`

export function createPostgresStats (pool: Pool): StatsPart {
  return {
    async addTraffic (increments) {
      const rows = checkIncrements(increments)
      if (rows.length === 0) return
      const column = <T> (pick: (r: typeof rows[number]) => T) => rows.map(pick)
      await pool.query(ADD, [
        column(r => r.campaign), column(r => r.hour), column(r => r.source), column(r => r.utmSource),
        column(r => r.utmMedium), column(r => r.utmCampaign), column(r => r.event), column(r => r.reason), column(r => r.count)
      ])
    },

    async traffic (query) {
      const { campaign, from, to } = statsRange(query)
      return (await pool.query(TRAFFIC, [from, to, campaign])).rows.map(toTrafficTotal)
    },

    async signupCounts (query) {
      const { campaign, from, to } = statsRange(query)
      return (await pool.query(SIGNUP_COUNTS, [from, to, campaign])).rows.map(toSignupCount)
    },

    async signupTimeline (query) {
      const { campaign, from, to, bucketMs } = timelineRange(query)
      return (await pool.query(TIMELINE, [from, to, campaign, bucketMs])).rows.map(toTimelinePoint)
    },

    async readBucket (tokenKey) {
      const { rows } = await pool.query('SELECT * FROM rate_buckets WHERE token_key = $1', [tokenKey])
      return toBucket(rows[0])
    },

    async numberRecords (e164) {
      // The step before a deletion scans the whole table by number, as deleteNumber() does: the same long bound.
      const { rows } = await inLongTransaction(pool, async query =>
        await query('SELECT campaign, count(*) AS signups FROM signups WHERE e164 = $1 GROUP BY campaign ORDER BY campaign', [checkE164(e164)]))
      return rows.map(toNumberRecords)
    }
  }
}
