// One round's servers: a fresh instance of each variant, each holding a signed form token old enough to use,
// and checked with a few real signups before any load.
import { setTimeout as delay } from 'node:timers/promises'
import { signupBody } from './lib/phones.ts'
import { FORM_TOKEN_PATH, SIGNUP_PATH, startVariant, type RunningVariant, type VariantName } from './variants.ts'

export interface Instance {
  running: RunningVariant
  /** Sent in every body, as the hosted page and embedders do (undefined if the server issues none). */
  formToken: string | undefined
  /** The next phone number index this instance has not seen. */
  nextNumber: number
}

/** Signups sent one by one before the load (numbers 0..PREFLIGHT-1). */
const PREFLIGHT = 3

interface FormTokenAnswer { formToken: string, minSubmitSeconds: number }

async function fetchFormToken (url: string): Promise<{ token: string | undefined, usableAt: number }> {
  const response = await fetch(url + FORM_TOKEN_PATH)
  if (response.status === 404) {
    await response.arrayBuffer()
    return { token: undefined, usableAt: 0 }
  }
  const answer = await response.json() as FormTokenAnswer
  // A token younger than the campaign's minimum submit time marks its signups as bots ("too_fast"), like a script.
  return { token: answer.formToken, usableAt: performance.now() + answer.minSubmitSeconds * 1000 + 250 }
}

/** Each answer must be 202 {"status":"accepted"}, or the load would be measuring refusals. */
async function preflight (instance: Instance): Promise<void> {
  for (let i = 0; i < PREFLIGHT; i++) {
    const body = signupBody(i, instance.formToken)
    const response = await fetch(instance.running.server.url + SIGNUP_PATH, { method: 'POST', headers: { 'content-type': 'application/json' }, body })
    const answer = await response.json() as { status?: string }
    if (response.status !== 202 || answer.status !== 'accepted') {
      throw new Error(`${instance.running.name}: ${SIGNUP_PATH} answered ${response.status} ${JSON.stringify(answer)} to ${body}`)
    }
  }
  instance.nextNumber = PREFLIGHT
}

/** Starts every variant (one after the other, so start-up times are not contended), then preflights each. */
export async function startInstances (variants: VariantName[]): Promise<Instance[]> {
  const instances: Instance[] = []
  let usableAt = 0
  try {
    for (const variant of variants) {
      const running = await startVariant(variant)
      const token = await fetchFormToken(running.server.url)
      instances.push({ running, formToken: token.token, nextNumber: 0 })
      usableAt = Math.max(usableAt, token.usableAt)
    }
    await delay(Math.max(0, usableAt - performance.now()))
    for (const instance of instances) await preflight(instance)
    return instances
  } catch (error) {
    await finishInstances(instances)
    throw error
  }
}

export async function finishInstances (instances: Instance[]): Promise<void> {
  await Promise.all(instances.map(instance => instance.running.finish().catch(() => undefined)))
}
