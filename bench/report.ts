// docs/benchmarks.md from one run's results: goals first, then every measurement per round with its median.
import { evaluateGoals, formatAgainst, type Goal } from './goals.ts'
import { fixed, int, pct, seconds, table, times } from './lib/markdown.ts'
import { median } from './lib/stats.ts'
import { PAGE_BUDGET_BYTES, type PageResults } from './page.ts'
import { sampleOf, type Results } from './results.ts'
import { VARIANT_LABELS, type VariantName } from './variants.ts'
import { WAL_FRAME_BYTES } from './wal-frames.ts'

type Rounds<T> = T[][]

/** One row per variant: the value in each round, then the median. */
function perRound<T extends { variant: VariantName }> (rounds: Rounds<T>, variants: VariantName[], value: (s: T) => number, format: (v: number) => string): string[][] {
  return variants.map(variant => {
    const values = rounds.map(round => { const s = sampleOf(round, variant); return s === undefined ? Number.NaN : value(s) })
    return [VARIANT_LABELS[variant], ...values.map(format), `**${format(median(values))}**`]
  })
}

function ratioRow<T extends { variant: VariantName }> (rounds: Rounds<T>, label: string, top: VariantName, bottom: VariantName, value: (s: T) => number, format: (v: number) => string): string[] {
  const values = rounds.map(round => {
    const a = sampleOf(round, top)
    const b = sampleOf(round, bottom)
    return a === undefined || b === undefined ? Number.NaN : value(a) / value(b)
  })
  return [label, ...values.map(format), `**${format(median(values))}**`]
}

function roundHeaders (label: string, count: number): string[] {
  return [label, ...Array.from({ length: count }, (_, i) => `round ${i + 1}`), 'median']
}

export function goalLines (goals: Goal[]): string[] {
  return goals.map(goal => `${goal.status === 'met' ? 'met   ' : goal.status === 'MISSED' ? 'MISSED' : 'n/a   '}  ${goal.name}: ${goal.measured} (target ${goal.target})${goal.note === undefined ? '' : ` [${goal.note}]`}`)
}

function goalsSection (goals: Goal[], format: (g: Goal, v: number) => string): string {
  return table(['goal', 'target', 'median', 'per round', 'status'], goals.map(goal => [
    goal.name, goal.target, goal.measured, goal.perRound.map(v => format(goal, v)).join(' · '),
    (goal.status === 'MISSED' ? '**MISSED**' : goal.status) + (goal.note === undefined ? '' : ` (${goal.note})`)
  ]))
}

function machineSection (r: Results): string {
  const m = r.machine
  const s = r.settings
  return table(['', ''], [
    ['CPU', `${m.cpu}, ${m.cores} cores`],
    ['RAM', `${m.ramGiB.toFixed(1)} GiB`],
    ['OS', m.os],
    ['Node', m.node],
    ['PostgreSQL', m.postgres === undefined ? 'not available' : `${m.postgres}, on the same machine (synchronous_commit as configured)`],
    ['packages', Object.entries(m.packages).map(([name, version]) => `${name} ${version}`).join(', ')],
    ['code measured', r.machine.revision],
    ['command', `\`${r.command}\``],
    ['servers', '`node src/server.ts` per instance (sandbox mode, LOG_LEVEL=info, a fresh SQLite file or PostgreSQL database each), ' +
      'campaign `demo` from bench/campaigns.yaml: every default abuse defence on (honeypot, form token with its 3 s minimum age, ' +
      'prefix velocity) except the per-IP limit, which one load generator on 127.0.0.1 cannot pass; the bare route is bench/workers/bare-server.ts, ' +
      'the decomposition variants bench/workers/app-server.ts (optline itself, its store writing nothing), store-server.ts and model-server.ts ' +
      '(the last two and the bare route issue no form token, so their request bodies carry no formToken field)'],
    ['date', `${r.startedAt.toISOString().replace('T', ' ').slice(0, 16)} UTC, ${Math.round(r.seconds)} s in all (${Math.round(r.quietWaitSeconds)} s of it waiting for a quiet machine)`],
    ['settings', `${s.rounds} interleaved rounds; throughput: ${s.throughput.connections} connections, ${s.throughput.warmupSeconds} s warm-up, then ${s.throughput.slices} turns of ${s.throughput.sliceSeconds} s per variant; ` +
      `latency: ${s.openLoop.rate}/s for ${s.openLoop.seconds} s after ${s.openLoop.warmupSeconds} s warm-up, following one uncounted round; drain: N=${s.drain.n}, L=${s.drain.limit} per ${s.drain.windowSeconds} s`]
  ], 2)
}

function throughputSection (r: Results): string {
  const rounds = r.throughput
  const n = rounds.length
  const v = r.throughputVariants
  const ratios = [ratioRow(rounds, 'SQLite full / bare', 'sqlite-full', 'bare', s => s.perSecond, pct),
    ratioRow(rounds, 'SQLite normal / bare', 'sqlite-normal', 'bare', s => s.perSecond, pct)]
  if (v.includes('postgres')) {
    ratios.push(ratioRow(rounds, 'PostgreSQL / bare', 'postgres', 'bare', s => s.perSecond, pct))
    ratios.push(ratioRow(rounds, 'PostgreSQL / SQLite full', 'postgres', 'sqlite-full', s => s.perSecond, times))
  }
  if (v.includes('app-only')) ratios.push(ratioRow(rounds, 'store writing nothing / bare', 'app-only', 'bare', s => s.perSecond, pct))
  if (v.includes('store-only')) ratios.push(ratioRow(rounds, 'durable accept only / bare', 'store-only', 'bare', s => s.perSecond, pct))
  if (v.includes('model')) ratios.push(ratioRow(rounds, 'one-table model / bare', 'model', 'bare', s => s.perSecond, pct))
  return [
    `Closed loop: autocannon (own process), ${r.settings.throughput.connections} connections, each request a distinct valid US number; 202s per second. ` +
      `In each round a fresh instance of every variant runs, and the load visits them in turns of ${r.settings.throughput.sliceSeconds} s ` +
      `(${r.settings.throughput.slices} turns each, order rotating), so background noise falls on all of them alike.`,
    '', table(roundHeaders('signups/s', n), perRound(rounds, v, s => s.perSecond, int)),
    '', table(roundHeaders('ratio (same round)', n), ratios),
    '', 'Where the CPU went (median of rounds): server CPU in cores, server CPU per accepted signup, the generator, and the whole machine ' +
      '(2 cores; anything above server + generator is other work on the machine, e.g. PostgreSQL or other jobs; steal is the hypervisor).',
    '', table(['variant', 'server cores', 'server CPU µs/signup', 'bare ÷ this, CPU per signup', 'generator cores', 'machine busy cores', 'steal cores', 'closed-loop p99 ms'],
      v.map(variant => {
        const samples = rounds.map(round => sampleOf(round, variant)).filter(s => s !== undefined)
        const med = (f: (s: typeof samples[number]) => number) => median(samples.map(f))
        const cpuRatio = median(rounds.map(round => {
          const a = sampleOf(round, 'bare')
          const b = sampleOf(round, variant)
          return a === undefined || b === undefined ? Number.NaN : (a.serverCores / a.perSecond) / (b.serverCores / b.perSecond)
        }))
        return [VARIANT_LABELS[variant], fixed(med(s => s.serverCores), 2), int(med(s => s.serverCores / s.perSecond * 1e6)), pct(cpuRatio),
          fixed(med(s => s.generatorCores), 2), fixed(med(s => s.machineBusyCores), 2), fixed(med(s => s.stealCores), 2), int(med(s => s.p99Ms))]
      })),
    '', 'A server whose one main thread is busy all the time (server cores ≈ 1) cannot go faster: then its throughput ratio to the ' +
      'bare route is bounded by the ratio of their CPU cost per signup (column 4), whatever the load generator does.',
    ...(v.includes('app-only') || v.includes('store-only') || v.includes('model')
      ? ['', 'The last three rows take the gap apart; they are not goals. *A store that writes nothing* is optline itself (src/server.ts, ' +
          'every setting and defence the same) whose store.accept() answers at once without writing (bench/workers/app-server.ts): ' +
          'the most any store design could give, so the distance from it to the bare route is the request\'s own work (routing, ' +
          'security headers, body schema, bot checks and form token, phone parsing, consent proof, metrics, the log line). ' +
          '*Durable accept only* is the bare route plus optline\'s own ' +
          'store.accept() (the signup and its consent proof, group commit, the SQLite writer thread, synchronous=FULL, every index), ' +
          'with no phone parsing, bot checks, security headers or log lines (bench/workers/store-server.ts). *One-table model* is the ' +
          'bare route plus one INSERT into a one-table SQLite file, group-committed with synchronous=FULL on the event loop ' +
          '(bench/workers/model-server.ts), what durable group commit itself costs on this machine.']
      : [])
  ].join('\n')
}

function latencySection (r: Results): string {
  const rounds = r.latency
  const n = rounds.length
  const v = r.latencyVariants
  const rows = [ratioRow(rounds, 'SQLite full / bare', 'sqlite-full', 'bare', s => s.p99Ms, times)]
  if (v.includes('postgres')) rows.push(ratioRow(rounds, 'PostgreSQL / bare', 'postgres', 'bare', s => s.p99Ms, times))
  if (v.includes('app-only')) rows.push(ratioRow(rounds, 'store writing nothing / bare', 'app-only', 'bare', s => s.p99Ms, times))
  return [
    `Open loop: ${r.settings.openLoop.rate} signups/s on a fixed timeline for ${r.settings.openLoop.seconds} s (undici, own process, ` +
      `${r.settings.openLoop.connections} connections); latency from each request's scheduled send time, so stalls count in full. ` +
      'A first round, not counted, warms the generator and the machine: the first run of a bench measured any server slower.' +
      (v.includes('app-only') ? ' Optline with a store that writes nothing (see Accept throughput) is not a goal: its tail is that of the request\'s own work.' : ''),
    '', table(roundHeaders('p99 ms', n), perRound(rounds, v, s => s.p99Ms, v => fixed(v, 2))),
    '', table(roundHeaders('p99 ratio (same round)', n), rows),
    '', 'Detail (median of rounds): the generator\'s own lateness (send lag: timer granularity, included above) and the server\'s part (service).',
    '', table(['variant', 'p50 ms', 'p99.9 ms', 'max ms', 'send lag p99 ms', 'service p99 ms', 'achieved /s', 'server cores', 'machine busy cores'],
      v.map(variant => {
        const samples = rounds.map(round => sampleOf(round, variant)).filter(s => s !== undefined)
        const med = (f: (s: typeof samples[number]) => number) => median(samples.map(f))
        return [VARIANT_LABELS[variant], fixed(med(s => s.load.latency.p50), 2), fixed(med(s => s.load.latency.p999), 2), fixed(med(s => s.load.latency.max), 1),
          fixed(med(s => s.load.sendLag.p99), 2), fixed(med(s => s.load.service.p99), 2), int(med(s => s.load.achievedRate)),
          fixed(med(s => s.serverCores), 2), fixed(med(s => s.machineBusyCores), 2)]
      }))
  ].join('\n') + '\n\n' + windowTable(r)
}

/** Each round's p99 per slice of its timeline, with the server's age: is the tail everywhere, or a few stalls? */
function windowTable (r: Results): string {
  const { seconds, windowSeconds } = r.settings.openLoop
  const windows = Math.ceil(seconds / windowSeconds)
  const rows: string[][] = []
  for (const variant of r.latencyVariants) {
    r.latency.forEach((round, i) => {
      const s = sampleOf(round, variant)
      if (s === undefined) return
      rows.push([VARIANT_LABELS[variant], String(i + 1), fixed(s.serverAgeSeconds, 1),
        ...Array.from({ length: windows }, (_, w) => fixed(s.load.windowP99[w] ?? Number.NaN, 2))])
    })
  }
  return [
    `Each round's p99 per ${windowSeconds} s of its timeline (ms). Age: seconds from the server's start to its measured run ` +
      '(a round starts every variant together, then measures them one after another). A server in its first seconds can ' +
      'still be compiling its hot code: a tail in a few windows is stalls, one in every window is its steady state.',
    '', table(['variant', 'round', 'age s', ...Array.from({ length: windows }, (_, w) => `${w * windowSeconds}–${(w + 1) * windowSeconds} s`)], rows)
  ].join('\n')
}

function walFramesSection (r: Results): string {
  if (r.walFrames === undefined) return 'Not measured.'
  return [
    'Every page a commit changes goes to the WAL as a frame (the 4,096-byte page and a 24-byte header), which the SQLite writer thread writes (two write calls and a ' +
      'checksum) and the checkpointer copies again. A count, not a timing: it repeats exactly for the same code and SQLite. Counted over 4,000 signups ' +
      'after 20,000, built as the signup service builds them for the bench\'s campaign, through the writer\'s own accept ' +
      'statements (bench/wal-frames.ts). How many signups share a commit depends on the load: about 2 at a steady 2,000 signups/s on a 2-core VM (docs/deploy.md, measured ad hoc); /metrics shows it on a running server.',
    '', table(['signups per commit', 'frames per signup', 'frames per commit', 'WAL KB per signup'],
      r.walFrames.map(w => [int(w.batch), fixed(w.framesPerSignup, 2), fixed(w.framesPerCommit, 1), fixed(w.framesPerSignup * WAL_FRAME_BYTES / 1000, 1)]))
  ].join('\n')
}

function drainSection (r: Results): string {
  const d = r.settings.drain
  const rows = r.drain.map((s, i) => [`round ${i + 1}`, seconds(s.idealMs), seconds(s.drainMs), times(s.ratio), String(s.rateLimited), `${s.created}/${s.n}`, seconds(s.spawnToFirstCallMs)])
  const two = r.drainPostgres
  const lines = [
    `N=${d.n} signups queued with no dispatcher running, then \`node src/server.ts\` against the stand-in (own process) allowing L=${d.limit} calls per ${d.windowSeconds} s. ` +
      'Drain = first call received → last 201; ideal = max(0, N − L) × W / L.',
    '', table(['1 instance, SQLite', 'ideal', 'drain', 'ratio', '429s', 'delivered', 'spawn → first call'], rows)
  ]
  if (two !== undefined) {
    lines.push('', `Two instances on one PostgreSQL database, one stand-in, the same N, L and W: ${two.created}/${two.n} delivered ` +
      `(${two.perInstance.join(' + ')} per instance), ${two.rateLimited} × 429 in ${two.calls} calls, drain ${seconds(two.drainMs)} = ${times(two.ratio)} the ideal ${seconds(two.idealMs)}.`)
  }
  return lines.join('\n')
}

function memorySection (r: Results): string {
  const variants = r.throughputVariants
  return table(['variant', 'start-up to /readyz 200 ms', 'RSS idle MiB', 'RSS under load (max) MiB', 'VmHWM MiB'], variants.map(variant => {
    const samples = r.throughput.map(round => sampleOf(round, variant)).filter(s => s !== undefined)
    const med = (f: (s: typeof samples[number]) => number) => median(samples.map(f))
    return [VARIANT_LABELS[variant], int(med(s => s.startupMs)), int(med(s => s.idleRssMiB)), int(med(s => s.loadRssMiB)), int(med(s => s.hwmMiB))]
  }))
}

/** Issue 6: per page, bytes and requests of a first visit and the time to a usable form; then each page's requests. */
export function pageSection (page: PageResults | undefined): string {
  if (page === undefined) return 'Not run.'
  if (page.skipped !== undefined) return `skipped: ${page.skipped}`
  const p = page.profile
  const bytes = (v: number) => `${int(v)} B`
  return [
    `What a phone downloads on a first visit (a fresh browser context: cold cache, no cookies) and when its form is usable. ${page.browser === undefined ? 'Chromium' : `Chromium ${page.browser}`} ` +
      `(playwright-core) as a 390 × 844 phone; ${page.runs} loads per page, the pages taking turns within each run. One \`node src/server.ts\` ` +
      'with config/campaigns.example.yaml (`demo` given an `embedOrigins` entry, so its iframe page carries the frame script), ' +
      'live mode against an address nothing listens on: a page load calls no upstream, and shows no sandbox banner.',
    '',
    `**Profile, slow 4G:** ${p.latencyMs} ms added to every request, ${p.downKbps} kbit/s down, ${p.upKbps} kbit/s up ` +
      `(CDP \`Network.emulateNetworkConditions\`), and a CPU ${p.cpuSlowdown}× slower (\`Emulation.setCPUThrottlingRate\`). ` +
      'The emulation models no DNS, TCP or TLS set-up: a real first visit adds one or two round trips for those. ' +
      '**Usable** = from navigation start (the page\'s own clock) until every stylesheet is applied and `#phone` is laid out and enabled. ' +
      `**Bytes on the wire** = every answer's status line, headers and (compressed) body, as Chromium received them; the budget, ${int(PAGE_BUDGET_BYTES)} bytes, ` +
      'is 10 TCP segments of 1,460 bytes: the initial congestion window, so the whole page arrives in the first round trip.',
    '',
    table(['page', 'path', 'requests', 'bytes on the wire', `≤ ${int(PAGE_BUDGET_BYTES)} B`, 'usable form, per run (ms)', 'usable, median', 'first paint, median'],
      page.pages.map(s => {
        const wire = median(s.wireBytes)
        return [s.name, `\`${s.path}\``, int(median(s.requests)), bytes(wire), Math.max(...s.wireBytes) <= PAGE_BUDGET_BYTES ? 'met' : '**MISSED**',
          s.usableMs.map(int).join(' · '), `**${int(median(s.usableMs))} ms**`, `${int(median(s.fcpMs))} ms`]
      }), 2),
    '',
    "Each page's requests (first run):",
    '',
    table(['page', 'request', 'type', 'encoding', 'headers', 'on the wire'], page.pages.flatMap(s => s.rows.map(row =>
      [s.name, `\`${row.path}\``, row.type, row.encoding, bytes(row.headerBytes), bytes(row.wireBytes)])), 4)
  ].join('\n')
}

function problemsSection (r: Results): string {
  const lines: string[] = []
  r.page?.pages.forEach(s => s.problems.forEach(p => lines.push(`- page ${s.path}: ${p}`)))
  r.throughput.forEach((round, i) => round.forEach(s => s.problems.forEach(p => lines.push(`- throughput round ${i + 1}, ${s.variant}: ${p}`))))
  r.latency.forEach((round, i) => round.forEach(s => s.problems.forEach(p => lines.push(`- latency round ${i + 1}, ${s.variant}: ${p}`))))
  r.drain.forEach((s, i) => s.problems.forEach(p => lines.push(`- drain round ${i + 1}: ${p}`)))
  r.drainPostgres?.problems.forEach(p => lines.push(`- two-instance drain: ${p}`))
  return lines.length === 0 ? 'None: every answer was 202 (or 201 at the stand-in) and every acknowledged signup was stored, no duplicates.' : lines.join('\n')
}

export function renderReport (r: Results): string {
  const goals = evaluateGoals(r)
  const formatGoal = (goal: Goal, value: number) => goal.target.includes('429') ? String(value) : goal.target.includes('bytes') ? int(value) : formatAgainst(goal.target, value)
  return [
    '# Benchmarks',
    '',
    `Generated by \`${r.command}\` (bench/run.ts). Every figure comes from one run on the machine below; the ratios compare ` +
      'samples taken side by side in the same round (the order rotates between rounds). Regenerate rather than edit: ' +
      '`npm run bench` (about 9 minutes; PostgreSQL cases need BENCH_DATABASE_URL or a server at postgres://postgres@127.0.0.1:5432/test, ' +
      'where the bench creates and drops its own databases), `BENCH_QUICK=1 npm run bench` for a one-minute smoke run written to the temp directory, ' +
      '`node bench/page.ts` for the page step alone (its section on stdout).',
    '', '## Goals (issues 3 and 6)', '', goalsSection(goals, formatGoal),
    '', '## Machine and command', '', machineSection(r),
    '', '## Accept throughput', '', throughputSection(r),
    '', `## Accept latency at ${r.settings.openLoop.rate} signups/s`, '', latencySection(r),
    '', '## Backlog drain', '', drainSection(r),
    '', '## WAL pages per signup', '', walFramesSection(r),
    '', '## Phone normalization', '',
    `\`normalizePhone\` over a mix of 20 inputs (US formats, international, refusals), own process: ${r.phone.map(s => int(s.opsPerSecond)).join(' · ')} ops/s per round, ` +
      `median **${int(median(r.phone.map(s => s.opsPerSecond)))} ops/s**.`,
    '', '## Memory and start-up', '',
    'Median of the throughput rounds. RSS read from /proc/<pid>/status of the server process: idle 0.5 s after /readyz answered, the largest VmRSS sampled during the load, and VmHWM at its end.',
    '', memorySection(r),
    '', '## Page weight and time to a usable form (issue 6)', '', pageSection(r.page),
    '', '## Problems', '', problemsSection(r),
    ''
  ].join('\n')
}

export function renderSummary (r: Results): string {
  const goals = evaluateGoals(r)
  const lines = [`optline benchmarks (${r.settings.rounds} rounds, ${Math.round(r.seconds)} s, ${r.machine.cpu}, ${r.machine.cores} cores, Node ${r.machine.node})`, '']
  for (const variant of r.throughputVariants) {
    const values = r.throughput.map(round => sampleOf(round, variant)?.perSecond ?? Number.NaN)
    lines.push(`throughput ${variant.padEnd(13)} ${values.map(int).join(' · ').padEnd(28)} median ${int(median(values))}/s`)
  }
  for (const variant of r.latencyVariants) {
    const values = r.latency.map(round => sampleOf(round, variant)?.p99Ms ?? Number.NaN)
    lines.push(`p99 @${r.settings.openLoop.rate}/s ${variant.padEnd(13)} ${values.map(v => fixed(v, 2)).join(' · ').padEnd(24)} median ${fixed(median(values), 2)} ms`)
  }
  lines.push(`drain 1× SQLite: ${r.drain.map(s => times(s.ratio)).join(' · ')} of ideal, 429s ${r.drain.map(s => s.rateLimited).join(' · ')}`)
  if (r.drainPostgres !== undefined) lines.push(`drain 2× PostgreSQL: ${times(r.drainPostgres.ratio)} of ideal, ${r.drainPostgres.rateLimited} × 429, per instance ${r.drainPostgres.perInstance.join(' + ')}`)
  if (r.walFrames !== undefined) lines.push(`WAL frames per signup: ${r.walFrames.map(w => `${w.batch}/commit ${fixed(w.framesPerSignup, 2)}`).join(', ')}`)
  lines.push(`normalizePhone: median ${int(median(r.phone.map(s => s.opsPerSecond)))} ops/s`)
  if (r.page?.skipped !== undefined) lines.push(`pages: skipped: ${r.page.skipped}`)
  for (const s of r.page?.pages ?? []) {
    lines.push(`page ${s.path.padEnd(17)} ${int(median(s.wireBytes))} B in ${int(median(s.requests))} requests, usable after ${int(median(s.usableMs))} ms (median of ${s.usableMs.length}, slow 4G)`)
  }
  lines.push('', ...goalLines(goals))
  return lines.join('\n')
}
