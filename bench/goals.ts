// Issue 3's performance goals, each judged on the median of its per-round figures (ratios within one round), and
// issue 6's page budget (every form page's first visit within the first round trip).
import { median } from './lib/stats.ts'
import { PAGE_BUDGET_BYTES, type PageResults } from './page.ts'
import { sampleOf, type Results } from './results.ts'
import type { VariantName } from './variants.ts'

export interface Goal {
  name: string
  target: string
  /** The median, formatted. */
  measured: string
  perRound: number[]
  status: 'met' | 'MISSED' | 'not measured'
  note?: string
}

function ratios<T extends { variant: VariantName, problems: string[] }> (
  rounds: T[][], top: VariantName, bottom: VariantName, value: (sample: T) => number
): { values: number[], problems: boolean } {
  let problems = false
  const values = rounds.map(round => {
    const a = sampleOf(round, top)
    const b = sampleOf(round, bottom)
    if (a === undefined || b === undefined) return Number.NaN
    if (a.problems.length > 0 || b.problems.length > 0) problems = true
    return value(a) / value(b)
  })
  return { values, problems }
}

function judge (name: string, target: string, values: number[], problems: boolean, ok: (m: number) => boolean): Goal {
  const m = median(values)
  if (!Number.isFinite(m)) return { name, target, measured: '-', perRound: values, status: 'not measured' }
  const goal: Goal = { name, target, measured: formatAgainst(target, m), perRound: values, status: ok(m) && !problems ? 'met' : 'MISSED' }
  if (problems) goal.note = 'some samples had problems (see Problems)'
  return goal
}

function rounded (value: number, digits: number, direction: 'down' | 'up'): string {
  const scale = 10 ** digits
  // The epsilon keeps a value that is exactly on a step (0.8 × 100 = 80.00000000000001) on it.
  const stepped = direction === 'down' ? Math.floor(value * scale + 1e-9) : Math.ceil(value * scale - 1e-9)
  return (stepped / scale).toFixed(digits)
}

/**
 * A ratio as its goal's target writes it ('≥ 50%' → '24%', '≤ 2.5×' → '3.24×'), rounded away from the target, so
 * a missed goal never reads as met: 0.797 against '≥ 0.8×' shows 0.79×, not 0.80×.
 */
export function formatAgainst (target: string, value: number): string {
  const direction = target.startsWith('≥') ? 'down' : 'up'
  if (target.includes('%')) return `${rounded(value * 100, 0, direction)}%`
  if (target.includes('×')) return `${rounded(value, 2, direction)}×`
  return String(value)
}

const PAGE_GOAL = 'First visit on the wire, every form page (the largest)'

/** Met when every page, in every run, stays within the budget; per round: each run's largest page. */
export function pageGoal (page: PageResults | undefined): Goal {
  const target = `≤ ${PAGE_BUDGET_BYTES.toLocaleString('en-US')} bytes`
  if (page === undefined || page.skipped !== undefined || page.pages.length === 0) {
    return { name: PAGE_GOAL, target, measured: '-', perRound: [], status: 'not measured', note: page?.skipped ?? 'not run' }
  }
  const perRun = Array.from({ length: page.runs }, (_, run) => Math.max(...page.pages.map(p => p.wireBytes[run] ?? Number.NaN)))
  const largest = page.pages.reduce((a, b) => median(b.wireBytes) > median(a.wireBytes) ? b : a)
  const worst = Math.max(...perRun)
  const problems = page.pages.filter(p => p.problems.length > 0)
  const goal: Goal = {
    name: PAGE_GOAL,
    target,
    measured: `${median(largest.wireBytes).toLocaleString('en-US')} bytes (${largest.name}, ${largest.path})`,
    perRound: perRun,
    status: worst <= PAGE_BUDGET_BYTES && problems.length === 0 ? 'met' : 'MISSED'
  }
  if (problems.length > 0) goal.note = 'some pages had problems (see Problems)'
  return goal
}

export function evaluateGoals (results: Results): Goal[] {
  const goals: Goal[] = []
  const accept = ratios(results.throughput, 'sqlite-full', 'bare', s => s.perSecond)
  goals.push(judge('Accept throughput, SQLite full vs bare route', '≥ 50%', accept.values, accept.problems, m => m >= 0.5))
  const p99 = ratios(results.latency, 'sqlite-full', 'bare', s => s.p99Ms)
  goals.push(judge(`p99 at ${results.settings.openLoop.rate}/s, SQLite full vs bare route`, '≤ 2.5×', p99.values, p99.problems, m => m <= 2.5))
  const drain = results.drain.map(sample => sample.ratio)
  const drainProblems = results.drain.some(sample => sample.problems.length > 0)
  goals.push(judge('Backlog drain vs ideal (1 instance, SQLite)', '≤ 1.05×', drain, drainProblems, m => m <= 1.05))
  if (results.postgresSkipped === undefined) {
    const pg = ratios(results.throughput, 'postgres', 'sqlite-full', s => s.perSecond)
    goals.push(judge('Accept throughput, PostgreSQL vs SQLite', '≥ 0.8×', pg.values, pg.problems, m => m >= 0.8))
    const two = results.drainPostgres
    if (two === undefined) {
      goals.push({ name: 'Two instances never exceed the upstream rate', target: '0 × 429', measured: '-', perRound: [], status: 'not measured' })
    } else {
      goals.push({
        name: 'Two instances never exceed the upstream rate',
        target: '0 × 429',
        measured: `${two.rateLimited} × 429 in ${two.calls} calls`,
        perRound: [two.rateLimited],
        status: two.rateLimited === 0 && two.problems.length === 0 ? 'met' : 'MISSED',
        ...(two.problems.length > 0 ? { note: two.problems.join('; ') } : {})
      })
    }
  } else {
    for (const name of ['Accept throughput, PostgreSQL vs SQLite', 'Two instances never exceed the upstream rate']) {
      goals.push({ name, target: '', measured: '-', perRound: [], status: 'not measured', note: results.postgresSkipped })
    }
  }
  goals.push(pageGoal(results.page))
  return goals
}
