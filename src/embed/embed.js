// /embed.js: turns each <div data-optline="campaign"> on a listed site's page into the signup form (or an
// auto-sized iframe with data-mode="iframe"). No dependencies; text is set with textContent, never as HTML.
// Every word the visitor reads comes from the server (…/form's texts and labels), in the language negotiated there.
(() => {
  const script = document.currentScript ?? document.querySelector('script[src$="/embed.js"]')
  if (script === null) return
  const base = new URL(script.src).origin
  const SLUG = /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/
  const SOURCE = /^[A-Za-z0-9][A-Za-z0-9._~-]{0,63}$/
  const LANG = /^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8}){0,3}$/
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

  // Set through the CSSOM, which a host page's CSP allows: the honeypot stays out of sight even when the host blocks
  // our stylesheet (the form then renders unstyled, but never shows bots' bait to people).
  const hiddenOffscreen = node => {
    Object.assign(node.style, { position: 'absolute', left: '-10000px', width: '1px', height: '1px', overflow: 'hidden' })
    return node
  }

  const pageUrl = (slug, source, embed, lang) => {
    const url = new URL(`/c/${slug}`, base)
    if (embed) url.searchParams.set('embed', '1')
    if (source) url.searchParams.set('src', source)
    if (lang) url.searchParams.set('lang', lang)
    return url.href
  }

  // The language the embedder asks for: data-lang, else the language their page is in. The server picks it when the
  // campaign offers it, else the visitor's browser language (Accept-Language, which fetch and the iframe send).
  const wantedLang = host => [host.dataset.lang, document.documentElement.lang].find(value => LANG.test(value ?? ''))

  // When scripts or the API fail, the visitor still gets to the hosted page.
  // The snippet's own link is in the embedder's words and language; English only when they left it out.
  const fallback = (host, slug, source, why) => {
    if (why) console.warn(`optline: ${why}; showing a link to the signup page instead`)
    if (host.querySelector('a[href]') !== null) return
    host.replaceChildren(el('a', { href: pageUrl(slug, source, false, wantedLang(host)), text: host.dataset.linkText || 'Sign up for text messages' }))
  }

  const mountFrame = (host, slug, source) => {
    const lang = wantedLang(host)
    const link = host.querySelector('a[href]')
    // Until the page inside says its own title (in the visitor's language), the snippet's link text names the frame.
    const frame = el('iframe', { src: pageUrl(slug, source, true, lang), title: host.dataset.title || link?.textContent.trim() || 'Text message signup form' })
    // CSSOM, not a style attribute: allowed under the embedding page's CSP.
    Object.assign(frame.style, { display: 'block', width: '100%', height: '640px', border: '0' })
    let heard = false
    window.addEventListener('message', event => {
      // Only our own frame, from our origin, about this campaign.
      if (event.origin !== base || event.source !== frame.contentWindow) return
      const data = event.data
      if (data === null || typeof data !== 'object' || data.source !== 'optline' || data.campaign !== slug) return
      heard = true
      if (typeof data.title === 'string' && !host.dataset.title) frame.title = data.title.slice(0, 200)
      if (data.type === 'resize' && Number.isFinite(data.height) && data.height > 0 && data.height < 20000) frame.style.height = `${Math.ceil(data.height)}px`
      if (data.type === 'signed-up') done(host, slug, data.redirect)
    })
    host.replaceChildren(frame)
    setTimeout(() => {
      if (!heard) host.append(el('p', {}, [link ?? el('a', { href: pageUrl(slug, source, false, lang), text: host.dataset.linkText || 'Open the signup form' })]))
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
      const lang = wantedLang(host)
      const res = await fetch(api(`${slug}/form${lang ? `?lang=${encodeURIComponent(lang)}` : ''}`), { credentials: 'omit' })
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
    const words = texts.labels
    // Screen readers switch voice when the form's language is not the host page's.
    const box = el('div', { className: 'optline', lang: texts.lang, 'data-campaign': slug })
    const form = el('form', { novalidate: true, 'aria-labelledby': id('title') })
    const formError = el('p', { id: id('form-error'), className: 'optline-error optline-form-error', tabindex: '-1', hidden: true })
    const honeypot = el('input', { id: id('website'), type: 'text', tabindex: '-1', autocomplete: 'off' })
    const inputs = {}
    const fields = {}

    if (texts.countries.length > 1) {
      inputs.country = el('select', { id: id('country'), autocomplete: 'country' },
        texts.countries.map(c => el('option', { value: c.code, selected: c.code === texts.country, text: `${c.name} (+${c.callingCode})` })))
      fields.country = el('div', { className: 'optline-field' }, [el('label', { for: id('country'), text: words.country }), inputs.country])
    }
    inputs.phone = el('input', { id: id('phone'), type: 'tel', autocomplete: 'tel', inputmode: 'tel', required: true, maxlength: '64', 'aria-describedby': id('phone-hint') })
    fields.phone = el('div', { className: 'optline-field' }, [
      el('label', { for: id('phone'), text: words.mobileNumber }),
      el('p', { id: id('phone-hint'), className: 'optline-hint', text: texts.phoneHint }),
      inputs.phone
    ])
    inputs.consent = el('input', { id: id('consent'), type: 'checkbox', required: true, 'aria-describedby': id('disclosure') })
    const consentLabel = el('label', { for: id('consent'), text: texts.consentText })
    fields.consent = el('div', { className: 'optline-field optline-consent' }, [inputs.consent, consentLabel])
    const link = (href, text) => el('a', { href, text, target: '_blank', rel: 'noopener' })
    const disclosure = el('p', { id: id('disclosure'), className: 'optline-disclosure' })
    const showWording = () => disclosure.replaceChildren(`${texts.disclosure} `, link(texts.termsUrl, words.terms), ' · ', link(texts.privacyUrl, words.privacy))
    showWording()
    const button = el('button', { type: 'submit', text: texts.buttonText })

    form.append(...[
      el('h2', { id: id('title'), text: texts.headline }),
      el('p', { text: texts.intro }),
      formError,
      hiddenOffscreen(el('div', { className: 'optline-hp', 'aria-hidden': 'true' }, [el('label', { for: id('website'), text: words.honeypot }), honeypot])),
      fields.country, fields.phone, fields.consent,
      disclosure,
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
        answer.last4 ? el('p', {}, [words.sentTo[0], el('strong', { text: answer.last4 }), words.sentTo[1]]) : undefined,
        el('ol', { className: 'optline-steps' }, [
          el('li', { text: words.openText }),
          // YES is ProTexting's keyword in every language.
          el('li', {}, [words.replyYes[0], el('strong', { text: 'YES' }), words.replyYes[1]])
        ]),
        el('p', { text: words.stopAnyTime })
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
        disclosureVersion: texts.disclosureVersion,
        website: honeypot.value,
        source,
        pageUrl: window.location.href.slice(0, 1000),
        referrer: document.referrer ? document.referrer.slice(0, 1000) : undefined
      }
      try {
        // ?lang too: a refusal answered before the body is read (too many attempts) is in the form's language.
        const res = await fetch(api(`${slug}/signups?lang=${encodeURIComponent(texts.lang)}`), { method: 'POST', credentials: 'omit', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
        const answer = await res.json().catch(() => ({}))
        if (res.status === 202) return succeed(answer)
        const errors = Array.isArray(answer.errors) && answer.errors.length > 0 ? answer.errors : [{ field: 'form', message: words.unavailable }]
        // The campaign's wording changed while this page was open: show the new text, box unticked, to agree again.
        if (errors.some(e => e.code === 'disclosure_changed')) {
          const fresh = await fetch(api(`${slug}/form?lang=${encodeURIComponent(texts.lang)}`), { credentials: 'omit' }).then(r => r.ok ? r.json() : undefined, () => undefined)
          if (fresh !== undefined) {
            Object.assign(texts, { consentText: fresh.consentText, disclosure: fresh.disclosure, termsUrl: fresh.termsUrl, privacyUrl: fresh.privacyUrl, disclosureVersion: fresh.disclosureVersion })
            consentLabel.textContent = texts.consentText
            showWording()
          }
          inputs.consent.checked = false
        }
        showErrors(errors)
        // A refused or expired token is answered with "send again": have a fresh one ready.
        refreshToken()
      } catch {
        showErrors([{ field: 'form', message: words.unreachable }])
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

  const start = () => {
    document.querySelectorAll('[data-optline]').forEach(mount)
    // Single-page sites add the snippet's <div> after this script ran: mount those as they appear.
    new window.MutationObserver(records => {
      for (const record of records) {
        for (const node of record.addedNodes) {
          if (node.nodeType !== 1) continue
          if (node.matches('[data-optline]')) mount(node)
          node.querySelectorAll('[data-optline]').forEach(mount)
        }
      }
    }).observe(document.body, { childList: true, subtree: true })
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start)
  else start()
})()
