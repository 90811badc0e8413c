// Which requests belong to the JSON API: answered in JSON (errors too) with the API's header set, not a page's.

/** True for a URL under /api/ (path and query as the request line carries them). */
export function isApiUrl (url: string): boolean {
  return url.startsWith('/api/')
}
