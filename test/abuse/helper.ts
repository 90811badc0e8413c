// Test kit for the abuse checks: a captured pino log, and a CAPTCHA stand-in plus verifier wired together over real HTTP.

import { createCaptchaVerifier } from '../../src/abuse/captcha.ts'
import type { CaptchaVerifier, CaptchaVerifierOptions } from '../../src/abuse/captcha.ts'
import { createCaptchaStandIn } from '../../src/abuse/captcha-stand-in.ts'
import type { CaptchaStandIn, CaptchaStandInOptions } from '../../src/abuse/captcha-stand-in.ts'
import { captureLog, type LogCapture } from '../log-capture.ts'

export { captureLog, type LogCapture }

/** A canary: if this string shows up in a log, a result or an error, the secret leaked. */
export const CANARY_SECRET = '0x4AAAAAAA-canary/secret+with=odd&chars'

type Teardown = { teardown: (fn: () => unknown) => void }

export interface LiveKit {
  standIn: CaptchaStandIn
  verifier: CaptchaVerifier
  log: LogCapture
  url: string
}

/** A stand-in listening on 127.0.0.1 and a verifier pointed at it; both closed in teardown. */
export async function liveKit (
  t: Teardown,
  standInOptions: CaptchaStandInOptions = {},
  verifierOptions: Partial<CaptchaVerifierOptions> = {}
): Promise<LiveKit> {
  const standIn = createCaptchaStandIn({ secret: CANARY_SECRET, ...standInOptions })
  const url = await standIn.listen()
  const log = captureLog()
  const verifier = createCaptchaVerifier({
    provider: standIn.provider,
    secret: CANARY_SECRET,
    verifyUrl: url,
    logger: log.logger,
    ...verifierOptions
  })
  t.teardown(async () => {
    await verifier.close()
    await standIn.close()
  })
  return { standIn, verifier, log, url }
}
