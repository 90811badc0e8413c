// The stand-in's `contacts-opt-in/create` action: Yii2-style validation and an in-memory contact list.

export interface FieldError {
  field: string
  message: string
}

export interface Contact {
  Id: number
  Number: string
  OptedOut: number
  FirstName: string
  LastName: string
  BirthDay: string
  Email: string
  Zip: string
  City: string
  DateCreated: string
  DateUpdated: string
  GroupIds: number[]
  CustomFieldIds: number[]
}

export interface OptInInput {
  phoneNumber: string
  groupIds: number[]
}

const easternParts = new Intl.DateTimeFormat('en-US', {
  timeZone: 'America/New_York',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hourCycle: 'h23'
})

/** ProTexting's dates: `YYYY-MM-DD HH:MM:SS`, US Eastern time, no zone marker. */
export function formatEastern (ms: number): string {
  const part: Record<string, string> = {}
  for (const { type, value } of easternParts.formatToParts(new Date(ms))) part[type] = value
  return `${part.year}-${part.month}-${part.day} ${part.hour}:${part.minute}:${part.second}`
}

// Yii2's `isEmpty`: null, '' and [] count as missing.
function blank (value: unknown): boolean {
  return value === undefined || value === null || value === '' || (Array.isArray(value) && value.length === 0)
}

function groupId (value: unknown): number | undefined {
  // Yii2's integer validator also takes integer strings.
  const n = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value
  return typeof n === 'number' && Number.isSafeInteger(n) && n > 0 ? n : undefined
}

/** Returns the field errors (Yii2 messages, one per failing field) or the accepted input. */
export function validateOptIn (params: Record<string, unknown>): FieldError[] | OptInInput {
  const errors: FieldError[] = []
  const { PhoneNumber: phone, GroupIds: groups, SendCTAMessage: sendCta } = params
  if (blank(phone)) {
    errors.push({ field: 'PhoneNumber', message: 'Phone Number cannot be blank.' })
  } else if (typeof phone !== 'string') {
    errors.push({ field: 'PhoneNumber', message: 'Phone Number must be a string.' })
  } else if (!/^\d{10,15}$/.test(phone)) {
    errors.push({ field: 'PhoneNumber', message: 'Phone Number is invalid.' })
  }
  const ids = Array.isArray(groups) ? groups.map(groupId) : []
  if (blank(groups)) {
    errors.push({ field: 'GroupIds', message: 'Group Ids cannot be blank.' })
  } else if (!Array.isArray(groups) || ids.some((id) => id === undefined)) {
    errors.push({ field: 'GroupIds', message: 'Group Ids is invalid.' })
  }
  for (const [field, label] of [['CTAMessage', 'CTA Message'], ['ConfirmMessage', 'Confirm Message']] as const) {
    if (!blank(params[field]) && typeof params[field] !== 'string') {
      errors.push({ field, message: `${label} must be a string.` })
    }
  }
  if (!blank(sendCta) && ![0, 1, '0', '1'].includes(sendCta as number | string)) {
    errors.push({ field: 'SendCTAMessage', message: 'Send CTA Message is invalid.' })
  }
  if (errors.length > 0) return errors
  return { phoneNumber: phone as string, groupIds: ids as number[] }
}

export interface ContactBook {
  /** Creates the contact, or adds the groups to an existing one with the same number. */
  optIn (input: OptInInput, now: number): Contact
  reset (): void
}

export function createContactBook (): ContactBook {
  const byNumber = new Map<string, Contact>()
  let nextId = 1
  return {
    optIn ({ phoneNumber, groupIds }, now) {
      const date = formatEastern(now)
      const existing = byNumber.get(phoneNumber)
      if (existing !== undefined) {
        existing.GroupIds = [...new Set([...existing.GroupIds, ...groupIds])]
        existing.DateUpdated = date
        return structuredClone(existing)
      }
      const contact: Contact = {
        Id: nextId++,
        Number: phoneNumber,
        OptedOut: 0,
        FirstName: '',
        LastName: '',
        BirthDay: '0000-00-00',
        Email: '',
        Zip: '',
        City: '',
        DateCreated: date,
        DateUpdated: date,
        GroupIds: [...new Set(groupIds)],
        CustomFieldIds: []
      }
      byNumber.set(phoneNumber, contact)
      return structuredClone(contact)
    },
    reset () {
      byNumber.clear()
      nextId = 1
    }
  }
}
