// A minimal PNG writer for black-and-white bitmaps (1-bit grayscale), so QR images keep whole-pixel modules.
import { crc32, deflate } from 'node:zlib'
import { promisify } from 'node:util'

const deflateAsync = promisify(deflate)
const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])
const INCHES_PER_METRE = 39.3701

/** One packed row of pixels (most significant bit first, 1 = white), ceil(width / 8) bytes long. */
export type BitmapRow = Uint8Array

/** Packs a row of `width` pixels; `dark(x)` says which are black. */
export function packRow (width: number, dark: (x: number) => boolean): BitmapRow {
  const row = new Uint8Array(Math.ceil(width / 8)).fill(0xff)
  for (let x = 0; x < width; x++) {
    if (dark(x)) row[x >> 3]! &= ~(0x80 >> (x & 7))
  }
  return row
}

/**
 * The PNG of `rows` (top to bottom, each `width` pixels). The same row object may repeat, which
 * keeps a large image cheap to build. `dpi` goes into the pHYs chunk, so a word processor or
 * print tool places the image at a known physical size.
 */
export async function encodePng (width: number, rows: readonly BitmapRow[], dpi: number): Promise<Buffer> {
  const rowBytes = Math.ceil(width / 8)
  const raw = Buffer.alloc(rows.length * (rowBytes + 1))
  rows.forEach((row, y) => {
    // Each scanline starts with its filter type; 0 (none) suits flat black-and-white runs.
    raw[y * (rowBytes + 1)] = 0
    raw.set(row.subarray(0, rowBytes), y * (rowBytes + 1) + 1)
  })
  const header = Buffer.alloc(13)
  header.writeUInt32BE(width, 0)
  header.writeUInt32BE(rows.length, 4)
  header.set([1, 0, 0, 0, 0], 8) // bit depth 1, grayscale, deflate, adaptive filtering, no interlace
  const pixelsPerMetre = Math.round(dpi * INCHES_PER_METRE)
  const physical = Buffer.alloc(9)
  physical.writeUInt32BE(pixelsPerMetre, 0)
  physical.writeUInt32BE(pixelsPerMetre, 4)
  physical[8] = 1 // unit: metre
  return Buffer.concat([
    SIGNATURE,
    chunk('IHDR', header),
    chunk('pHYs', physical),
    chunk('IDAT', await deflateAsync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0))
  ])
}

function chunk (type: string, data: Buffer): Buffer {
  const typeAndData = Buffer.concat([Buffer.from(type, 'latin1'), data])
  const out = Buffer.alloc(8 + data.length + 4)
  out.writeUInt32BE(data.length, 0)
  typeAndData.copy(out, 4)
  out.writeUInt32BE(crc32(typeAndData), 8 + data.length)
  return out
}
