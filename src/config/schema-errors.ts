// Turns TypeBox validation errors into one readable line each: `campaigns.summer.groupIds[1]: must be …`.
import type { TSchema } from 'typebox'
import { Value } from 'typebox/value'

export function schemaErrors (schema: TSchema, value: unknown, basePath = ''): string[] {
  const lines = new Set<string>()
  for (const error of Value.Errors(schema, value)) {
    // `additionalProperties: false` reports each extra key twice (once as "schema is false").
    if (error.keyword === 'boolean') continue
    const path = readablePath(basePath, error.instancePath, value)
    if (error.keyword === 'additionalProperties') {
      const extra = (error.params as { additionalProperties?: string[] }).additionalProperties ?? []
      for (const key of extra) lines.add(`${joinPath(path, key)}: is not a known setting`)
      continue
    }
    if (error.keyword === 'required') {
      const missing = (error.params as { requiredProperties?: string[] }).requiredProperties ?? []
      for (const key of missing) lines.add(`${joinPath(path, key)}: is required`)
      continue
    }
    lines.add(`${path || '(top level)'}: ${annotatedMessage(schema, error.schemaPath) ?? error.message}`)
  }
  return [...lines]
}

/** `/groupIds/1` under `campaigns.summer` → `campaigns.summer.groupIds[1]`. */
function readablePath (basePath: string, pointer: string, root: unknown): string {
  let path = basePath
  let node: unknown = root
  for (const raw of pointer.split('/').slice(1)) {
    const key = raw.replaceAll('~1', '/').replaceAll('~0', '~')
    path = Array.isArray(node) ? `${path}[${key}]` : joinPath(path, key)
    node = node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined
  }
  return path
}

function joinPath (path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`
}

/** The `errorMessage` annotation on the schema node that failed, if it has one. */
function annotatedMessage (schema: TSchema, schemaPath: string): string | undefined {
  let node: unknown = schema
  for (const raw of schemaPath.replace(/^#/, '').split('/').slice(1)) {
    if (node === null || typeof node !== 'object') return undefined
    node = (node as Record<string, unknown>)[raw.replaceAll('~1', '/').replaceAll('~0', '~')]
  }
  if (node === null || typeof node !== 'object') return undefined
  const message = (node as { errorMessage?: unknown }).errorMessage
  return typeof message === 'string' ? message : undefined
}
