// Builds what the form template shows: texts, country choices, kept values and errors by field.
import { getCountryCallingCode, getExampleNumber, type CountryCode } from 'libphonenumber-js/max'
import mobileExamples from 'libphonenumber-js/mobile/examples'
import type { Campaign } from '../campaigns/campaign.ts'
import type { FieldError, SignupField } from '../signup/service.ts'
import { CAPTCHA_DEFAULTS } from '../abuse/captcha-defaults.ts'

const regionNames = new Intl.DisplayNames(['en'], { type: 'region' })

export interface FormValues { phone: string, country: string, consent: boolean, source: string, referrer: string }

export function formView (campaign: Campaign, values: FormValues, errors: FieldError[] = [], formToken = '') {
  const byField: Partial<Record<SignupField, string>> = {}
  for (const error of errors) byField[error.field] ??= error.message
  // Without JavaScript, autofocus is how focus reaches the first field to fix.
  const focus = (['country', 'phone', 'consent'] as const).find(field => byField[field] !== undefined)
  const several = campaign.allowedCountries.length > 1
  return {
    title: campaign.page.title,
    page: campaign.page,
    action: `/c/${campaign.slug}`,
    termsUrl: campaign.termsUrl,
    privacyUrl: campaign.privacyUrl,
    countries: several ? campaign.allowedCountries.map(countryOption) : null,
    phoneHint: several ? 'Choose your country, then type your number.' : `For example ${exampleNumber(campaign.country)}`,
    values,
    errors: byField,
    focus,
    formToken,
    captcha: campaign.protection.captcha === undefined
      ? null
      : {
          scriptUrl: CAPTCHA_DEFAULTS[campaign.protection.captcha.provider].scriptUrl,
          widgetClass: CAPTCHA_DEFAULTS[campaign.protection.captcha.provider].widgetClass,
          siteKey: campaign.protection.captcha.siteKey
        }
  }
}

function countryOption (code: CountryCode) {
  return { code, name: regionNames.of(code) ?? code, callingCode: getCountryCallingCode(code) }
}

function exampleNumber (country: CountryCode): string {
  return getExampleNumber(country, mobileExamples)?.formatNational() ?? ''
}
