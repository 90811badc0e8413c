// Phone normalization throughput: one round of workers/phone.ts (normalizePhone over a mix of inputs).
import type { Worker } from './lib/worker.ts'
import type { PhoneResult } from './workers/phone.ts'

export type PhoneSample = PhoneResult

export async function measurePhone (seconds: number, worker: Worker): Promise<PhoneSample> {
  return await worker.call<PhoneResult>('run', { seconds })
}
