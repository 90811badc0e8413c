// SQLite's dashboard queries: traffic counters (summed in by the writer), signups grouped, the series.
import type { DatabaseSync } from 'node:sqlite'
import { toBucket } from './rows.ts'
import {
  checkE164, checkIncrements, SIGNUP_KEY, statsRange, timelineRange, toNumberRecords, toSignupCount, toTimelinePoint,
  toTrafficTotal
} from './stats-rows.ts'
import type { Store, TrafficIncrement } from './types.ts'

type StatsPart = Pick<Store, 'addTraffic' | 'traffic' | 'signupCounts' | 'signupTimeline' | 'readBucket' | 'numberRecords'>

// Summed into the row, not overwritten: other processes sharing the file add their own counts. Run by the writer
// (sqlite-writes.ts), in one transaction per flush.
export const ADD_TRAFFIC = `INSERT INTO traffic_counts (campaign, hour, source, utm_source, utm_medium, utm_campaign, event, reason, count)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
  ON CONFLICT (campaign, hour, source, utm_source, utm_medium, utm_campaign, event, reason)
  DO UPDATE SET count = count + excluded.count`

// With a campaign, the primary key's prefix (campaign, hour) gives the range; without, traffic_counts_hour.
const TRAFFIC = `SELECT campaign, source, utm_source, utm_medium, utm_campaign, event, reason, sum(count) AS count
  FROM traffic_counts WHERE hour >= :from AND hour < :to AND (:campaign IS NULL OR campaign = :campaign)
  GROUP BY campaign, source, utm_source, utm_medium, utm_campaign, event, reason`

// The range comes from signups_created; the consent row is one primary-key probe per signup.
const SIGNUP_COUNTS = `SELECT ${SIGNUP_KEY}, s.status, s.hold_reason IS NOT NULL AS held, count(*) AS count
  FROM signups s LEFT JOIN signup_consents c ON c.signup_id = s.id
  WHERE s.created_at >= :from AND s.created_at < :to AND (:campaign IS NULL OR s.campaign = :campaign)
  GROUP BY 1, 2, 3, 4, 5, 6, 7`

// CAST: bound JS numbers may arrive as REAL, and the bucket must be an integer division.
const TIMELINE = `SELECT CAST((created_at - :from) / :bucketMs AS INTEGER) AS bucket, count(*) AS count
  FROM signups
  WHERE created_at >= :from AND created_at < :to AND (:campaign IS NULL OR campaign = :campaign)
    AND status NOT IN ('duplicate', 'held')
  GROUP BY 1 ORDER BY 1`

/** `addRows`: the writer's addTraffic, given the checked increments. */
export function createSqliteStats (db: DatabaseSync, addRows: (rows: TrafficIncrement[]) => Promise<void>): StatsPart {
  return {
    async addTraffic (increments) {
      const rows = checkIncrements(increments)
      if (rows.length === 0) return
      await addRows(rows)
    },

    async traffic (query) {
      return db.prepare(TRAFFIC).all(statsRange(query)).map(toTrafficTotal)
    },

    async signupCounts (query) {
      return db.prepare(SIGNUP_COUNTS).all(statsRange(query)).map(toSignupCount)
    },

    async signupTimeline (query) {
      return db.prepare(TIMELINE).all(timelineRange(query)).map(toTimelinePoint)
    },

    async readBucket (tokenKey) {
      return toBucket(db.prepare('SELECT * FROM rate_buckets WHERE token_key = ?').get(tokenKey))
    },

    async numberRecords (e164) {
      // A full scan, as for the deletion itself: no index leads with the number (see sqlite-consents.ts).
      return db.prepare('SELECT campaign, count(*) AS signups FROM signups WHERE e164 = ? GROUP BY campaign ORDER BY campaign')
        .all(checkE164(e164)).map(toNumberRecords)
    }
  }
}
