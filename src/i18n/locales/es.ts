// Spanish (US): every visitor-facing string, in the "tú" form and the wording US Spanish SMS programs use
// ("celular", "Pueden aplicarse tarifas de mensajes y datos"). HELP, STOP and YES stay English: they are the
// carrier and ProTexting keywords, and compliance-and-abuse.md names no Spanish equivalents.
import type { Language } from '../types.ts'

// "Pueden aplicarse tarifas de mensajes y datos", "Se pueden aplicar cargos por msj y datos",
// "Tarifas estándar de mensajes y datos pueden aplicar" …
const CHARGES = String.raw`(?:tarifas|cargos|costos)(?:\s+est[aá]ndar(?:es)?)?\s+(?:de|por)\s+(?:los\s+)?(?:mensajes?|msjs?|sms)\s*(?:y|&)\s*(?:de\s+)?datos`
const MAY_APPLY = String.raw`(?:se\s+)?(?:pueden|podr[ií]an)\s+aplicar(?:se)?`

export default {
  name: 'Español',
  rules: {
    ratesNotice: new RegExp(String.raw`${MAY_APPLY}\s+(?:las\s+)?${CHARGES}|${CHARGES}\s+${MAY_APPLY}`, 'i'),
    ratesNoticeExample: 'Pueden aplicarse tarifas de mensajes y datos'
  },
  campaign: {
    page: {
      title: '{name}: alertas por mensaje de texto',
      headline: 'Recibe mensajes de texto de {name}',
      intro: 'Regístrate con tu número de celular para recibir noticias y ofertas de {name} por mensaje de texto.',
      consentText: 'Sí, quiero recibir mensajes de texto de marketing automatizados y recurrentes de {name} en este número.',
      disclosure: 'Al registrarte, aceptas recibir mensajes de texto de marketing automatizados y recurrentes de {name} ' +
        'en el número proporcionado. {frequency}. Pueden aplicarse tarifas de mensajes y datos. ' +
        'Responde HELP para obtener ayuda o STOP para cancelar.',
      buttonText: 'Registrarme',
      successTitle: 'Revisa tu teléfono',
      successText: 'Te acabamos de enviar un mensaje de texto de {name}. Responde YES para confirmar tu suscripción.'
    },
    notConditionOfPurchase: ' El consentimiento no es una condición de compra.',
    defaultFrequency: 'La frecuencia de los mensajes varía'
  },
  layout: {
    sandboxLabel: 'Modo sandbox:',
    sandboxText: 'no se envía ningún mensaje de texto. Los registros van a un simulador de ProTexting integrado.',
    languageNav: 'Idioma'
  },
  form: {
    country: 'País',
    mobileNumber: 'Número de celular',
    hintChooseCountry: 'Elige tu país y luego escribe tu número.',
    hintExample: example => `Por ejemplo: ${example}`,
    honeypot: 'Deja este campo vacío',
    terms: 'Términos',
    privacy: 'Privacidad',
    unreachable: 'No pudimos conectar con el servicio de registro. Revisa tu conexión e inténtalo de nuevo.'
  },
  thanks: {
    sentTo: ['Enviado al número que termina en ', '.'],
    openText: name => `Abre el mensaje de texto de ${name} en tu teléfono.`,
    replyYes: ['Responde ', ' para confirmar.'],
    noText: '¿No te llegó nada en unos minutos?',
    tryAgain: 'Revisa tu número e inténtalo de nuevo',
    stopAnyTime: 'Responde STOP en cualquier momento para cancelar.',
    continue: 'Continuar'
  },
  print: {
    title: pageTitle => `Cartel para imprimir · ${pageTitle}`,
    instructions: 'Imprime esta página (A4 o carta, en vertical) para colocarla. Archivos para un diseñador:',
    qrLabel: url => `Código QR de ${url}`,
    scan: 'Escanéalo con la cámara de tu teléfono o visita',
    terms: 'Términos:',
    privacy: 'Privacidad:',
    otherLanguages: 'Este cartel en:',
    languageNotOffered: {
      heading: 'No hay cartel en ese idioma',
      message: offered => `La página de esta campaña solo está en: ${offered}. Usa ?lang= con uno de ellos.`
    }
  },
  notFound: {
    campaign: { heading: 'Esta página de registro no existe', message: 'Es posible que el enlace esté mal escrito o que la campaña haya terminado.' },
    page: { heading: 'Página no encontrada', message: 'No hay nada en esta dirección.' },
    hint: 'Si escaneaste un código o seguiste un enlace, consúltalo con quien lo compartió. La dirección distingue entre mayúsculas y minúsculas.'
  },
  errors: {
    title: 'Lo sentimos',
    forbiddenHeading: 'Usa la página de registro',
    tooManyHeading: 'Espera un minuto',
    serverHeading: 'Lo sentimos, algo salió mal',
    unreadableHeading: 'Lo sentimos, no pudimos leer eso',
    server: 'Algo salió mal de nuestro lado. Inténtalo de nuevo en un momento.',
    formUnreadable: 'No pudimos leer el formulario. Inténtalo de nuevo.',
    unknown: 'No pudimos entender la solicitud.',
    backToForm: 'Volver al formulario',
    byCode: {
      FST_ERR_CTP_INVALID_MEDIA_TYPE: 'Esta dirección no acepta ese tipo de contenido.',
      FST_ERR_CTP_BODY_TOO_LARGE: 'La solicitud es demasiado grande.',
      FST_ERR_CTP_EMPTY_JSON_BODY: 'El cuerpo de la solicitud está vacío: envía un objeto JSON.',
      FST_ERR_CTP_INVALID_JSON_BODY: 'El cuerpo de la solicitud no es un JSON válido.'
    }
  },
  phone: {
    refusals: {
      empty: () => 'Escribe tu número de celular.',
      not_a_number: () =>
        'Eso no parece un número de teléfono. Escribe tu número de celular con dígitos; ' +
        'puedes usar espacios, guiones, paréntesis y un + al inicio.',
      extension: () =>
        'No se pueden enviar mensajes de texto a una extensión. Escribe solo tu número de celular, sin la extensión.',
      too_short: () =>
        'Ese número es demasiado corto. Revisa que hayas escrito todos los dígitos de tu número de celular, ' +
        'incluido el código de área.',
      too_long: () =>
        'Ese número es demasiado largo. Revisa que hayas escrito solo tu número de celular, sin dígitos de más.',
      invalid: () =>
        'Ese no es un número de teléfono válido. Revisa los dígitos e inténtalo de nuevo. ' +
        'Si tu número es de otro país, empieza con + y el código del país.',
      country_not_allowed: ({ countries, countryCount }) => countryCount === 1
        ? `Este registro solo acepta números de celular de un país: ${countries}. Escribe un número de ese país.`
        : `Este registro solo acepta números de celular de estos países: ${countries}. Escribe un número de uno de ellos.`,
      country_not_offered: ({ countries }) => `Elige tu país de la lista: ${countries}.`,
      unsupported_type: ({ numberType }) =>
        `Solo podemos enviar mensajes de texto a teléfonos celulares, y ese parece ser ${numberType}. Escribe tu número de celular.`
    },
    numberTypes: {
      FIXED_LINE: 'un número de teléfono fijo',
      TOLL_FREE: 'un número gratuito (800)',
      PREMIUM_RATE: 'un número de tarifa especial',
      SHARED_COST: 'un número de costo compartido',
      PAGER: 'un número de localizador (bíper)',
      VOICEMAIL: 'un número de acceso al buzón de voz',
      UAN: 'el número del conmutador de una empresa',
      PERSONAL_NUMBER: 'un número personal de desvío de llamadas',
      VOIP: 'un número de telefonía por internet (VoIP)'
    },
    unknownType: 'un número que no puede recibir mensajes de texto'
  },
  signup: {
    consentMissing: 'Marca la casilla para aceptar recibir mensajes de texto.',
    disclosureChanged: 'Las condiciones de estos mensajes de texto acaban de cambiar. Vuelve a leerlas y marca la casilla para aceptar.',
    countryNotOffered: 'Elige uno de los países de la lista.',
    unavailable: 'No pudimos registrarte en este momento. Inténtalo de nuevo en unos minutos.',
    upstreamRefusedPhone: 'Este número no se puede registrar para recibir mensajes de texto. Revísalo o usa otro número de celular.',
    upstreamRefused: 'No pudimos registrarte con estos datos. Revísalos e inténtalo de nuevo.',
    accepted: 'Revisa tu teléfono: te enviamos un mensaje de texto. Responde YES para confirmar.',
    formExpired: 'Esta página estuvo abierta mucho tiempo. Revisa tus datos y vuelve a enviar el formulario.',
    formInvalid: 'Vuelve a enviar el formulario desde su página.',
    captchaFailed: 'Completa la verificación y vuelve a enviar el formulario.',
    crossSite: 'Este formulario solo se puede enviar desde su propia página.',
    tooManyAttempts: 'Demasiados intentos desde tu conexión. Espera un minuto e inténtalo de nuevo.'
  }
} satisfies Language
