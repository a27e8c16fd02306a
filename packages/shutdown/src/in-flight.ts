/**
 * Counts tracked work and tells when none is left. Work is counted until it settles either
 * way: a rejected promise is finished work too (its caller handles the error).
 */
export class InFlight {
  #count = 0;
  #waiters: Array<() => void> = [];

  get count(): number {
    return this.#count;
  }

  /** Counts `work` until it settles and returns it unchanged, so callers see its own result. */
  add<T>(work: Promise<T>): Promise<T> {
    this.#count += 1;
    const settled = () => {
      this.#count -= 1;
      if (this.#count === 0) {
        const waiters = this.#waiters;
        this.#waiters = [];
        for (const wake of waiters) wake();
      }
    };
    // Our own branch handles the rejection, so tracking never adds an unhandled rejection;
    // whether the caller's promise is handled stays the caller's business.
    work.then(settled, settled);
    return work;
  }

  /** Resolves when the count is zero (at once if it already is). */
  drained(): Promise<void> {
    if (this.#count === 0) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push(resolve));
  }
}
