// Visitor-facing wording for signup outcomes that are not about the phone number itself.

export const SIGNUP_MESSAGES = {
  consentMissing: 'Please tick the box to agree to receive text messages.',
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
} as const
