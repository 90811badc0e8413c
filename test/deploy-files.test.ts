// The multi-instance example (compose.yaml + deploy/nginx.conf) as Docker would run it. No Docker engine runs in
// CI, so the parts that broke it are checked here: the campaigns file each replica reads (through its volume), the
// secret every replica must share, and what the balancer tells optline about the request.
import t from 'tap'
import { existsSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { posix } from 'node:path'
import { parse } from 'yaml'
import { loadCampaignsFile } from '../src/campaigns/load.ts'

const root = fileURLToPath(new URL('..', import.meta.url))
const compose = parse(readFileSync(`${root}compose.yaml`, 'utf8')) as {
  services: Record<string, { environment?: Record<string, string>, volumes?: string[], stop_grace_period?: string }>
}
const optline = compose.services.optline ?? {}
const env = optline.environment ?? {}

/** The host path a container path maps to through the service's bind mounts, or undefined. */
function hostPathOf (containerPath: string): string | undefined {
  for (const volume of optline.volumes ?? []) {
    const [host, target] = volume.split(':')
    if (host === undefined || target === undefined || !host.startsWith('./')) continue
    const rest = posix.relative(target, containerPath)
    if (!rest.startsWith('..')) return `${root}${posix.join(host.slice(2), rest)}`
  }
  return undefined
}

t.test('each replica finds its campaigns file and everything it names (logos) through its volume', async t => {
  const inContainer = env.CAMPAIGNS_FILE ?? ''
  const file = hostPathOf(inContainer)
  t.ok(file !== undefined && existsSync(file), `CAMPAIGNS_FILE ${inContainer} is mounted`)
  const loaded = await loadCampaignsFile(file ?? '')
  t.ok(loaded.campaigns.size > 0)
  // A logo is read relative to the campaigns file, in the container: it must be mounted too.
  const raw = parse(readFileSync(file ?? '', 'utf8')) as { campaigns: Record<string, { branding?: { logo?: string } }> }
  const logos = Object.values(raw.campaigns).flatMap(c => c.branding?.logo === undefined ? [] : [c.branding.logo])
  t.ok(logos.length > 0, 'the example has a branded campaign')
  for (const logo of logos) {
    const host = hostPathOf(posix.join(posix.dirname(inContainer), logo))
    t.ok(host !== undefined && existsSync(host), `${logo} is there for the container`)
  }
})

t.test('every replica gets the same form-token secret, and compose refuses to start without one', async t => {
  t.match(env.FORM_TOKEN_SECRET, /^\$\{FORM_TOKEN_SECRET:\?.+\}$/)
  t.equal(env.TRUST_PROXY, '1', 'one proxy in front')
})

t.test('the balancer passes Host with its port and looks the replicas up again', async t => {
  const nginx = readFileSync(`${root}deploy/nginx.conf`, 'utf8')
  // $host drops the port: a form posted from http://localhost:3000 would not match its Origin and be refused (403).
  t.match(nginx, /proxy_set_header Host \$http_host;/)
  t.notMatch(nginx, /proxy_set_header Host \$host;/)
  t.match(nginx, /server optline:3000 resolve;/)
  t.match(nginx, /zone optline/)
})
