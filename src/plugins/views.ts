// Server-rendered pages: Eta templates (auto-escaped, compiled once) and the static assets they use.
import { readFileSync } from 'node:fs'
import { createHash } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import fp from 'fastify-plugin'
import fastifyStatic from '@fastify/static'
import { Eta } from 'eta'
import { DEFAULT_LANGUAGE, isLanguageCode, language } from '../i18n/languages.ts'

const VIEWS_DIR = fileURLToPath(new URL('../../views/', import.meta.url))
const PUBLIC_DIR = fileURLToPath(new URL('../../public/', import.meta.url))

/** Asset URLs carry a content hash, so browsers may cache them for a year. */
export interface AssetUrls { css: string, embedFrame: string }

declare module 'fastify' {
  interface FastifyReply {
    /**
     * Renders views/<template>.eta inside the layout, with the sandbox banner when it applies; `data.lang`
     * (default English) picks the strings templates read as `it.t`, `<html lang>` and Content-Language.
     */
    page (status: number, template: string, data: Record<string, unknown>): FastifyReply
  }
}

export default fp(async function views (app, options: { sandbox: boolean }) {
  const assets: AssetUrls = { css: `/assets/optline.css?v=${contentHash('optline.css')}`, embedFrame: `/assets/embed-frame.js?v=${contentHash('embed-frame.js')}` }
  // autoEscape is Eta's default; stated here because every visitor-typed value relies on it.
  const eta = new Eta({ views: VIEWS_DIR, autoEscape: true, cache: true, autoTrim: [false, 'nl'] })
  await app.register(fastifyStatic, {
    root: PUBLIC_DIR,
    prefix: '/assets/',
    immutable: true,
    maxAge: '365d',
    index: false
  })
  app.decorateReply('page', function (status: number, template: string, data: Record<string, unknown>) {
    const lang = isLanguageCode(data.lang) ? data.lang : DEFAULT_LANGUAGE
    const html = eta.render(template, { sandbox: options.sandbox, assets, ...data, lang, t: language(lang) })
    return this.code(status)
      .header('content-type', 'text/html; charset=utf-8')
      .header('content-language', lang)
      .header('cache-control', 'no-store')
      .send(html)
  })
}, { name: 'views' })

function contentHash (file: string): string {
  return createHash('sha256').update(readFileSync(PUBLIC_DIR + file)).digest('hex').slice(0, 10)
}
