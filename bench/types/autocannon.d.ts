// The part of autocannon's programmatic API the bench uses (the package ships no types).
declare module 'autocannon' {
  interface RequestData {
    method?: string
    path?: string
    headers?: Record<string, string>
    body?: string | Buffer
  }
  interface Options {
    url: string
    connections?: number
    pipelining?: number
    duration?: number
    method?: string
    headers?: Record<string, string>
    requests?: Array<RequestData & { setupRequest?: (request: RequestData, context: object) => RequestData }>
  }
  interface Histogram { average: number, p50: number, p90: number, p99: number, max: number }
  interface Result {
    duration: number
    errors: number
    timeouts: number
    non2xx: number
    resets: number
    '2xx': number
    statusCodeStats: Record<string, { count: number }>
    latency: Histogram
    requests: Histogram & { sent: number, total: number }
  }
  function autocannon (options: Options): Promise<Result>
  export default autocannon
}
