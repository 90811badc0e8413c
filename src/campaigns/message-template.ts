// Renders campaign message templates: only operator-configured variables, never visitor input.

/** The variables a message or page text template may use, with what each holds. */
export const TEMPLATE_VARIABLES = {
  name: 'the campaign name (brand or program)',
  frequency: 'the message frequency, e.g. "up to 4 msgs/month"',
  termsUrl: 'the terms URL',
  privacyUrl: 'the privacy policy URL'
} as const

export type TemplateVariable = keyof typeof TEMPLATE_VARIABLES
export type TemplateValues = Record<TemplateVariable, string>

const PLACEHOLDER = /\{([^{}]*)\}/g

/** Names used in the template that are not known variables (empty when the template is fine). */
export function unknownVariables (template: string): string[] {
  const unknown: string[] = []
  for (const match of template.matchAll(PLACEHOLDER)) {
    const name = match[1] ?? ''
    if (!Object.hasOwn(TEMPLATE_VARIABLES, name)) unknown.push(name)
  }
  return unknown
}

export function renderTemplate (template: string, values: TemplateValues): string {
  return template.replace(PLACEHOLDER, (whole, name: string) =>
    Object.hasOwn(values, name) ? values[name as TemplateVariable] : whole)
}
