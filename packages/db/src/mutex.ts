/**
 * A FIFO async mutex. The SQLite store has one connection; without this, an awaited unit
 * of work inside `transaction()` would let other calls on the same connection run inside
 * its BEGIN … COMMIT.
 */
export class Mutex {
  #tail: Promise<void> = Promise.resolve();

  async run<T>(fn: () => T | Promise<T>): Promise<T> {
    let release!: () => void;
    const next = new Promise<void>((r) => {
      release = r;
    });
    const previous = this.#tail;
    this.#tail = previous.then(() => next);
    await previous;
    try {
      return await fn();
    } finally {
      release();
    }
  }
}
