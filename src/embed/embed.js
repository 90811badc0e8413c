// /embed.js: turns each <div data-optline="campaign"> on a listed site's page into the signup form (or an
// auto-sized iframe with data-mode="iframe"). No dependencies; text is set with textContent, never as HTML.
(() => {
  const script = document.currentScript ?? document.querySelector('script[src$="/embed.js"]')
  if (script === null) return
  const base = new URL(script.src).origin
  const SLUG = /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/
  const SOURCE = /^[A-Za-z0-9][A-Za-z0-9._~-]{0,63}$/
  const FIELDS = ['country', 'phone', 'consent']
  let count = 0

  const el = (tag, props = {}, children = []) => {
    const node = document.createElement(tag)
    for (const [key, value] of Object.entries(props)) {
      if (value === undefined || value === false) continue
      if (key === 'text') node.textContent = value
      else if (key === 'className') node.className = value
      else node.setAttribute(key, value === true ? '' : value)
    }
    for (const child of children) if (child) node.append(child)
    return node
  }

  const pageUrl = (slug, source, embed) => {
    const url = new URL(`/c/${slug}`, base)
    if (embed) url.searchParams.set('embed', '1')
    if (source) url.searchParams.set('src', source)
    return url.href
  }

  // When scripts or the API fail, the visitor still gets to the hosted page.
  const fallback = (host, slug, source, why) => {
    if (why) console.warn(`optline: ${why}; showing a link to the signup page instead`)
    if (host.querySelector('a[href]') !== null) return
    host.replaceChildren(el('a', { href: pageUrl(slug, source, false), text: host.dataset.linkText || 'Sign up for text messages' }))
  }

  const mountFrame = (host, slug, source) => {
    const frame = el('iframe', { src: pageUrl(slug, source, true), title: host.dataset.title || 'Text message signup form' })
    // CSSOM, not a style attribute: allowed under the embedding page's CSP.
    Object.assign(frame.style, { display: 'block', width: '100%', height: '640px', border: '0' })
    let heard = false
    window.addEventListener('message', event => {
      // Only our own frame, from our origin, about this campaign.
      if (event.origin !== base || event.source !== frame.contentWindow) return
      const data = event.data
      if (data === null || typeof data !== 'object' || data.source !== 'optline' || data.campaign !== slug) return
      heard = true
      if (data.type === 'resize' && Number.isFinite(data.height) && data.height > 0 && data.height < 20000) frame.style.height = `${Math.ceil(data.height)}px`
      if (data.type === 'signed-up') done(host, slug, data.redirect)
    })
    host.replaceChildren(frame)
    setTimeout(() => {
      if (!heard) host.append(el('p', {}, [el('a', { href: pageUrl(slug, source, false), text: 'Open the signup form' })]))
    }, 10000)
  }

  const done = (host, slug, redirect) => {
    host.dispatchEvent(new CustomEvent('optline:signup', { bubbles: true, detail: { campaign: slug } }))
    if (typeof redirect === 'string' && /^https?:\/\//.test(redirect)) window.location.assign(redirect)
  }

  const api = path => `${base}/api/v1/campaigns/${path}`

  const loadStyles = urls => Promise.all(urls.map(path => new Promise(resolve => {
    const href = new URL(path, base).href
    if ([...document.querySelectorAll('link[rel=stylesheet]')].some(link => link.href === href)) return resolve()
    const link = el('link', { rel: 'stylesheet', href })
    link.onload = link.onerror = () => resolve()
    document.head.append(link)
    setTimeout(resolve, 3000)
  })))

  const mountForm = async (host, slug, source) => {
    let texts
    try {
      const res = await fetch(api(`${slug}/form`), { credentials: 'omit' })
      if (!res.ok) return fallback(host, slug, source, `campaign "${slug}" answered ${res.status}`)
      texts = await res.json()
    } catch {
      // A CORS refusal lands here too: this page's origin must be in the campaign's embedOrigins.
      return fallback(host, slug, source, `cannot load campaign "${slug}" from ${base} (is ${window.location.origin} in its embedOrigins?)`)
    }
    // The CAPTCHA widget belongs on our page, not on the host's: use the iframe.
    if (texts.captcha) return mountFrame(host, slug, source)
    await loadStyles(texts.stylesheets)

    const id = name => `optline-${count}-${name}`
    count += 1
    const box = el('div', { className: 'optline' })
    const form = el('form', { novalidate: true, 'aria-labelledby': id('title') })
    const formError = el('p', { id: id('form-error'), className: 'optline-error optline-form-error', tabindex: '-1', hidden: true })
    const honeypot = el('input', { id: id('website'), type: 'text', tabindex: '-1', autocomplete: 'off' })
    const inputs = {}
    const fields = {}

    if (texts.countries.length > 1) {
      inputs.country = el('select', { id: id('country'), autocomplete: 'country' },
        texts.countries.map(c => el('option', { value: c.code, selected: c.code === texts.country, text: `${c.name} (+${c.callingCode})` })))
      fields.country = el('div', { className: 'optline-field' }, [el('label', { for: id('country'), text: 'Country' }), inputs.country])
    }
    inputs.phone = el('input', { id: id('phone'), type: 'tel', autocomplete: 'tel', inputmode: 'tel', required: true, maxlength: '64', 'aria-describedby': id('phone-hint') })
    fields.phone = el('div', { className: 'optline-field' }, [
      el('label', { for: id('phone'), text: 'Mobile number' }),
      el('p', { id: id('phone-hint'), className: 'optline-hint', text: texts.phoneHint }),
      inputs.phone
    ])
    inputs.consent = el('input', { id: id('consent'), type: 'checkbox', required: true, 'aria-describedby': id('disclosure') })
    fields.consent = el('div', { className: 'optline-field optline-consent' }, [inputs.consent, el('label', { for: id('consent'), text: texts.consentText })])
    const link = (href, text) => el('a', { href, text, target: '_blank', rel: 'noopener' })
    const button = el('button', { type: 'submit', text: texts.buttonText })

    form.append(...[
      el('h2', { id: id('title'), text: texts.headline }),
      el('p', { text: texts.intro }),
      formError,
      el('div', { className: 'optline-hp', 'aria-hidden': 'true' }, [el('label', { for: id('website'), text: 'Leave this empty' }), honeypot]),
      fields.country, fields.phone, fields.consent,
      el('p', { id: id('disclosure'), className: 'optline-disclosure' }, [`${texts.disclosure} `, link(texts.termsUrl, 'Terms'), ' · ', link(texts.privacyUrl, 'Privacy')]),
      button
    ].filter(Boolean))
    box.append(form)
    host.replaceChildren(box)

    let token = texts.formToken
    const refreshToken = () => fetch(api(`${slug}/form-token`), { credentials: 'omit' })
      .then(res => res.ok ? res.json() : undefined).then(body => { if (body?.formToken) token = body.formToken }, () => {})

    const clearErrors = () => {
      formError.hidden = true
      for (const name of FIELDS) {
        const input = inputs[name]
        if (input === undefined) continue
        input.removeAttribute('aria-invalid')
        input.setAttribute('aria-describedby', (input.getAttribute('aria-describedby') ?? '').replace(` ${id(`${name}-error`)}`, ''))
        document.getElementById(id(`${name}-error`))?.remove()
      }
    }

    // Errors in text next to their field, tied to it, announced; focus goes to the first one to fix.
    const showErrors = errors => {
      let first
      for (const name of FIELDS) {
        const error = errors.find(e => e.field === name)
        if (error === undefined || inputs[name] === undefined) continue
        const input = inputs[name]
        input.setAttribute('aria-invalid', 'true')
        input.setAttribute('aria-describedby', `${input.getAttribute('aria-describedby')} ${id(`${name}-error`)}`)
        fields[name].append(el('p', { id: id(`${name}-error`), className: 'optline-error', role: 'alert', text: error.message }))
        first ??= input
      }
      const other = errors.find(e => !FIELDS.includes(e.field) || inputs[e.field] === undefined)
      if (other !== undefined) {
        formError.textContent = other.message
        formError.setAttribute('role', 'alert')
        formError.hidden = false
        first ??= formError
      }
      first?.focus()
    }

    const succeed = (answer) => {
      const heading = el('h2', { id: id('done'), tabindex: '-1', text: texts.successTitle })
      box.replaceChildren(el('div', { role: 'status' }, [
        heading,
        el('p', { text: texts.successText }),
        answer.last4 ? el('p', {}, ['Sent to the number ending in ', el('strong', { text: answer.last4 }), '.']) : undefined,
        el('ol', { className: 'optline-steps' }, [
          el('li', { text: `Open the text from ${texts.name} on your phone.` }),
          el('li', {}, ['Reply ', el('strong', { text: 'YES' }), ' to confirm.'])
        ])
      ]))
      heading.focus()
      done(host, slug, texts.successRedirectUrl)
    }

    form.addEventListener('submit', async event => {
      event.preventDefault()
      if (button.disabled) return
      clearErrors()
      button.disabled = true
      const body = {
        phone: inputs.phone.value,
        consent: inputs.consent.checked,
        country: inputs.country?.value,
        formToken: token,
        // The language the texts came in: the consent record names exactly the wording shown.
        lang: texts.lang,
        website: honeypot.value,
        source,
        pageUrl: window.location.href.slice(0, 1000),
        referrer: document.referrer ? document.referrer.slice(0, 1000) : undefined
      }
      try {
        const res = await fetch(api(`${slug}/signups`), { method: 'POST', credentials: 'omit', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
        const answer = await res.json().catch(() => ({}))
        if (res.status === 202) return succeed(answer)
        showErrors(Array.isArray(answer.errors) && answer.errors.length > 0 ? answer.errors : [{ field: 'form', message: 'We could not sign you up just now. Please try again in a few minutes.' }])
        // A refused or expired token is answered with "send again": have a fresh one ready.
        refreshToken()
      } catch {
        showErrors([{ field: 'form', message: 'We could not reach the signup service. Please check your connection and try again.' }])
      } finally {
        button.disabled = false
      }
    })
  }

  const mount = host => {
    if (host.dataset.optlineReady !== undefined) return
    host.dataset.optlineReady = ''
    const slug = host.dataset.optline ?? ''
    const source = SOURCE.test(host.dataset.source ?? '') ? host.dataset.source : undefined
    if (!SLUG.test(slug)) return console.warn(`optline: "${slug}" is not a campaign name`)
    if (host.dataset.mode === 'iframe') return mountFrame(host, slug, source)
    mountForm(host, slug, source).catch(err => fallback(host, slug, source, String(err)))
  }

  const start = () => document.querySelectorAll('[data-optline]').forEach(mount)
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start)
  else start()
})()
