// SMS segment arithmetic: how many parts a message costs under GSM-7 or UCS-2 (see shared/protexting-v1.md).

// GSM 03.38 basic character set. One character outside it (and outside the extension table)
// turns the whole message into UCS-2, which cuts a segment from 160 to 70 characters.
const GSM7_BASIC = new Set(
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?' +
  '¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà'
)
// The extension table is reached through an escape code, so each of these costs two septets.
const GSM7_EXTENDED = new Set('^{}\\[~]|€\f')

export type SmsEncoding = 'GSM-7' | 'UCS-2'

export interface SegmentCount {
  encoding: SmsEncoding
  /** Septets for GSM-7, UTF-16 code units for UCS-2. */
  units: number
  segments: number
  /** The characters that forced UCS-2, so the operator can replace them. */
  nonGsmCharacters: string[]
}

export function countSegments (text: string): SegmentCount {
  let septets = 0
  const nonGsm = new Set<string>()
  for (const char of text) {
    if (GSM7_BASIC.has(char)) septets += 1
    else if (GSM7_EXTENDED.has(char)) septets += 2
    else nonGsm.add(char)
  }
  if (nonGsm.size === 0) {
    return { encoding: 'GSM-7', units: septets, segments: partsNeeded(septets, 160, 153), nonGsmCharacters: [] }
  }
  // UCS-2 on the air is UTF-16: characters outside the BMP (emoji) take two code units.
  const units = text.length
  return { encoding: 'UCS-2', units, segments: partsNeeded(units, 70, 67), nonGsmCharacters: [...nonGsm] }
}

function partsNeeded (units: number, single: number, perPart: number): number {
  if (units === 0) return 0
  return units <= single ? 1 : Math.ceil(units / perPart)
}
