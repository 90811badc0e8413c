// A campaign's logo file: read once at load, checked (type by its bytes, size, dimensions, no script in an SVG).
import { readFileSync, statSync } from 'node:fs'
import { isAbsolute, resolve } from 'node:path'

/** The whole first visit must fit the first round trip (14,600 bytes, test-e2e/page-budget.test.ts); page and CSS use about 5 KB. */
export const LOGO_MAX_BYTES = 6 * 1024

export interface Logo {
  body: Buffer
  contentType: string
  extension: string
  width: number
  height: number
}

type Sniffed = { contentType: string, extension: string, size: (b: Buffer) => { width: number, height: number } | undefined }

const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])

function sniff (body: Buffer): Sniffed | undefined {
  if (body.subarray(0, 8).equals(PNG)) {
    return { contentType: 'image/png', extension: 'png', size: b => b.length >= 24 ? { width: b.readUInt32BE(16), height: b.readUInt32BE(20) } : undefined }
  }
  if (body[0] === 0xff && body[1] === 0xd8 && body[2] === 0xff) return { contentType: 'image/jpeg', extension: 'jpg', size: jpegSize }
  if (body.subarray(0, 4).toString('latin1') === 'GIF8') {
    return { contentType: 'image/gif', extension: 'gif', size: b => b.length >= 10 ? { width: b.readUInt16LE(6), height: b.readUInt16LE(8) } : undefined }
  }
  if (body.subarray(0, 4).toString('latin1') === 'RIFF' && body.subarray(8, 12).toString('latin1') === 'WEBP') {
    return { contentType: 'image/webp', extension: 'webp', size: webpSize }
  }
  const head = body.subarray(0, 1024).toString('utf8').replace(/^\uFEFF/, '').trimStart()
  if (/^(<\?xml[^>]*>\s*)?(<!--[\s\S]*?-->\s*)*(<!DOCTYPE[^>]*>\s*)?<svg[\s>]/i.test(head)) {
    return { contentType: 'image/svg+xml', extension: 'svg', size: svgSize }
  }
  return undefined
}

/** Reads and checks the logo; `problem` is worded to follow `campaigns.<slug>.branding.logo: `. */
export function readLogo (path: string, baseDir: string): { logo: Logo } | { problem: string } {
  const file = isAbsolute(path) ? path : resolve(baseDir, path)
  let body: Buffer
  try {
    if (!statSync(file).isFile()) return { problem: `${file} is not a file` }
    body = readFileSync(file)
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    return { problem: `cannot be read (${code === 'ENOENT' ? 'no such file' : code ?? 'error'}: ${file}); paths are relative to the campaigns file` }
  }
  if (body.length > LOGO_MAX_BYTES) {
    return { problem: `is ${body.length.toLocaleString('en-US')} bytes; a logo may be at most ${LOGO_MAX_BYTES.toLocaleString('en-US')} so the first visit still fits one round trip. Export it smaller (an optimised SVG, or a PNG at the size shown)` }
  }
  const type = sniff(body)
  if (type === undefined) return { problem: 'must be an SVG, PNG, JPEG, WebP or GIF image (the file is none of these)' }
  if (type.extension === 'svg') {
    // Served from our origin: an SVG opened on its own would run its scripts there.
    const text = body.toString('utf8')
    if (/<script|<foreignObject|\son[a-z]+\s*=|javascript:/i.test(text)) return { problem: 'is an SVG with a script, event handler or embedded HTML; export it again as a plain drawing' }
    if (/(href|src)\s*=\s*["']\s*(https?:)?\/\//i.test(text)) return { problem: 'is an SVG that refers to another site; embed or remove the external image or font' }
  }
  const size = type.size(body)
  if (size === undefined || !(size.width > 0 && size.height > 0)) {
    return { problem: type.extension === 'svg' ? 'is an SVG without a viewBox or width and height, so its proportions are unknown' : `is not a readable ${type.extension.toUpperCase()} image` }
  }
  return { logo: { body, contentType: type.contentType, extension: type.extension, ...size } }
}

function jpegSize (b: Buffer): { width: number, height: number } | undefined {
  let i = 2
  while (i + 9 < b.length) {
    if (b[i] !== 0xff) return undefined
    const marker = b[i + 1] ?? 0
    const length = b.readUInt16BE(i + 2)
    // SOF0…SOF15, except DHT (C4), JPG (C8) and DAC (CC), carry the frame size.
    if (marker >= 0xc0 && marker <= 0xcf && ![0xc4, 0xc8, 0xcc].includes(marker)) {
      return { height: b.readUInt16BE(i + 5), width: b.readUInt16BE(i + 7) }
    }
    i += 2 + length
  }
  return undefined
}

function webpSize (b: Buffer): { width: number, height: number } | undefined {
  if (b.length < 30) return undefined
  const chunk = b.subarray(12, 16).toString('latin1')
  if (chunk === 'VP8 ') return { width: b.readUInt16LE(26) & 0x3fff, height: b.readUInt16LE(28) & 0x3fff }
  if (chunk === 'VP8L') {
    const bits = b.readUInt32LE(21)
    return { width: (bits & 0x3fff) + 1, height: ((bits >> 14) & 0x3fff) + 1 }
  }
  if (chunk === 'VP8X') return { width: b.readUIntLE(24, 3) + 1, height: b.readUIntLE(27, 3) + 1 }
  return undefined
}

function svgSize (b: Buffer): { width: number, height: number } | undefined {
  const tag = /<svg\b[^>]*>/i.exec(b.toString('utf8'))?.[0] ?? ''
  const attr = (name: string) => new RegExp(`\\s${name}\\s*=\\s*["']([^"']*)["']`, 'i').exec(tag)?.[1]
  const viewBox = attr('viewBox')?.trim().split(/[\s,]+/).map(Number)
  if (viewBox?.length === 4 && viewBox.every(Number.isFinite)) return { width: viewBox[2] ?? 0, height: viewBox[3] ?? 0 }
  // Plain numbers or px only: percentages and ems say nothing about proportions.
  const px = (value: string | undefined) => value !== undefined && /^\d+(\.\d+)?(px)?$/.test(value.trim()) ? Number.parseFloat(value) : undefined
  const width = px(attr('width'))
  const height = px(attr('height'))
  return width !== undefined && height !== undefined ? { width, height } : undefined
}
