// Per-campaign branding: logo and colours checked at load (errors by path), the theme stylesheet, and how the page uses them.
import t, { type Test } from 'tap'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { stringify } from 'yaml'
import { parseCampaigns, loadCampaignsFile, CampaignsFileError } from '../../src/campaigns/load.ts'
import { contrast } from '../../src/branding/colors.ts'
import { LOGO_MAX_BYTES } from '../../src/branding/logo.ts'
import { buildTestApp, usCampaign } from '../helper.ts'

const FIXTURES = fileURLToPath(new URL('../fixtures/branding/', import.meta.url))
const LOGO = join(FIXTURES, 'logo.svg')

// A real 2×1 PNG header (IHDR) is all the loader reads besides the signature.
function png (width: number, height: number, extra = 0): Buffer {
  const ihdr = Buffer.alloc(25)
  ihdr.writeUInt32BE(13, 0)
  ihdr.write('IHDR', 4, 'latin1')
  ihdr.writeUInt32BE(width, 8)
  ihdr.writeUInt32BE(height, 12)
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), ihdr, Buffer.alloc(extra)])
}

function problems (t: Test, branding: unknown, baseDir?: string): string[] {
  try {
    parseCampaigns(stringify({ campaigns: { x: { ...usCampaign, branding } } }), 'campaigns.yaml', { baseDir })
  } catch (err) {
    t.type(err, CampaignsFileError)
    return (err as CampaignsFileError).issues
  }
  t.fail('expected the branding to be refused')
  return []
}

const load = (branding: unknown, baseDir?: string) =>
  parseCampaigns(stringify({ campaigns: { x: { ...usCampaign, branding } } }), 'campaigns.yaml', { baseDir }).campaigns.get('x')

t.test('colours are hex, named by path', async t => {
  t.same(problems(t, { colors: { accent: 'blue', text: '#12345' } }), [
    'campaigns.x.branding.colors.accent: must be a hex colour such as #0b57d0',
    'campaigns.x.branding.colors.text: must be a hex colour such as #0b57d0'
  ])
  t.same(problems(t, { colours: {} }), ['campaigns.x.branding.colours: is not a known setting'])
  t.same(problems(t, { colorScheme: 'sepia' }), ['campaigns.x.branding.colorScheme: must be auto (light or dark as the visitor prefers), light or dark'])
})

t.test('colours that fail WCAG AA contrast are refused, with the ratio and what to change', async t => {
  const [accent] = problems(t, { colors: { accent: '#f5c518' } })
  t.match(accent, /^campaigns\.x\.branding\.colors\.accent: #f5c518 as link and focus colour on the background #ffffff has a contrast of 1\.\d:1; WCAG AA needs at least 4\.5:1 .*Pick a darker shade$/)
  const [text] = problems(t, { colors: { background: '#222222', text: '#444444' } })
  t.match(text, /^campaigns\.x\.branding\.colors\.text: #444444 as text on the background #222222 .*Pick a lighter shade$/)
  const [button] = problems(t, { colors: { accent: '#0b57d0', accentText: '#1b1b1f' } })
  t.match(button, /^campaigns\.x\.branding\.colors\.accentText: #1b1b1f as button text on the button colour #0b57d0/)
  const [dark] = problems(t, { darkColors: { accent: '#0b57d0' } })
  t.match(dark, /^campaigns\.x\.branding\.darkColors\.accent: .*contrast of 2\.\d:1/, 'the dark scheme is checked too')
  // A scheme nobody sees is not held to it, but setting its colours is a mistake worth naming.
  t.ok(load({ colorScheme: 'light', colors: { accent: '#0b57d0' } }))
  t.same(problems(t, { colorScheme: 'light', darkColors: { accent: '#a8c7fa' } }), ['campaigns.x.branding.darkColors: colorScheme is light, so these colours would never show'])
})

t.test('the theme stylesheet: set colours as given, the rest derived to pass, a dark variant from the brand accent', async t => {
  const { app } = await buildTestApp(t, { campaigns: { x: { ...usCampaign, branding: { colors: { accent: '#6b2d0f', background: '#fff8ef' } } } } })
  const page = await app.inject('/c/x')
  const href = /<link rel="stylesheet" href="(\/brand\/x\/theme-[0-9a-f]{10}\.css)">/.exec(page.body)?.[1]
  t.ok(href, 'a fingerprinted theme stylesheet, after the base one')
  t.ok(page.body.indexOf('/assets/optline.css') < page.body.indexOf(href ?? '-'), 'the theme overrides the base')
  const css = await app.inject(href ?? '')
  t.equal(css.statusCode, 200)
  t.equal(css.headers['content-type'], 'text/css; charset=utf-8')
  t.match(css.headers['cache-control'], /public, max-age=31536000, immutable/)
  const [light, dark] = css.body.split('@media (prefers-color-scheme:dark)')
  const vars = (block = '') => Object.fromEntries([...block.matchAll(/--([a-z-]+):(#[0-9a-f]{6})/g)].map(m => [m[1], m[2]]))
  const l = vars(light)
  const d = vars(dark)
  t.match(l, { accent: '#6b2d0f', bg: '#fff8ef' })
  t.ok(d.bg !== undefined && d.accent !== undefined, 'a dark variant')
  for (const [scheme, v] of [['light', l], ['dark', d]] as const) {
    for (const [fg, bg, min] of [['fg', 'bg', 4.5], ['muted', 'bg', 4.5], ['accent', 'bg', 4.5], ['accent-fg', 'accent', 4.5], ['error', 'bg', 4.5], ['line', 'bg', 3], ['fg', 'note', 4.5]] as const) {
      const ratio = contrast(v[fg] ?? '#000', v[bg] ?? '#000')
      t.ok(ratio >= min, `${scheme}: ${fg} on ${bg} ${ratio.toFixed(2)}:1 ≥ ${min}`)
    }
  }
  t.notMatch(page.body, /\sstyle="|<style/, 'still no inline style')
  t.match(css.headers['content-security-policy'], /^default-src 'none'; .*sandbox$/, 'brand files opened on their own run and load nothing')
  t.equal((await app.inject('/brand/x/theme-0000000000.css')).statusCode, 404, 'an old name is not served new content')
  t.equal((await app.inject('/brand/nope/theme.css')).statusCode, 404)
})

t.test('colorScheme light or dark pins the page to that scheme', async t => {
  const { app } = await buildTestApp(t, {
    campaigns: {
      day: { ...usCampaign, branding: { colorScheme: 'light' } },
      night: { ...usCampaign, branding: { colorScheme: 'dark', darkColors: { accent: '#ffb86b' } } }
    }
  })
  const css = async (slug: string) => {
    const href = /href="(\/brand\/[^"]+\.css)"/.exec((await app.inject(`/c/${slug}`)).body)?.[1] ?? ''
    return (await app.inject(href)).body
  }
  const day = await css('day')
  t.match(day, /^:root\{color-scheme:light;--fg:#1b1b1f;--bg:#ffffff/)
  t.notMatch(day, /@media/, 'one unconditional block: it also beats the base stylesheet\'s dark block')
  const night = await css('night')
  t.match(night, /^:root\{color-scheme:dark;.*--accent:#ffb86b/)
})

t.test('no branding: the default theme (light and dark) and no extra request', async t => {
  const { app } = await buildTestApp(t, { campaigns: { x: usCampaign } })
  const html = (await app.inject('/c/x')).body
  t.notMatch(html, /\/brand\//)
  t.notMatch(html, /<img/)
})

t.test('the logo: served from our origin, fingerprinted, with its size and alt text on the page', async t => {
  const { app } = await buildTestApp(t, { campaigns: { x: { ...usCampaign, branding: { logo: LOGO, logoAlt: "Joe's Coffee" } } } })
  const html = (await app.inject('/c/x')).body
  const img = /<img class="logo" src="(\/brand\/x\/logo-[0-9a-f]{10}\.svg)" alt="Joe&#39;s Coffee" width="240" height="64">/.exec(html)
  t.ok(img, 'logo with its alt text and dimensions (no layout shift)')
  t.notMatch(html, /\/brand\/x\/theme-/, 'a logo alone adds no stylesheet')
  const res = await app.inject(img?.[1] ?? '')
  t.equal(res.statusCode, 200)
  t.equal(res.headers['content-type'], 'image/svg+xml')
  t.match(res.headers['cache-control'], /immutable/)
  t.equal(res.headers['content-security-policy'], "default-src 'none'; style-src 'unsafe-inline'; sandbox", 'an SVG opened on its own runs nothing and loads nothing')
  t.match((await app.inject('/c/x/thanks')).body, /<img class="logo"/, 'the thank-you page too')
  t.notMatch((await app.inject('/c/x?embed=1')).body, /<img/, 'not in a frame: the host page carries the brand')

  const defaultAlt = load({ logo: LOGO })
  t.equal(defaultAlt?.branding?.logo?.alt, "Joe's Coffee Club", 'alt text defaults to the brand name')
})

t.test('a dark version of the logo for dark mode; without one, the logo sits on a white plate there', async t => {
  const dir = t.testdir({ 'light.png': png(200, 80), 'dark.png': png(200, 80) })
  const { app } = await buildTestApp(t, {
    campaigns: {
      both: { ...usCampaign, branding: { logo: join(dir, 'light.png'), logoDark: join(dir, 'dark.png') } },
      night: { ...usCampaign, branding: { logo: join(dir, 'light.png'), logoDark: join(dir, 'dark.png'), colorScheme: 'dark' } },
      one: { ...usCampaign, branding: { logo: join(dir, 'light.png') } }
    }
  })
  t.match((await app.inject('/c/both')).body,
    /<picture><source srcset="\/brand\/both\/logo-dark-[0-9a-f]{10}\.png" media="\(prefers-color-scheme: dark\)"><img class="logo own-dark" src="\/brand\/both\/logo-[0-9a-f]{10}\.png" alt="Joe&#39;s Coffee Club" width="200" height="80"><\/picture>/)
  t.match((await app.inject('/c/night')).body, /<img class="logo own-dark" src="\/brand\/night\/logo-dark-[0-9a-f]{10}\.png"/, 'a dark-only page shows the dark version')
  t.notMatch((await app.inject('/c/night')).body, /<picture>/)
  t.match((await app.inject('/c/one')).body, /<img class="logo" src=/, 'one logo: the stylesheet gives it a plate in dark mode')
  t.same(problems(t, { logoDark: join(dir, 'dark.png') }), ['campaigns.x.branding.logoDark: is set without a logo'])
  t.same(problems(t, { logo: join(dir, 'light.png'), logoDark: join(dir, 'dark.png'), colorScheme: 'light' }), ['campaigns.x.branding.logoDark: colorScheme is light, so it would never show'])
  t.match(problems(t, { logo: join(dir, 'light.png'), logoDark: 'nope.png' }, dir), [/^campaigns\.x\.branding\.logoDark: cannot be read/])
})

t.test('logo problems are named by path: missing, too big, not an image, unsafe SVG, unknown size', async t => {
  const dir = t.testdir({
    'big.png': png(200, 80, LOGO_MAX_BYTES),
    'ok.png': png(200, 80),
    'notes.txt': 'hello',
    'script.svg': '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><script>alert(1)</script></svg>',
    'handler.svg': '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10" onload="alert(1)"></svg>',
    'remote.svg': '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><image href="https://cdn.example.com/a.png"/></svg>',
    'sizeless.svg': '<svg xmlns="http://www.w3.org/2000/svg"><rect width="10" height="10"/></svg>',
    folder: {}
  })
  t.match(problems(t, { logo: 'missing.png' }, dir), [/^campaigns\.x\.branding\.logo: cannot be read \(no such file: .*missing\.png\); paths are relative to the campaigns file$/])
  t.match(problems(t, { logo: 'big.png' }, dir), [/^campaigns\.x\.branding\.logo: is 6,177 bytes; a logo may be at most 6,144 /])
  t.same(problems(t, { logo: 'notes.txt' }, dir), ['campaigns.x.branding.logo: must be an SVG, PNG, JPEG, WebP or GIF image (the file is none of these)'])
  t.match(problems(t, { logo: 'script.svg' }, dir), [/logo: is an SVG with a script/])
  t.match(problems(t, { logo: 'handler.svg' }, dir), [/logo: is an SVG with a script, event handler/])
  t.match(problems(t, { logo: 'remote.svg' }, dir), [/logo: is an SVG that refers to another site/])
  t.match(problems(t, { logo: 'sizeless.svg' }, dir), [/logo: is an SVG without a viewBox/])
  t.match(problems(t, { logo: 'folder' }, dir), [/logo: .*folder is not a file/])
  t.same(problems(t, { logoAlt: 'Logo' }), ['campaigns.x.branding.logoAlt: is set without a logo'])
  t.match(load({ logo: 'ok.png' }, dir)?.branding?.logo, { width: 200, height: 80, src: /^\/brand\/x\/logo-[0-9a-f]{10}\.png$/ })
})

t.test('a relative logo path starts from the campaigns file\'s folder', async t => {
  const dir = t.testdir({ brand: { 'logo.png': png(120, 40) } })
  const file = join(dir, 'campaigns.yaml')
  writeFileSync(file, stringify({ campaigns: { x: { ...usCampaign, branding: { logo: 'brand/logo.png' } } } }))
  const { campaigns } = await loadCampaignsFile(file)
  t.match(campaigns.get('x')?.branding?.logo, { width: 120, height: 40 })
})

t.test('the embed stylesheet carries the campaign\'s colours, scoped to that campaign\'s forms', async t => {
  const { app } = await buildTestApp(t, { campaigns: { x: { ...usCampaign, embedOrigins: ['https://shop.example.com'], branding: { colors: { accent: '#6b2d0f' } } } } })
  const { stylesheets } = (await app.inject('/api/v1/campaigns/x/form')).json() as { stylesheets: string[] }
  t.equal(stylesheets.length, 2)
  const theme = await app.inject(stylesheets[1] ?? '')
  t.match(theme.body, /^\.optline\[data-campaign="x"\]\{color-scheme:light dark;.*--accent:#6b2d0f/, 'another campaign\'s form on the same page keeps its own')
  t.notMatch(theme.body, /:root/, 'the host page\'s own variables are left alone')
  t.equal(theme.headers['cross-origin-resource-policy'], 'cross-origin')
})
