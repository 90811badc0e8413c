// Colour arithmetic for campaign themes: hex parsing, WCAG contrast ratios, and nudging a colour until it passes.

export interface Rgb { r: number, g: number, b: number }

/** `#abc` or `#aabbcc` (the schema has already checked the form). */
export function parseHex (hex: string): Rgb {
  const digits = hex.slice(1)
  const full = digits.length === 3 ? [...digits].map(d => d + d).join('') : digits
  const n = Number.parseInt(full, 16)
  return { r: (n >> 16) & 255, g: (n >> 8) & 255, b: n & 255 }
}

export function toHex ({ r, g, b }: Rgb): string {
  return '#' + [r, g, b].map(v => Math.round(Math.min(255, Math.max(0, v))).toString(16).padStart(2, '0')).join('')
}

/** WCAG 2.x relative luminance. */
function luminance ({ r, g, b }: Rgb): number {
  const channel = (v: number) => {
    const s = v / 255
    return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4
  }
  return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)
}

/** WCAG contrast ratio, 1 to 21. */
export function contrast (a: string, b: string): number {
  const la = luminance(parseHex(a))
  const lb = luminance(parseHex(b))
  return (Math.max(la, lb) + 0.05) / (Math.min(la, lb) + 0.05)
}

/** 4.48 shows as 4.4, never rounded up to a passing 4.5. */
export function formatRatio (ratio: number): string {
  return `${Math.floor(ratio * 10) / 10}:1`
}

function mix (a: Rgb, b: Rgb, t: number): Rgb {
  return { r: a.r + (b.r - a.r) * t, g: a.g + (b.g - a.g) * t, b: a.b + (b.b - a.b) * t }
}

/** `color` blended with `toward` by `t` (0 = color, 1 = toward). */
export function blend (color: string, toward: string, t: number): string {
  return toHex(mix(parseHex(color), parseHex(toward), t))
}

/**
 * The colour nearest to `color` (by blending it toward black or white, whichever moves away from
 * `against`) whose contrast with `against` reaches `ratio`. Used for the colours an operator leaves
 * out, so a derived colour never breaks WCAG AA.
 */
export function ensureContrast (color: string, against: string, ratio: number): string {
  if (contrast(color, against) >= ratio) return color
  const darkBackground = luminance(parseHex(against)) < 0.18
  const target = darkBackground ? '#ffffff' : '#000000'
  for (let t = 0.05; t < 1; t += 0.05) {
    const candidate = blend(color, target, t)
    if (contrast(candidate, against) >= ratio) return candidate
  }
  return target
}

/** White or black text, whichever reads better on `background` (one of them always reaches 4.58:1). */
export function readableOn (background: string): string {
  return contrast('#ffffff', background) >= contrast('#000000', background) ? '#ffffff' : '#000000'
}
