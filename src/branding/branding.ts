// A campaign's branding as served: the logo and theme stylesheets, content-hashed for a year of cache.
import { createHash } from 'node:crypto'
import type { BrandingConfig } from './schema.ts'
import { DEFAULT_DARK, DEFAULT_LIGHT, paletteDeclarations, resolvePalette, type Palette } from './palette.ts'
import { readLogo } from './logo.ts'

/** A file served under /brand/<slug>/<name>: immutable, since its name changes with its content. */
export interface BrandAsset { name: string, body: Buffer, contentType: string }

export interface Branding {
  logo: { url: string, alt: string, width: number, height: number } | undefined
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

  let logo: Branding['logo']
  if (config.logo !== undefined) {
    const read = readLogo(config.logo, baseDir)
    if ('problem' in read) issues.push(`${at}.logo: ${read.problem}`)
    else {
      const url = add('logo', read.logo.extension, read.logo.body, read.logo.contentType)
      logo = { url, alt: config.logoAlt ?? name, width: Math.round(read.logo.width), height: Math.round(read.logo.height) }
    }
  } else if (config.logoAlt !== undefined) {
    issues.push(`${at}.logoAlt: is set without a logo`)
  }

  const colorScheme = config.colorScheme ?? 'auto'
  const themed = config.colors !== undefined || config.darkColors !== undefined || config.colorScheme !== undefined
  let themeUrl: string | undefined
  let embedThemeUrl: string | undefined
  if (themed) {
    const light = resolvePalette(config.colors, DEFAULT_LIGHT, `${at}.colors`)
    const dark = resolvePalette(config.darkColors, DEFAULT_DARK, `${at}.darkColors`, config.colors?.accent)
    // Only the schemes a visitor can see are held to WCAG; colours of a scheme never shown are ignored.
    if (colorScheme !== 'dark') issues.push(...light.issues)
    if (colorScheme !== 'light') issues.push(...dark.issues)
    if (colorScheme === 'light' && config.darkColors !== undefined) issues.push(`${at}.darkColors: colorScheme is light, so these colours would never show`)
    const palettes = {
      light: colorScheme === 'dark' ? undefined : light.palette,
      dark: colorScheme === 'light' ? undefined : dark.palette
    }
    themeUrl = add('theme', 'css', Buffer.from(themeCss(palettes, ':root')), 'text/css; charset=utf-8')
    embedThemeUrl = add('embed', 'css', Buffer.from(themeCss(palettes, '.optline')), 'text/css; charset=utf-8')
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
