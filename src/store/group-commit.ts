// Group commit: rows that arrive close together share one transaction, and each caller waits for that commit.
// Generic over the item and result types so the SQLite and Postgres stores batch the same way.

export interface GroupCommitOptions<I, R> {
  /**
   * Writes one batch in ONE transaction and returns one result per item, in order. Throwing (or rejecting)
   * fails every item of the batch: nobody is told "saved" for a row whose commit did not happen.
   */
  commit: (items: readonly I[]) => R[] | Promise<R[]>
  /** 0 (default): commit at the end of the current event-loop turn (setImmediate); otherwise wait this long for more rows. */
  batchDelayMs?: number
  /** Most items per transaction (default 256). */
  maxBatch?: number
  /** How many batches may be committing at once (default 1; a connection pool can take more). */
  maxInFlight?: number
}

export interface GroupCommitStats {
  /** Transactions attempted (committed or failed). */
  batches: number
  /** Items in those transactions. */
  items: number
  failedBatches: number
  largestBatch: number
}

export interface GroupCommit<I, R> {
  /** Queues one item; resolves with its result after its batch committed, rejects if that batch failed. */
  add: (item: I) => Promise<R>
  /** Commits everything queued now and waits for every batch in flight (used by close()). */
  drain: () => Promise<void>
  readonly stats: Readonly<GroupCommitStats>
}

interface Waiting<I, R> {
  item: I
  resolve: (result: R) => void
  reject: (error: unknown) => void
}

export function createGroupCommit<I, R> (options: GroupCommitOptions<I, R>): GroupCommit<I, R> {
  const delayMs = options.batchDelayMs ?? 0
  const maxBatch = Math.max(1, options.maxBatch ?? 256)
  const maxInFlight = Math.max(1, options.maxInFlight ?? 1)
  const stats: GroupCommitStats = { batches: 0, items: 0, failedBatches: 0, largestBatch: 0 }
  const queue: Waiting<I, R>[] = []
  let inFlight = 0
  let timer: NodeJS.Timeout | undefined
  let immediate: NodeJS.Immediate | undefined
  let idle: (() => void)[] = []

  function schedule (): void {
    if (queue.length === 0 || inFlight >= maxInFlight || immediate !== undefined) return
    // A full batch (or no delay configured) goes at the end of this turn; a partial one may wait for company.
    if (delayMs <= 0 || queue.length >= maxBatch) {
      if (timer !== undefined) clearTimeout(timer)
      timer = undefined
      immediate = setImmediate(run)
    } else if (timer === undefined) {
      timer = setTimeout(run, delayMs)
    }
  }

  function run (): void {
    if (timer !== undefined) clearTimeout(timer)
    timer = undefined
    immediate = undefined
    while (queue.length > 0 && inFlight < maxInFlight) {
      // Never rejects: a failure is handed to each caller of the batch.
      commitBatch(queue.splice(0, maxBatch))
    }
  }

  async function commitBatch (batch: Waiting<I, R>[]): Promise<void> {
    inFlight++
    stats.batches++
    stats.items += batch.length
    stats.largestBatch = Math.max(stats.largestBatch, batch.length)
    try {
      const results = await options.commit(batch.map(waiting => waiting.item))
      if (results.length !== batch.length) {
        throw new Error(`group commit: ${results.length} results for ${batch.length} items`)
      }
      batch.forEach((waiting, i) => waiting.resolve(results[i] as R))
    } catch (error) {
      stats.failedBatches++
      for (const waiting of batch) waiting.reject(error)
    } finally {
      inFlight--
      schedule()
      if (queue.length === 0 && inFlight === 0) {
        const waiters = idle
        idle = []
        for (const wake of waiters) wake()
      }
    }
  }

  return {
    stats,
    add (item) {
      return new Promise<R>((resolve, reject) => {
        queue.push({ item, resolve, reject })
        schedule()
      })
    },
    async drain () {
      if (queue.length === 0 && inFlight === 0) return
      const done = new Promise<void>(resolve => idle.push(resolve))
      if (immediate === undefined) run()
      await done
    }
  }
}
