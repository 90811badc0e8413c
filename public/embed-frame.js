// Runs inside the iframe (/c/<campaign>?embed=1): tells the embedding page the form's height, and when a signup went through.
(() => {
  const script = document.currentScript
  if (script === null || window.parent === window) return
  const origins = (script.dataset.origins ?? '').split(' ').filter(Boolean)
  // targetOrigin is only ever one of the campaign's embedOrigins, never '*': the parent's own origin when the
  // browser names it (ancestorOrigins, or the referrer on the first load); otherwise each listed origin,
  // and the browser delivers only to the one that matches the parent.
  let referrer = ''
  try { referrer = new URL(document.referrer).origin } catch {}
  const ancestor = window.location.ancestorOrigins?.[0] ?? ''
  const targets = origins.includes(ancestor) ? [ancestor] : origins.includes(referrer) ? [referrer] : origins
  const send = message => {
    for (const origin of targets) window.parent.postMessage({ source: 'optline', campaign: script.dataset.campaign, ...message }, origin)
  }
  // The page's title is in the visitor's language: the embedding page names the frame by it.
  send({ type: 'ready', title: document.title })
  let last = 0
  const resize = () => {
    const height = Math.ceil(document.documentElement.getBoundingClientRect().height)
    if (height !== last) send({ type: 'resize', height: (last = height) })
  }
  new window.ResizeObserver(resize).observe(document.documentElement)
  resize()
  if (script.dataset.signedUp !== undefined) send({ type: 'signed-up', redirect: script.dataset.redirect })
})()
