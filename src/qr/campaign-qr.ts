// QR codes for a campaign's short link, sized for print: shared by the HTTP routes and the CLI, free of Fastify.
import QRCode from 'qrcode'
import { sourceTag } from '../routes/signup-context.ts'
import { encodePng, packRow, type BitmapRow } from './png.ts'
import { offeredLanguage } from '../i18n/negotiate.ts'
import type { LanguageCode } from '../i18n/languages.ts'

export type ErrorCorrection = 'M' | 'Q'

/**
 * Q restores up to 25% of the code, M 15%. Printed signs get scuffed, taped over, folded, wet and
 * photographed under glare; for a short link Q costs only a step in version (37 instead of 33
 * modules for a typical /c/<slug>?src=… link), so it stays easy to scan from a metre away.
 * H (30%) is for codes with a logo in the middle, which we do not draw.
 */
export const DEFAULT_ERROR_CORRECTION: ErrorCorrection = 'Q'

/** The white border the QR standard asks for, in modules: scanners find the code by it. */
export const QUIET_ZONE = 4

/** PNG width in pixels: 1024 is 87 mm at the 300 dpi the image declares; 4096 covers a large poster. */
export const PNG_WIDTH = { min: 128, max: 4096, default: 1024 } as const
export const PNG_DPI = 300

/**
 * Longest link we encode, in bytes. At Q it needs version 22 (105 modules), which still fits the
 * smallest PNG with whole pixels per module; it also bounds what an odd Host header can make us draw.
 */
export const MAX_URL_BYTES = 512

export interface QrOptions { errorCorrection?: ErrorCorrection }
export interface QrPngOptions extends QrOptions { width?: number }

/**
 * The campaign's short link, with `?src=` only when the tag is a valid source tag, and `lang=` when given (a
 * language the caller has checked the campaign offers: a Spanish poster's code opens the Spanish page).
 */
export function campaignUrl (baseUrl: string, slug: string, src?: unknown, lang?: string): string {
  const url = `${baseUrl.replace(/\/+$/, '')}/c/${encodeURIComponent(slug)}`
  const tag = sourceTag(src)
  // A valid tag holds only characters that URLs leave unescaped, so it is printed as is (no %7E for ~).
  const query = [tag === undefined ? '' : `src=${tag}`, lang === undefined ? '' : `lang=${encodeURIComponent(lang)}`].filter(Boolean).join('&')
  return query === '' ? url : `${url}?${query}`
}

export type SignLanguage = { lang: LanguageCode, inLink: LanguageCode | undefined } | { error: string }

/**
 * `?lang=` / `--lang` for a code or a sign: one of the campaign's languages (`es`, `ES`, `es-MX`), its own when
 * unset. Unlike on a visitor's page, where an unoffered ?lang= is ignored, anything else is refused: a sign is
 * printed once, and a wrong language must not go to the print shop unnoticed. `inLink` is what the code's link
 * carries: nothing for a one-language campaign, whose page has no choice to make.
 */
export function signLanguage (campaign: { language: LanguageCode, languages: readonly LanguageCode[] }, value: unknown): SignLanguage {
  if (value === undefined || value === '') return { lang: campaign.language, inLink: undefined }
  const lang = offeredLanguage(value, campaign.languages)
  if (lang === undefined) return { error: `lang must be one of this campaign's languages: ${campaign.languages.join(', ')}.` }
  return { lang, inLink: campaign.languages.length > 1 ? lang : undefined }
}

/** Reads a requested PNG width (a query value or a CLI argument): undefined means the default. */
export function parsePngWidth (value: unknown): { width: number } | { error: string } {
  if (value === undefined || value === '') return { width: PNG_WIDTH.default }
  const text = typeof value === 'number' ? String(value) : value
  const width = typeof text === 'string' && /^\d{1,5}$/.test(text) ? Number(text) : Number.NaN
  if (width >= PNG_WIDTH.min && width <= PNG_WIDTH.max) return { width }
  return { error: `size must be a whole number of pixels from ${PNG_WIDTH.min} to ${PNG_WIDTH.max} (default ${PNG_WIDTH.default}).` }
}

/** SVG markup: resolution-independent, so it prints sharp at any size; black on white, 4-module quiet zone. */
export async function qrSvg (url: string, options: QrOptions = {}): Promise<string> {
  return await QRCode.toString(checkedUrl(url), {
    type: 'svg',
    errorCorrectionLevel: options.errorCorrection ?? DEFAULT_ERROR_CORRECTION,
    margin: QUIET_ZONE,
    color: { dark: '#000000', light: '#ffffff' }
  })
}

/**
 * A square PNG exactly `width` pixels wide. Every module gets the same whole number of pixels (no
 * blurred or uneven edges); what does not divide evenly widens the quiet zone beyond 4 modules.
 */
export async function qrPng (url: string, options: QrPngOptions = {}): Promise<Buffer> {
  const width = options.width ?? PNG_WIDTH.default
  if (!Number.isInteger(width) || width < PNG_WIDTH.min || width > PNG_WIDTH.max) {
    throw new RangeError(`PNG width must be a whole number from ${PNG_WIDTH.min} to ${PNG_WIDTH.max}, not ${width}`)
  }
  const { size, data } = QRCode.create(checkedUrl(url), {
    errorCorrectionLevel: options.errorCorrection ?? DEFAULT_ERROR_CORRECTION
  }).modules
  const scale = Math.floor(width / (size + 2 * QUIET_ZONE))
  // Unreachable within MAX_URL_BYTES; stated so a change of limits fails loudly, not with a cropped code.
  if (scale < 1) throw new RangeError(`a ${size}-module code does not fit ${width} pixels`)
  const offset = Math.floor((width - size * scale) / 2)
  const blank = packRow(width, () => false)
  const moduleRows: BitmapRow[] = []
  for (let row = 0; row < size; row++) {
    moduleRows.push(packRow(width, x => {
      const col = Math.floor((x - offset) / scale)
      return x >= offset && col < size && data[row * size + col] === 1
    }))
  }
  const rows: BitmapRow[] = []
  for (let y = 0; y < width; y++) {
    const row = Math.floor((y - offset) / scale)
    rows.push(y >= offset && row < size ? moduleRows[row]! : blank)
  }
  return await encodePng(width, rows, PNG_DPI)
}

function checkedUrl (url: string): string {
  if (Buffer.byteLength(url) > MAX_URL_BYTES) throw new RangeError(`a QR link is at most ${MAX_URL_BYTES} bytes`)
  return url
}
