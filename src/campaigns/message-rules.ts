// Carrier rules for the CTA and confirmation SMS: what each must say, and what it costs.
import { countSegments, type SegmentCount } from '../sms/segments.ts'

export interface MessageReport {
  /** Rules the message breaks; any one stops the server unless the campaign overrides. */
  problems: string[]
  segments: SegmentCount
}

// Carriers (CTIA, as summarised in shared/compliance-and-abuse.md) expect the program name,
// HELP and STOP instructions and the rates notice in every opt-in message. Canada's wording
// ("Standard message and data rates may apply") is accepted too.
const RATES_NOTICE = /\b(msg|message)s?\s*(&|and)\s*data\s+rates\s+may\s+apply\b/i

export function checkMessage (text: string, programName: string): MessageReport {
  const problems: string[] = []
  if (!text.toLowerCase().includes(programName.toLowerCase())) {
    problems.push(`must name the program ("${programName}")`)
  }
  if (!/\bHELP\b/.test(text)) problems.push('must tell how to get help (the word HELP in capitals)')
  if (!/\bSTOP\b/.test(text)) problems.push('must tell how to stop (the word STOP in capitals)')
  if (!RATES_NOTICE.test(text)) problems.push('must say "Msg & data rates may apply"')
  return { problems, segments: countSegments(text) }
}
