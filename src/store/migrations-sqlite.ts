// SQLite schema, as numbered migrations: entry i brings the database to PRAGMA user_version i + 1.
// Append only: never edit a migration that has shipped, add a new one. Times are ms since epoch (UTC).

export const SQLITE_MIGRATIONS: readonly string[] = [
  // 1. Signups (the outbox) and their consent proof, plus the disclosure texts the proofs point at.
  // INTEGER PRIMARY KEY without AUTOINCREMENT, to save a sqlite_sequence write per row: SQLite then hands out
  // max(id) + 1, so an id comes back once it is no longer the largest. Thought to happen only after a rolled-back
  // batch (whose ids nobody was told), but deleteNumber() (migration 5) frees the newest signup's id too: migration 7.
  // Consent rows live in their own insert-only table: the ledger is never rewritten by dispatch updates.
  // No foreign key from consent to disclosures: a missing disclosure text must never refuse a signup.
  `
  CREATE TABLE signups (
    id INTEGER PRIMARY KEY,
    campaign TEXT NOT NULL,
    phone_number TEXT NOT NULL,
    e164 TEXT NOT NULL,
    request TEXT NOT NULL,
    token_key TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'sending', 'delivered', 'rejected', 'duplicate')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER,
    lease_until INTEGER,
    claimed_by TEXT,
    created_at INTEGER NOT NULL,
    delivered_at INTEGER,
    contact_id INTEGER,
    last_error TEXT
  ) STRICT;

  -- Claims scan a token's unfinished signups oldest first and stop after LIMIT rows; finished rows leave the index.
  CREATE INDEX signups_active ON signups (token_key, id) WHERE status IN ('pending', 'sending');
  -- nextDue(): the earliest retry time and the earliest lease expiry of a token, each one index probe.
  CREATE INDEX signups_pending_due ON signups (token_key, next_attempt_at) WHERE status = 'pending';
  CREATE INDEX signups_lease ON signups (token_key, lease_until) WHERE status = 'sending';
  -- Dedupe: the newest non-duplicate signup of a number in a campaign.
  CREATE INDEX signups_dedupe ON signups (campaign, phone_number, created_at) WHERE status <> 'duplicate';

  CREATE TABLE signup_consents (
    signup_id INTEGER PRIMARY KEY REFERENCES signups (id),
    disclosure_version TEXT NOT NULL,
    consent_given INTEGER NOT NULL CHECK (consent_given IN (0, 1)),
    client_ip TEXT,
    user_agent TEXT,
    page_url TEXT,
    referrer TEXT,
    source TEXT
  ) STRICT;

  CREATE TABLE disclosures (
    version TEXT PRIMARY KEY,
    text TEXT NOT NULL,
    created_at INTEGER NOT NULL
  ) STRICT;
  `,

  // 2. Every upstream attempt and its answer, kept for the consent record and for counting possible double sends.
  `
  CREATE TABLE signup_attempts (
    id INTEGER PRIMARY KEY,
    signup_id INTEGER NOT NULL REFERENCES signups (id),
    started_at INTEGER NOT NULL,
    finished_at INTEGER NOT NULL,
    outcome TEXT NOT NULL,
    http_status INTEGER,
    detail TEXT NOT NULL,
    maybe_processed INTEGER NOT NULL CHECK (maybe_processed IN (0, 1))
  ) STRICT;
  CREATE INDEX signup_attempts_signup ON signup_attempts (signup_id, id);
  `,

  // 3. One token bucket per access token, shared by every process using this file.
  // REAL columns: tokens are fractional, and a learned window or block time need not be whole milliseconds.
  `
  CREATE TABLE rate_buckets (
    token_key TEXT PRIMARY KEY,
    tokens REAL NOT NULL,
    updated_at REAL NOT NULL,
    capacity REAL NOT NULL,
    window_ms REAL NOT NULL,
    blocked_until REAL NOT NULL
  ) STRICT;
  `,

  // 4. Held signups (suspected abuse) and the per-prefix velocity check.
  // A rebuild, not ALTER TABLE: SQLite cannot change a CHECK constraint in place, and status gains 'held'.
  // This is SQLite's documented 12-step procedure: migrate() runs it with foreign keys off (consent and attempt
  // rows point at signups while it is dropped) and runs foreign_key_check before committing. Ids are copied, so
  // every child row finds its signup again under the same name.
  // phone_prefix is the PhoneNumber minus its last 4 digits (rows.ts phonePrefix(): substr with a negative
  // length gives '' for a short number, like slice(0, -4)); NULL only for a row an older build writes during a
  // rolling upgrade. hold_reason stays after a release, for the record; a held row always has one.
  `
  CREATE TABLE signups_v4 (
    id INTEGER PRIMARY KEY,
    campaign TEXT NOT NULL,
    phone_number TEXT NOT NULL,
    phone_prefix TEXT,
    e164 TEXT NOT NULL,
    request TEXT NOT NULL,
    token_key TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'sending', 'delivered', 'rejected', 'duplicate', 'held')),
    hold_reason TEXT,
    released_at INTEGER,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER,
    lease_until INTEGER,
    claimed_by TEXT,
    created_at INTEGER NOT NULL,
    delivered_at INTEGER,
    contact_id INTEGER,
    last_error TEXT,
    CHECK (status <> 'held' OR hold_reason IS NOT NULL)
  ) STRICT;
  INSERT INTO signups_v4 (id, campaign, phone_number, phone_prefix, e164, request, token_key, status, attempts,
    next_attempt_at, lease_until, claimed_by, created_at, delivered_at, contact_id, last_error)
  SELECT id, campaign, phone_number, substr(phone_number, 1, length(phone_number) - 4), e164, request, token_key, status,
    attempts, next_attempt_at, lease_until, claimed_by, created_at, delivered_at, contact_id, last_error
  FROM signups;
  DROP TABLE signups;
  ALTER TABLE signups_v4 RENAME TO signups;

  -- The indexes of migration 1 went with the old table.
  CREATE INDEX signups_active ON signups (token_key, id) WHERE status IN ('pending', 'sending');
  CREATE INDEX signups_pending_due ON signups (token_key, next_attempt_at) WHERE status = 'pending';
  CREATE INDEX signups_lease ON signups (token_key, lease_until) WHERE status = 'sending';
  -- Dedupe: the newest signup of a number in a campaign that was or will be sent; held rows are left out, so a
  -- bot's held submission never blocks the number's owner.
  CREATE INDEX signups_dedupe ON signups (campaign, phone_number, created_at) WHERE status NOT IN ('duplicate', 'held');
  -- Velocity: the recent signups of a prefix in a campaign, held ones included.
  CREATE INDEX signups_prefix_velocity ON signups (campaign, phone_prefix, created_at) WHERE status <> 'duplicate';
  -- listHeld(): newest first, overall or per campaign; only held rows are in these indexes.
  CREATE INDEX signups_held ON signups (id) WHERE status = 'held';
  CREATE INDEX signups_held_campaign ON signups (campaign, id) WHERE status = 'held';
  `,

  // 5. Consent export and deletion on request.
  // The export reads signups by creation time, oldest first: this index gives the range and the order (with the rowid
  // as the tie-break), so an export streams from the first row without sorting the table. Creation times only grow,
  // so accepts append to its right edge: cheap.
  // deletions is the audit trail of deleteNumber(): that a number's records were deleted, when, why, how many and
  // from which campaigns (a JSON array), but not the number: only its SHA-256, which answers "was this number
  // deleted?" for someone who has the number. Never updated, never deleted.
  `
  CREATE INDEX signups_created ON signups (created_at);

  CREATE TABLE deletions (
    id INTEGER PRIMARY KEY,
    e164_sha256 TEXT NOT NULL CHECK (length(e164_sha256) = 64),
    campaigns TEXT NOT NULL CHECK (json_valid(campaigns) AND json_type(campaigns) = 'array'),
    signups INTEGER NOT NULL CHECK (signups >= 0),
    deleted_at INTEGER NOT NULL,
    note TEXT NOT NULL CHECK (note <> '')
  ) STRICT;
  `,

  // 6. The dashboard: UTM tags in the consent proof, and traffic counters.
  // utm_* are the page URL's standard UTM parameters, each on its own so that signups can be counted by them; NULL
  // when the URL had none (and for every older row: nobody parsed them out of page_url then).
  // traffic_counts holds what the signups table cannot: page views and refused submissions (nothing is stored for a
  // refusal). One row per campaign, UTC hour, source, UTM source/medium/campaign, event and reason; '' for "none",
  // since a primary key column cannot usefully be NULL. Each instance adds its counts every few seconds
  // (count = count + n), so several processes sharing the file sum up. WITHOUT ROWID: the key is the row.
  // The hour index serves "everything in this time range" when no campaign is chosen.
  `
  ALTER TABLE signup_consents ADD COLUMN utm_source TEXT;
  ALTER TABLE signup_consents ADD COLUMN utm_medium TEXT;
  ALTER TABLE signup_consents ADD COLUMN utm_campaign TEXT;
  ALTER TABLE signup_consents ADD COLUMN utm_term TEXT;
  ALTER TABLE signup_consents ADD COLUMN utm_content TEXT;

  CREATE TABLE traffic_counts (
    campaign TEXT NOT NULL,
    hour INTEGER NOT NULL,
    source TEXT NOT NULL,
    utm_source TEXT NOT NULL,
    utm_medium TEXT NOT NULL,
    utm_campaign TEXT NOT NULL,
    event TEXT NOT NULL CHECK (event IN ('view', 'refused', 'refusal')),
    reason TEXT NOT NULL,
    count INTEGER NOT NULL CHECK (count >= 0),
    PRIMARY KEY (campaign, hour, source, utm_source, utm_medium, utm_campaign, event, reason)
  ) STRICT, WITHOUT ROWID;
  CREATE INDEX traffic_counts_hour ON traffic_counts (hour);
  `,

  // 7. A signup's id is never handed out again: AUTOINCREMENT.
  // Without it, once deleteNumber() deletes the newest signup, the next visitor gets its id: a dispatcher call in
  // flight for the deleted signup then finishes with finishAttempt(id) and marks the new one delivered though it was
  // never sent, and a releaseHeld(id) from an older listing releases someone else.
  // A rebuild, not ALTER TABLE: SQLite cannot add AUTOINCREMENT in place. The same 12-step procedure as migration 4:
  // migrate() runs it with foreign keys off (consent and attempt rows point at signups while it is dropped) and runs
  // foreign_key_check before committing. Ids are copied, so every child row finds its signup again under the same
  // name; inserting them with their ids sets sqlite_sequence to the largest (the rename carries that row over), so
  // new ids continue above every id in the table. An id deleted from the top before this migration ran is recorded
  // nowhere, so it may still come back once.
  // Cost: each INSERT reads and updates signups' row in sqlite_sequence, and each commit writes that page (WAL frames
  // per commit of 2 signups 11.6 -> 12.3). Writer CPU per signup, synchronous=FULL, 2 vCPUs: about +0.5 µs on ~30 in
  // batches of 128 (within the noise), +2-10 µs (median 3.5) on ~90 in batches of 2.
  `
  CREATE TABLE signups_v7 (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    campaign TEXT NOT NULL,
    phone_number TEXT NOT NULL,
    phone_prefix TEXT,
    e164 TEXT NOT NULL,
    request TEXT NOT NULL,
    token_key TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'sending', 'delivered', 'rejected', 'duplicate', 'held')),
    hold_reason TEXT,
    released_at INTEGER,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER,
    lease_until INTEGER,
    claimed_by TEXT,
    created_at INTEGER NOT NULL,
    delivered_at INTEGER,
    contact_id INTEGER,
    last_error TEXT,
    CHECK (status <> 'held' OR hold_reason IS NOT NULL)
  ) STRICT;
  INSERT INTO signups_v7 (id, campaign, phone_number, phone_prefix, e164, request, token_key, status, hold_reason,
    released_at, attempts, next_attempt_at, lease_until, claimed_by, created_at, delivered_at, contact_id, last_error)
  SELECT id, campaign, phone_number, phone_prefix, e164, request, token_key, status, hold_reason,
    released_at, attempts, next_attempt_at, lease_until, claimed_by, created_at, delivered_at, contact_id, last_error
  FROM signups;
  DROP TABLE signups;
  ALTER TABLE signups_v7 RENAME TO signups;

  -- The indexes of migrations 4 and 5 went with the old table: the same definitions, WHERE clauses word for word
  -- (the queries repeat them, and SQLite uses a partial index only then).
  CREATE INDEX signups_active ON signups (token_key, id) WHERE status IN ('pending', 'sending');
  CREATE INDEX signups_pending_due ON signups (token_key, next_attempt_at) WHERE status = 'pending';
  CREATE INDEX signups_lease ON signups (token_key, lease_until) WHERE status = 'sending';
  CREATE INDEX signups_dedupe ON signups (campaign, phone_number, created_at) WHERE status NOT IN ('duplicate', 'held');
  CREATE INDEX signups_prefix_velocity ON signups (campaign, phone_prefix, created_at) WHERE status <> 'duplicate';
  CREATE INDEX signups_held ON signups (id) WHERE status = 'held';
  CREATE INDEX signups_held_campaign ON signups (campaign, id) WHERE status = 'held';
  CREATE INDEX signups_created ON signups (created_at);
  `
]
