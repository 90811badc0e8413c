// Everything one `npm run bench` measured, as the report and the goals read it.
import type { ThroughputSample } from './accept.ts'
import type { DrainSample } from './drain.ts'
import type { Machine } from './machine.ts'
import type { LatencySample } from './open-loop.ts'
import type { PageResults } from './page.ts'
import type { PhoneSample } from './phone.ts'
import type { Settings } from './settings.ts'
import type { WalFramesSample } from './wal-frames.ts'
import type { VariantName } from './variants.ts'

export interface Results {
  command: string
  startedAt: Date
  seconds: number
  machine: Machine
  settings: Settings
  /** Why PostgreSQL was skipped, when it was. */
  postgresSkipped: string | undefined
  throughputVariants: VariantName[]
  latencyVariants: VariantName[]
  /** One entry per round; each round's samples in the order they ran. */
  throughput: ThroughputSample[][]
  latency: LatencySample[][]
  phone: PhoneSample[]
  drain: DrainSample[]
  drainPostgres: DrainSample | undefined
  /** WAL pages per signup by signups per commit (a count: measured once); undefined until that step ran. */
  walFrames: WalFramesSample[] | undefined
  /** Issue 6's page weight and time to a usable form; undefined until that step ran. */
  page: PageResults | undefined
  /** Time spent waiting for the machine to be quiet before samples. */
  quietWaitSeconds: number
}

export function sampleOf<T extends { variant: VariantName }> (round: readonly T[], variant: VariantName): T | undefined {
  return round.find(sample => sample.variant === variant)
}
