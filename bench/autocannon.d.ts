declare module 'autocannon' {
  interface Options { url: string; socketPath?: string; method?: string; body?: string; connections?: number; duration?: number; pipelining?: number; headers?: Record<string, string> }
  interface Histogram { average: number; p50: number; p99: number; max: number }
  interface Result { requests: Histogram & { total: number }; latency: Histogram; errors: number; non2xx: number; timeouts: number }
  function autocannon(options: Options): Promise<Result>
  export default autocannon
}
