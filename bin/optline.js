#!/usr/bin/env node
// optline's command line (`npx optline <command>`): runs src/cli/main.ts with this Node, which must run TypeScript
// itself (type stripping, Node 24 and later). Plain JavaScript, so that an older Node can still say what is wrong.
const [major] = process.versions.node.split('.').map(Number)
if (major < 24) {
  process.stderr.write(`optline needs Node.js 24 or later (it runs its TypeScript sources directly); this is Node.js ${process.versions.node}.\n` +
    'Install Node.js 24, or run it from the project directory with: npm run cli -- <command>\n')
  process.exit(1)
}
// Imported, not a static import: a static one would be loaded (and fail on an old Node) before the check above.
const { runCli } = await import('../src/cli/main.ts')
await runCli()
