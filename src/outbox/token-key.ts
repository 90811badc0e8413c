// Names an access token without holding it: the key its bucket and signups are stored under.
import { createHash } from 'node:crypto'

export function tokenKeyOf (accessToken: string): string {
  return createHash('sha256').update(accessToken).digest('hex').slice(0, 16)
}
