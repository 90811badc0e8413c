// English: every visitor-facing string. Another language is a copy of this file, translated (see docs/campaigns.md).
import type { Language } from '../types.ts'

export default {
  name: 'English',
  rules: {
    ratesNotice: /\b(msg|message)s?\s*(&|and)\s*data\s+rates\s+may\s+apply\b/i,
    ratesNoticeExample: 'Msg & data rates may apply'
  },
  // Defaults a careful marketer would pick: the disclosure carries everything carriers check
  // (program, frequency, rates, HELP/STOP, not a condition of purchase), next to the field.
  campaign: {
    page: {
      title: '{name}: text alerts',
      headline: 'Get texts from {name}',
      intro: 'Sign up with your mobile number to get news and offers from {name} by text message.',
      consentText: 'Yes, I want to receive recurring automated marketing text messages from {name} at this number.',
      disclosure: 'By signing up you agree to receive recurring automated marketing text messages from {name} ' +
        'at the number provided. {frequency}. Msg & data rates may apply. Reply HELP for help, STOP to cancel.',
      buttonText: 'Sign up',
      successTitle: 'Check your phone',
      successText: 'We just sent you a text from {name}. Reply YES to confirm your subscription.'
    },
    notConditionOfPurchase: ' Consent is not a condition of purchase.',
    defaultFrequency: 'Msg frequency varies'
  },
  layout: {
    sandboxLabel: 'Sandbox mode:',
    sandboxText: 'no text message is sent. Signups go to a built-in ProTexting stand-in.',
    languageNav: 'Language'
  },
  form: {
    country: 'Country',
    mobileNumber: 'Mobile number',
    hintChooseCountry: 'Choose your country, then type your number.',
    hintExample: example => `For example ${example}`,
    honeypot: 'Leave this empty',
    terms: 'Terms',
    privacy: 'Privacy',
    unreachable: 'We could not reach the signup service. Please check your connection and try again.'
  },
  thanks: {
    sentTo: ['Sent to the number ending in ', '.'],
    openText: name => `Open the text from ${name} on your phone.`,
    replyYes: ['Reply ', ' to confirm.'],
    noText: 'No text after a few minutes?',
    tryAgain: 'Check your number and try again',
    stopAnyTime: 'Reply STOP at any time to cancel.',
    continue: 'Continue'
  },
  print: {
    title: pageTitle => `Printable sign · ${pageTitle}`,
    instructions: 'Print this page (A4 or Letter, portrait) to post it. Files for a designer:',
    qrLabel: url => `QR code for ${url}`,
    scan: "Scan with your phone's camera, or go to",
    terms: 'Terms:',
    privacy: 'Privacy:',
    otherLanguages: 'This sign in:',
    languageNotOffered: {
      heading: 'No sign in that language',
      message: offered => `This campaign's page is in ${offered} only: use ?lang= with one of them.`
    }
  },
  notFound: {
    campaign: { heading: 'This signup page does not exist', message: 'The link may be mistyped, or the campaign has ended.' },
    page: { heading: 'Page not found', message: 'There is nothing at this address.' },
    hint: 'If you scanned a code or followed a link, check it with whoever shared it. The address is case-sensitive.'
  },
  errors: {
    title: 'Sorry',
    forbiddenHeading: 'Please use the signup page',
    tooManyHeading: 'Please wait a minute',
    serverHeading: 'Sorry, something went wrong',
    unreadableHeading: 'Sorry, we could not read that',
    server: 'Something went wrong on our side. Please try again in a moment.',
    formUnreadable: 'The form could not be read. Please try again.',
    unknown: 'The request could not be understood.',
    backToForm: 'Back to the form',
    byCode: {
      FST_ERR_CTP_INVALID_MEDIA_TYPE: 'This address does not accept that content type.',
      FST_ERR_CTP_BODY_TOO_LARGE: 'The request is too large.',
      FST_ERR_CTP_EMPTY_JSON_BODY: 'The request body is empty: send a JSON object.',
      FST_ERR_CTP_INVALID_JSON_BODY: 'The request body is not valid JSON.'
    }
  },
  // Refusals never echo what the visitor typed: it is shown back in the field, not in the error.
  phone: {
    refusals: {
      empty: () => 'Please enter your mobile number.',
      not_a_number: () =>
        "That doesn't look like a phone number. Please enter your mobile number using digits; " +
        'spaces, dashes, brackets and a leading + are fine.',
      extension: () =>
        'Texts cannot be sent to an extension. Please enter just your mobile number, without the extension.',
      too_short: () =>
        'That number is too short. Please check that you entered every digit of your mobile number, ' +
        'including the area code.',
      too_long: () =>
        'That number is too long. Please check that you entered just your mobile number, with no extra digits.',
      invalid: () =>
        "That isn't a valid phone number. Please check the digits and try again. " +
        'If your number is from another country, start it with + and the country code.',
      country_not_allowed: ({ countries, countryCount }) => countryCount === 1
        ? `This signup accepts mobile numbers from one country only: ${countries}. Please enter a number from there.`
        : `This signup accepts mobile numbers from these countries only: ${countries}. Please enter a number from one of them.`,
      // The chosen country is not on the form's list: a stale or edited form, answered at the country field.
      country_not_offered: ({ countries }) => `Please choose your country from the list: ${countries}.`,
      unsupported_type: ({ numberType }) =>
        `We can only send texts to mobile phones, and that looks like ${numberType}. Please enter your mobile number.`
    },
    numberTypes: {
      FIXED_LINE: 'a landline number',
      TOLL_FREE: 'a toll-free number',
      PREMIUM_RATE: 'a premium-rate number',
      SHARED_COST: 'a shared-cost number',
      PAGER: 'a pager number',
      VOICEMAIL: 'a voicemail access number',
      UAN: 'a company switchboard number',
      PERSONAL_NUMBER: 'a personal forwarding number',
      VOIP: 'an internet phone (VoIP) number'
    },
    unknownType: 'a number that cannot receive texts'
  },
  signup: {
    consentMissing: 'Please tick the box to agree to receive text messages.',
    disclosureChanged: 'The terms of these text messages have just changed. Please read them again, then tick the box to agree.',
    countryNotOffered: 'Please choose one of the countries in the list.',
    unavailable: 'We could not sign you up just now. Please try again in a few minutes.',
    upstreamRefusedPhone: 'This number cannot be signed up for texts. Please check it, or use another mobile number.',
    upstreamRefused: 'We could not sign you up with these details. Please check them and try again.',
    accepted: 'Check your phone: we sent you a text. Reply YES to confirm.',
    formExpired: 'This page was open for a long time. Please check your details and send the form again.',
    formInvalid: 'Please send the form again from its page.',
    captchaFailed: 'Please complete the verification, then send the form again.',
    crossSite: 'This form can only be sent from its own page.',
    tooManyAttempts: 'Too many attempts from your connection. Please wait a minute, then try again.'
  }
} satisfies Language
