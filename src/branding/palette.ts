// A campaign's colours for light and dark: what the operator set (checked against WCAG AA), the rest derived so it passes.
import { blend, contrast, ensureContrast, formatRatio, readableOn } from './colors.ts'

/** The CSS custom properties public/optline.css reads. */
export interface Palette {
  fg: string
  bg: string
  muted: string
  accent: string
  'accent-fg': string
  error: string
  line: string
  note: string
}

/** What the campaigns file may set per scheme (see src/branding/schema.ts). */
export interface PaletteConfig { accent?: string, accentText?: string, background?: string, text?: string }

// The default theme, as in public/optline.css.
export const DEFAULT_LIGHT: Palette = { fg: '#1b1b1f', bg: '#ffffff', muted: '#55575d', accent: '#0b57d0', 'accent-fg': '#ffffff', error: '#b3261e', line: '#7a7c85', note: '#fff4d6' }
export const DEFAULT_DARK: Palette = { fg: '#e4e2e6', bg: '#121316', muted: '#b0b1b8', accent: '#a8c7fa', 'accent-fg': '#062e6f', error: '#ffb4ab', line: '#80828a', note: '#3b2f00' }

// WCAG 2.2 AA: 4.5:1 for text (links and the button label are normal-size text), 3:1 for a field's border.
const TEXT_RATIO = 4.5
const UI_RATIO = 3

/**
 * Resolves one scheme. `brandAccent` is the light scheme's accent, carried into a dark scheme that sets
 * none (lightened until it reads on the dark background), so the default dark variant keeps the brand.
 */
export function resolvePalette (given: PaletteConfig | undefined, defaults: Palette, at: string, brandAccent?: string): { palette: Palette, issues: string[] } {
  const set = given ?? {}
  const issues: string[] = []
  const bg = set.background ?? defaults.bg
  const fg = set.text ?? ensureContrast(defaults.fg, bg, TEXT_RATIO)
  const accent = set.accent ?? ensureContrast(brandAccent ?? defaults.accent, bg, TEXT_RATIO)
  const accentFg = set.accentText ?? (contrast(defaults['accent-fg'], accent) >= TEXT_RATIO ? defaults['accent-fg'] : readableOn(accent))

  const check = (key: keyof PaletteConfig, color: string, role: string, other: string, otherRole: string) => {
    const ratio = contrast(color, other)
    if (ratio < TEXT_RATIO) {
      issues.push(`${at}.${key}: ${color} ${role} on ${otherRole} ${other} has a contrast of ${formatRatio(ratio)}; ` +
        `WCAG AA needs at least ${TEXT_RATIO}:1 so every visitor can read the page. Pick a ${contrast(other, '#000000') > contrast(other, '#ffffff') ? 'darker' : 'lighter'} shade`)
    }
  }
  // Colours left out were derived to pass; only the ones the operator chose can fail.
  if (set.text !== undefined) check('text', fg, 'as text', bg, 'the background')
  if (set.accent !== undefined) check('accent', accent, 'as link and focus colour', bg, 'the background')
  if (set.accentText !== undefined) check('accentText', accentFg, 'as button text', accent, 'the button colour')

  return {
    issues,
    palette: {
      fg,
      bg,
      muted: ensureContrast(blend(fg, bg, 0.3), bg, TEXT_RATIO),
      accent,
      'accent-fg': accentFg,
      error: ensureContrast(defaults.error, bg, TEXT_RATIO),
      line: ensureContrast(defaults.line, bg, UI_RATIO),
      // The sandbox banner: the text colour on it must still read.
      note: ensureContrast(defaults.note, fg, TEXT_RATIO)
    }
  }
}

/** `--fg:#…;--bg:#…;…` for a rule's body. */
export function paletteDeclarations (palette: Palette): string {
  return Object.entries(palette).map(([name, value]) => `--${name}:${value}`).join(';')
}
