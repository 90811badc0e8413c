// The Node flags `npm start` runs the server with, read from package.json: the bench and the tests that spawn
// the server use them too, so what they measure and check is what an operator runs.
import { readFileSync } from 'node:fs'

const PACKAGE_JSON = new URL('../package.json', import.meta.url)
const START = /^node((?: --[\w-]+(?:=\S+)?)*) src\/server\.ts$/

let flags: string[] | undefined

/** The flags between `node` and `src/server.ts` in package.json's start script, e.g. ['--v8-pool-size=1']. Read once. */
export function startFlags (): string[] {
  flags ??= readStartFlags()
  return [...flags]
}

function readStartFlags (): string[] {
  const { scripts } = JSON.parse(readFileSync(PACKAGE_JSON, 'utf8')) as { scripts?: { start?: string } }
  const match = START.exec(scripts?.start ?? '')
  if (match === null) throw new Error(`package.json: the start script should read "node [--flag …] src/server.ts", not ${JSON.stringify(scripts?.start)}`)
  return (match[1] ?? '').split(' ').filter(flag => flag !== '')
}
