/**
 * Bounds on the work one decision may do. A reader that meets more entries than it reads in
 * bounded time does not read them: the request is denied, with a message that says the cap
 * ("too big" is the worst case, like every reading Portcullis cannot complete).
 *
 * 256 is far above what any real client sends (a `docker run` with 256 `-v` flags) and far below
 * what makes a decision slow: each host path costs a few realpath(3) calls, about 70 µs, so 256
 * binds and 256 mounts cost under 40 ms even when none of them exists.
 */
export const MAX_LIST_ENTRIES = 256

export class RequestTooLarge extends Error {
  constructor(readonly what: string, readonly count: number) {
    super(`${what} has ${count} entries; Portcullis reads at most ${MAX_LIST_ENTRIES} per list, so a request with more is denied`)
  }
}

/** Throws RequestTooLarge when a list the readers would walk is longer than the cap. */
export function checkListSize(what: string, count: number): void {
  if (count > MAX_LIST_ENTRIES) throw new RequestTooLarge(what, count)
}
