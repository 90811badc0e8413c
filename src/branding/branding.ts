// A campaign's branding as served: the logo and theme stylesheets, content-hashed for a year of cache.
import { createHash } from 'node:crypto'
import type { BrandingConfig } from './schema.ts'
import { DEFAULT_DARK, DEFAULT_LIGHT, paletteDeclarations, resolvePalette, type Palette } from './palette.ts'
import { readLogo } from './logo.ts'

/** A file served under /brand/<slug>/<name>: immutable, since its name changes with its content. */
export interface BrandAsset { name: string, body: Buffer, contentType: string }

export interface Branding {
  logo: {
    /** What the <img> shows: the logo, or in a dark-only theme its dark version when there is one. */
    src: string
    /** With colorScheme auto and a dark version: a <source> for visitors in dark mode. */
    darkSource: string | undefined
    /** No dark version: in dark mode the logo sits on a white plate, as it was drawn for a light page. */
    plate: boolean
    alt: string
    width: number
    height: number
  } | undefined
  /** The page's theme stylesheet (CSS variables over public/optline.css); none when only a logo is set. */
  themeUrl: string | undefined
  /** The same colours scoped to `.optline`, for the form /embed.js renders on another site's page. */
  embedThemeUrl: string | undefined
  assets: Map<string, BrandAsset>
}

const hash = (body: Buffer | string) => createHash('sha256').update(body).digest('hex').slice(0, 10)

/**
 * Checks and builds a campaign's branding. Problems are worded after `at` (`campaigns.x.branding`);
 * `baseDir` is the campaigns file's folder, which a relative logo path starts from.
 */
export function loadBranding (config: BrandingConfig | undefined, at: string, baseDir: string, slug: string, name: string): { branding?: Branding, issues: string[] } {
  if (config === undefined) return { issues: [] }
  const issues: string[] = []
  const assets = new Map<string, BrandAsset>()
  const add = (stem: string, extension: string, body: Buffer, contentType: string) => {
    const asset = { name: `${stem}-${hash(body)}.${extension}`, body, contentType }
    assets.set(asset.name, asset)
    return `/brand/${slug}/${asset.name}`
  }

  const colorScheme = config.colorScheme ?? 'auto'
  let logo: Branding['logo']
  const logoFile = (key: 'logo' | 'logoDark', stem: string) => {
    const path = config[key]
    if (path === undefined) return undefined
    const read = readLogo(path, baseDir)
    if ('problem' in read) {
      issues.push(`${at}.${key}: ${read.problem}`)
      return undefined
    }
    return { url: add(stem, read.logo.extension, read.logo.body, read.logo.contentType), width: read.logo.width, height: read.logo.height }
  }
  const light = logoFile('logo', 'logo')
  const dark = logoFile('logoDark', 'logo-dark')
  if (config.logo === undefined) {
    for (const key of ['logoDark', 'logoAlt'] as const) if (config[key] !== undefined) issues.push(`${at}.${key}: is set without a logo`)
  } else if (config.logoDark !== undefined && colorScheme === 'light') {
    issues.push(`${at}.logoDark: colorScheme is light, so it would never show`)
  }
  if (light !== undefined) {
    logo = {
      src: colorScheme === 'dark' && dark !== undefined ? dark.url : light.url,
      darkSource: colorScheme === 'auto' ? dark?.url : undefined,
      plate: dark === undefined,
      alt: config.logoAlt ?? name,
      width: Math.round(light.width),
      height: Math.round(light.height)
    }
  }

  const themed = config.colors !== undefined || config.darkColors !== undefined || config.colorScheme !== undefined
  let themeUrl: string | undefined
  let embedThemeUrl: string | undefined
  if (themed) {
    const lightColors = resolvePalette(config.colors, DEFAULT_LIGHT, `${at}.colors`)
    const darkColors = resolvePalette(config.darkColors, DEFAULT_DARK, `${at}.darkColors`, config.colors?.accent)
    // Only the schemes a visitor can see are held to WCAG; colours of a scheme never shown are ignored.
    if (colorScheme !== 'dark') issues.push(...lightColors.issues)
    if (colorScheme !== 'light') issues.push(...darkColors.issues)
    if (colorScheme === 'light' && config.darkColors !== undefined) issues.push(`${at}.darkColors: colorScheme is light, so these colours would never show`)
    const palettes = {
      light: colorScheme === 'dark' ? undefined : lightColors.palette,
      dark: colorScheme === 'light' ? undefined : darkColors.palette
    }
    themeUrl = add('theme', 'css', Buffer.from(themeCss(palettes, ':root')), 'text/css; charset=utf-8')
    // Scoped to this campaign's forms: two campaigns embedded on one host page keep their own colours.
    embedThemeUrl = add('embed', 'css', Buffer.from(themeCss(palettes, `.optline[data-campaign="${slug}"]`)), 'text/css; charset=utf-8')
  }
  if (issues.length > 0) return { issues }
  return { issues, branding: { logo, themeUrl, embedThemeUrl, assets } }
}

/**
 * CSS variables for the schemes in force. It loads after the base stylesheet, so an unconditional rule
 * here also overrides the base's dark block: a light-only campaign stays light in dark mode.
 */
export function themeCss (palettes: { light?: Palette, dark?: Palette }, selector: string): string {
  const { light, dark } = palettes
  if (light !== undefined && dark !== undefined) {
    return `${selector}{color-scheme:light dark;${paletteDeclarations(light)}}\n` +
      `@media (prefers-color-scheme:dark){${selector}{${paletteDeclarations(dark)}}}\n`
  }
  const only = light ?? dark
  return only === undefined ? '' : `${selector}{color-scheme:${light === undefined ? 'dark' : 'light'};${paletteDeclarations(only)}}\n`
}
