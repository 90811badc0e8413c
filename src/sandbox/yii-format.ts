// How a Yii2 REST app negotiates, shapes and serialises its answers (JSON, or XML with <response>/<item>).

import { STATUS_CODES } from 'node:http'

export type ReplyFormat = 'json' | 'xml'

export const YII_HEADERS: Readonly<Record<string, string>> = {
  'x-powered-by': 'PHP/5.6.2',
  'cache-control': 'no-store, no-cache, must-revalidate, post-check=0, pre-check=0',
  pragma: 'no-cache'
}

export const CONTENT_TYPES: Readonly<Record<ReplyFormat, string>> = {
  json: 'application/json; charset=UTF-8',
  xml: 'application/xml; charset=UTF-8'
}

const FORMATS: Readonly<Record<string, ReplyFormat>> = {
  'application/json': 'json',
  'application/xml': 'xml'
}

/**
 * Yii2's ContentNegotiator: the acceptable types by quality; an exact match wins, a wildcard takes the
 * first format (JSON); no Accept header means JSON; nothing servable means 415 (undefined here).
 */
export function negotiate (accept: string | undefined): ReplyFormat | undefined {
  if (accept === undefined || accept.trim() === '') return 'json'
  const ranges = accept.split(',').map((part, index) => {
    const [type = '', ...params] = part.split(';').map((s) => s.trim().toLowerCase())
    const q = params.find((p) => p.startsWith('q='))
    return { type, q: q !== undefined ? Number(q.slice(2)) : 1, index }
  })
    .filter((range) => range.type !== '' && range.q > 0)
    .sort((a, b) => b.q - a.q || a.index - b.index)
  for (const { type } of ranges) {
    const exact = FORMATS[type]
    if (exact !== undefined) return exact
    if (type === '*/*' || type === 'application/*') return 'json'
  }
  return undefined
}

/** Yii2's error body: `{name, message, code, status}`. */
export function yiiError (status: number, message: string): Record<string, unknown> {
  return { name: STATUS_CODES[status] ?? 'Error', message, code: 0, status }
}

function escapeXml (text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
}

function tagName (key: string): string {
  return /^[A-Za-z_][\w.-]*$/.test(key) ? key : 'item'
}

function element (name: string, value: unknown): string {
  if (value === null || value === undefined || value === '') return `<${name}/>`
  if (Array.isArray(value)) {
    return value.length === 0 ? `<${name}/>` : `<${name}>${value.map((v) => element('item', v)).join('')}</${name}>`
  }
  if (typeof value === 'object') {
    const entries = Object.entries(value)
    if (entries.length === 0) return `<${name}/>`
    return `<${name}>${entries.map(([k, v]) => element(tagName(k), v)).join('')}</${name}>`
  }
  if (typeof value === 'boolean') return `<${name}>${value ? 'true' : 'false'}</${name}>`
  return `<${name}>${escapeXml(String(value))}</${name}>`
}

export function serialize (format: ReplyFormat, data: unknown): string {
  if (format === 'json') return JSON.stringify(data)
  return `<?xml version="1.0" encoding="UTF-8"?>\n${element('response', data)}\n`
}
