// Builds what the form template shows: texts in the visitor's language, country choices, kept values, errors by field.
import { getCountryCallingCode, getExampleNumber, type CountryCode } from '../phone/libphonenumber.ts'
import mobileExamples from 'libphonenumber-js/mobile/examples'
import type { Campaign } from '../campaigns/campaign.ts'
import type { FieldError, SignupField } from '../signup/service.ts'
import { CAPTCHA_DEFAULTS } from '../abuse/captcha-defaults.ts'
import type { UtmTags } from '../store/types.ts'
import { utmQuery } from './signup-context.ts'
import { localeOf } from '../campaigns/campaign-locale.ts'
import { countryName, language, type LanguageCode } from '../i18n/languages.ts'

export interface FormValues {
  phone: string
  country: string
  consent: boolean
  source: string
  referrer: string
  /** The language the page is in (negotiated); posted back in a hidden field. Default: the campaign's. */
  lang?: LanguageCode
  /** The page URL's UTM tags: kept in the form's action, so a signup sent after a refusal still carries them. */
  utm?: UtmTags | undefined
}

export function formView (campaign: Campaign, values: FormValues, errors: FieldError[] = [], formToken = '') {
  const byField: Partial<Record<SignupField, string>> = {}
  for (const error of errors) byField[error.field] ??= error.message
  // Without JavaScript, autofocus is how focus reaches the first field to fix.
  const focus = (['country', 'phone', 'consent'] as const).find(field => byField[field] !== undefined)
  const several = campaign.allowedCountries.length > 1
  const locale = localeOf(campaign, values.lang)
  const { lang, page } = locale
  const t = language(lang).form
  const action = `/c/${campaign.slug}`
  // Plain links, so switching works without JavaScript; the source tag stays with the visitor.
  const src = values.source === '' ? '' : `&src=${encodeURIComponent(values.source)}`
  return {
    lang,
    title: page.title,
    page,
    action: values.utm === undefined ? action : `${action}?${utmQuery(values.utm)}`,
    languages: campaign.languages.length < 2
      ? null
      : campaign.languages.map(code => ({ code, name: language(code).name, current: code === lang, href: `${action}?lang=${code}${src}` })),
    termsUrl: campaign.termsUrl,
    privacyUrl: campaign.privacyUrl,
    // Posted back, so the consent record can only ever name the wording this page showed.
    disclosureVersion: locale.disclosureVersion,
    countries: several ? campaign.allowedCountries.map(code => countryOption(code, lang)) : null,
    phoneHint: several ? t.hintChooseCountry : t.hintExample(exampleNumber(campaign.country)),
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

function countryOption (code: CountryCode, lang: LanguageCode) {
  return { code, name: countryName(code, lang), callingCode: getCountryCallingCode(code) }
}

function exampleNumber (country: CountryCode): string {
  return getExampleNumber(country, mobileExamples)?.formatNational() ?? ''
}
