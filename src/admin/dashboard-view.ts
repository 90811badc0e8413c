// What the dashboard template shows: numbers formatted, the chart's geometry (drawn as inline SVG by the template, so
// every text in it is escaped like the rest of the page), and the queue in words.
import { type Dashboard, type Numbers, PERIODS } from './dashboard-data.ts'

const CHART = { width: 720, height: 220, left: 44, right: 8, top: 12, bottom: 28 }
const integer = new Intl.NumberFormat('en-US')
const percent = new Intl.NumberFormat('en-US', { style: 'percent', maximumFractionDigits: 1 })

export function formatNumbers (n: Numbers) {
  return {
    views: integer.format(n.views),
    submissions: integer.format(n.submissions),
    refused: integer.format(n.refused),
    held: integer.format(n.held),
    duplicates: integer.format(n.duplicates),
    queued: integer.format(n.queued),
    delivered: integer.format(n.delivered),
    rejected: integer.format(n.rejected),
    conversion: n.conversion === undefined ? '–' : percent.format(n.conversion)
  }
}

/** "3 min", "2 h 5 min", "under a second". */
export function duration (ms: number): string {
  if (ms < 1000) return 'under a second'
  const seconds = Math.ceil(ms / 1000)
  if (seconds < 60) return `${seconds} s`
  const minutes = Math.ceil(seconds / 60)
  if (minutes < 60) return `${minutes} min`
  const hours = Math.floor(minutes / 60)
  if (hours < 48) return `${hours} h${minutes % 60 === 0 ? '' : ` ${minutes % 60} min`}`
  return `${Math.round(hours / 24)} days`
}

function bucketLabel (start: number, bucketMs: number): string {
  const date = new Date(start)
  if (bucketMs < 86_400_000) return `${String(date.getUTCHours()).padStart(2, '0')}:00`
  return date.toLocaleDateString('en-US', { month: 'short', day: 'numeric', timeZone: 'UTC' })
}

/** A round axis maximum at or above `max` (1, 2, 5 × 10^n), so the gridline labels read well. */
function axisMax (max: number): number {
  if (max <= 4) return 4
  const power = 10 ** Math.floor(Math.log10(max))
  return [1, 2, 2.5, 5, 10].map(f => f * power).find(v => v >= max) ?? max
}

export function chartView (series: Dashboard['series']) {
  const { width, height, left, right, top, bottom } = CHART
  const plotW = width - left - right
  const plotH = height - top - bottom
  const n = series.bars.length
  const slot = plotW / n
  const top4 = axisMax(series.max)
  // Every few bars get a label, so labels never overlap (24 hours: every 3rd; 30 days: every 5th).
  const every = n <= 8 ? 1 : n <= 24 ? 3 : 5
  const bars = series.bars.map((bar, i) => {
    const h = bar.count === 0 ? 0 : Math.max(1, (bar.count / top4) * plotH)
    return {
      x: (left + i * slot + slot * 0.15).toFixed(1),
      y: (top + plotH - h).toFixed(1),
      width: (slot * 0.7).toFixed(1),
      height: h.toFixed(1),
      count: integer.format(bar.count),
      label: bucketLabel(bar.start, series.bucketMs),
      labelX: (left + i * slot + slot / 2).toFixed(1),
      showLabel: i % every === 0
    }
  })
  const grid = [0, 0.25, 0.5, 0.75, 1].map(f => ({ y: (top + plotH - f * plotH).toFixed(1), label: integer.format(Math.round(f * top4)) }))
  const total = series.bars.reduce((sum, bar) => sum + bar.count, 0)
  return {
    width,
    height,
    left,
    right: width - right,
    baseline: (top + plotH).toFixed(1),
    labelY: (height - 8).toFixed(1),
    bars,
    grid,
    unit: series.bucketMs < 86_400_000 ? 'hour' : 'day',
    total: integer.format(total)
  }
}

export function queueView (q: Dashboard['queue']) {
  const perMinute = (q.limit / q.windowMs) * 60_000
  return {
    depth: integer.format(q.depth),
    pending: integer.format(q.pending),
    sending: integer.format(q.sending),
    drain: q.paused !== undefined ? 'not while sending is paused' : q.drainMs === undefined ? 'nothing waiting' : q.drainMs < 1000 ? 'under a second' : `at least ${duration(q.drainMs)}`,
    rate: `${integer.format(q.limit)} calls per ${duration(q.windowMs)} (about ${perMinute >= 10 ? integer.format(Math.round(perMinute)) : perMinute.toFixed(1)} a minute)`,
    learned: q.learned,
    tokens: integer.format(q.tokens),
    blocked: q.blockedMs > 0 ? duration(q.blockedMs) : undefined,
    paused: q.paused
  }
}

export function dashboardView (d: Dashboard, now: number) {
  return {
    period: d.period,
    periods: Object.entries(PERIODS).map(([value, p]) => ({ value, label: p.label, current: value === d.period })),
    periodLabel: PERIODS[d.period].label,
    range: `${new Date(d.from).toISOString().slice(0, 16).replace('T', ' ')} – ${new Date(d.to).toISOString().slice(0, 16).replace('T', ' ')} UTC`,
    all: formatNumbers(d.all),
    campaigns: d.campaigns.map(c => ({
      slug: c.slug,
      name: c.name,
      total: formatNumbers(c.total),
      sources: c.sources.map(s => ({ source: s.source, utm: s.utm, ...formatNumbers(s) })),
      refusals: c.refusals.map(r => ({ reason: r.reason.replaceAll('_', ' '), count: integer.format(r.count) }))
    })),
    chart: chartView(d.series),
    queue: queueView(d.queue),
    updated: new Date(now).toISOString().slice(0, 19).replace('T', ' ')
  }
}
