// Lint rules: neostandard (standard style) with TypeScript support.
import neostandard from 'neostandard'

export default [
  ...neostandard({ ts: true, ignores: ['node_modules/', 'coverage/', '.tap/', 'test-results/'] })
]
