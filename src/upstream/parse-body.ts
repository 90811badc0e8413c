// Turns an upstream body into a value: JSON or XML as Content-Type says, else by sniffing the text.

import { XMLParser, XMLValidator } from 'fast-xml-parser'

export type ParsedBody =
  | { format: 'json', value: unknown }
  | { format: 'xml', value: unknown }
  | { format: 'empty' }
  | { format: 'text', text: string, html: boolean }

type Format = 'json' | 'xml' | 'html'

const xmlParser = new XMLParser({
  ignoreAttributes: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
  // Keep every value a string: a phone number must not become a float, nor lose a leading zero.
  parseTagValue: false,
  trimValues: true,
  // Yii2 writes list entries as <item>; forcing arrays makes one entry look like many.
  isArray: (name) => name === 'item'
})

function declaredFormat (contentType: string | undefined): Format | undefined {
  const type = (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? ''
  if (type === '') return undefined
  if (type.includes('html')) return 'html'
  if (type.includes('json')) return 'json'
  if (type.includes('xml')) return 'xml'
  return undefined
}

function sniffFormat (text: string): Format | undefined {
  if (text.startsWith('{') || text.startsWith('[')) return 'json'
  if (/^<(!doctype\s+html|html|head|body)\b/i.test(text)) return 'html'
  if (text.startsWith('<')) return 'xml'
  return undefined
}

function tryJson (text: string): ParsedBody | undefined {
  try {
    return { format: 'json', value: JSON.parse(text) }
  } catch {
    return undefined
  }
}

/** Yii2's XML: root <response>, list entries as <item>. A node that only holds <item>s is a list. */
function normalizeXml (node: unknown): unknown {
  if (Array.isArray(node)) return node.map(normalizeXml)
  if (node !== null && typeof node === 'object') {
    const entries = Object.entries(node)
    const [first] = entries
    if (entries.length === 1 && first !== undefined && first[0] === 'item') {
      return (Array.isArray(first[1]) ? first[1] : [first[1]]).map(normalizeXml)
    }
    return Object.fromEntries(entries.map(([key, value]) => [key, normalizeXml(value)]))
  }
  return node
}

function tryXml (text: string): ParsedBody | undefined {
  if (XMLValidator.validate(text) !== true) return undefined
  try {
    const doc: unknown = xmlParser.parse(text)
    if (doc === null || typeof doc !== 'object') return undefined
    const record = doc as Record<string, unknown>
    const root = 'response' in record ? record.response : Object.values(record)[0]
    return { format: 'xml', value: normalizeXml(root ?? '') }
  } catch {
    return undefined
  }
}

function attempt (format: Format | undefined, text: string): ParsedBody | undefined {
  if (format === 'json') return tryJson(text)
  if (format === 'xml') return tryXml(text)
  return undefined
}

export function parseBody (contentType: string | undefined, raw: string): ParsedBody {
  const text = raw.replace(/^\uFEFF/, '').trim()
  if (text === '') return { format: 'empty' }
  const declared = declaredFormat(contentType)
  const sniffed = sniffFormat(text)
  // Content-Type first, the sniffed format as the fallback: PHP labels anything it forgot to type
  // as text/html, and proxies relabel bodies.
  const parsed = attempt(declared, text) ?? (sniffed !== declared ? attempt(sniffed, text) : undefined)
  if (parsed !== undefined) return parsed
  const html = declared === 'html' || sniffed === 'html' || /<(html|body|title)\b/i.test(text)
  return { format: 'text', text, html }
}
