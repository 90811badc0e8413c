// Reads a QR code back from our SVG or PNG output as a grid of modules, and the format information it declares.
import { inflateSync } from 'node:zlib'
import QRCode from 'qrcode'

/** A square grid of modules, true = dark, with the width of the white border around it. */
export interface ModuleGrid { size: number, dark: boolean[], quietZone: number }

/** What the qrcode library would draw for this text: the reference the images are compared with. */
export function expectedGrid (text: string, errorCorrectionLevel: 'M' | 'Q' = 'Q'): boolean[] {
  return Array.from(QRCode.create(text, { errorCorrectionLevel }).modules.data, bit => bit === 1)
}

/** Redraws the SVG path (runs of `h` strokes one module high) onto a grid. */
export function svgGrid (svg: string): ModuleGrid {
  const box = Number(/viewBox="0 0 (\d+) \1"/.exec(svg)?.[1])
  const d = /<path stroke="#000000" d="([^"]*)"/.exec(svg)?.[1]
  if (!Number.isInteger(box) || d === undefined) throw new Error('not a QR code SVG')
  const cells = new Set<string>()
  let x = 0
  let y = 0
  for (const [, command, a, b] of d.matchAll(/([MmHh])(-?[\d.]+)(?: (-?[\d.]+))?/g)) {
    const n = Number(a)
    if (command === 'M') { x = n; y = Number(b) - 0.5 } else if (command === 'm') x += n
    else if (command === 'h') {
      for (let i = 0; i < n; i++) cells.add(`${x + i},${y}`)
      x += n
    } else throw new Error(`unexpected path command ${command}`)
  }
  let quietZone = box
  for (const cell of cells) quietZone = Math.min(quietZone, ...cell.split(',').map(Number))
  const size = box - 2 * quietZone
  const dark: boolean[] = []
  for (let row = 0; row < size; row++) {
    for (let col = 0; col < size; col++) dark.push(cells.has(`${col + quietZone},${row + quietZone}`))
  }
  return { size, dark, quietZone }
}

export interface PngImage { width: number, height: number, bitDepth: number, colourType: number, dark: (x: number, y: number) => boolean }

/** Decodes the 1-bit grayscale, unfiltered PNG our encoder writes (and refuses anything else). */
export function readPng (png: Buffer): PngImage {
  if (!png.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) throw new Error('no PNG signature')
  let offset = 8
  let header: Buffer | undefined
  const idat: Buffer[] = []
  while (offset < png.length) {
    const length = png.readUInt32BE(offset)
    const type = png.toString('latin1', offset + 4, offset + 8)
    const data = png.subarray(offset + 8, offset + 8 + length)
    if (type === 'IHDR') header = data
    if (type === 'IDAT') idat.push(data)
    offset += 12 + length
  }
  if (header === undefined) throw new Error('no IHDR')
  const width = header.readUInt32BE(0)
  const height = header.readUInt32BE(4)
  const bitDepth = header[8] ?? 0
  const colourType = header[9] ?? 0
  const rowBytes = Math.ceil(width / 8)
  const raw = inflateSync(Buffer.concat(idat))
  if (raw.length !== height * (rowBytes + 1)) throw new Error('wrong amount of pixel data')
  for (let y = 0; y < height; y++) if (raw[y * (rowBytes + 1)] !== 0) throw new Error(`row ${y} uses a filter`)
  const dark = (x: number, y: number) => ((raw[y * (rowBytes + 1) + 1 + (x >> 3)] ?? 0) & (0x80 >> (x & 7))) === 0
  return { width, height, bitDepth, colourType, dark }
}

/** Finds the code in the picture by its dark extent, then samples the middle of each module. */
export function pngGrid (image: PngImage, size: number): ModuleGrid & { pixelsPerModule: number } {
  let first = image.width
  let last = -1
  for (let y = 0; y < image.height; y++) {
    for (let x = 0; x < image.width; x++) {
      if (image.dark(x, y)) { first = Math.min(first, x, y); last = Math.max(last, x, y) }
    }
  }
  const pixelsPerModule = (last - first + 1) / size
  const dark: boolean[] = []
  for (let row = 0; row < size; row++) {
    for (let col = 0; col < size; col++) {
      dark.push(image.dark(Math.floor(first + (col + 0.5) * pixelsPerModule), Math.floor(first + (row + 0.5) * pixelsPerModule)))
    }
  }
  const border = Math.min(first, image.width - 1 - last)
  return { size, dark, quietZone: border / pixelsPerModule, pixelsPerModule }
}

/**
 * The error correction level the symbol declares in its format information (ISO/IEC 18004 §7.9):
 * 15 bits beside the top-left finder, masked with 0x5412, whose top two bits name the level.
 */
export function declaredErrorCorrection (grid: ModuleGrid): 'L' | 'M' | 'Q' | 'H' {
  const at = (row: number, col: number) => grid.dark[row * grid.size + col] === true ? 1 : 0
  const positions: Array<[number, number]> = [
    [0, 8], [1, 8], [2, 8], [3, 8], [4, 8], [5, 8], [7, 8], [8, 8],
    [8, 7], [8, 5], [8, 4], [8, 3], [8, 2], [8, 1], [8, 0]
  ]
  let bits = 0
  positions.forEach(([row, col], i) => { bits |= at(row, col) << i })
  const level = ((bits ^ 0x5412) >> 13) & 0b11
  return (['M', 'L', 'H', 'Q'] as const)[level]!
}
