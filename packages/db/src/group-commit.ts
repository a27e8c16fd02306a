/**
 * Group commit for one kind of write: calls made in the same tick, and calls that arrive
 * while a batch is on its way to the database, go together as one batch (Postgres: one
 * statement; SQLite: one transaction). There is no timer: a lone call waits only for the
 * end of the current tick, so latency does not grow, while under load the number of round
 * trips and commits (each an fsync or a set of WAL pages) stops growing with the calls.
 */
export class GroupCommit<In, Out> {
  #queue: { input: In; resolve: (out: Out) => void; reject: (err: unknown) => void }[] = [];
  #running = false;

  constructor(
    /** Writes a batch; returns one outcome per input, in order (an Error rejects that call). */
    private readonly flush: (inputs: In[]) => Promise<(Out | Error)[]>,
    private readonly maxBatch = 500,
  ) {}

  submit(input: In): Promise<Out> {
    return new Promise<Out>((resolve, reject) => {
      this.#queue.push({ input, resolve, reject });
      if (!this.#running) {
        this.#running = true;
        // A microtask, not at once: a caller completing a whole claimed batch with
        // Promise.all(batch.map(complete)) submits every row before the first flush.
        queueMicrotask(() => void this.#drain());
      }
    });
  }

  async #drain(): Promise<void> {
    try {
      while (this.#queue.length > 0) {
        const batch = this.#queue.splice(0, this.maxBatch);
        try {
          const outcomes = await this.flush(batch.map((b) => b.input));
          batch.forEach((b, i) => {
            const out = outcomes[i];
            if (out instanceof Error) b.reject(out);
            else b.resolve(out as Out);
          });
        } catch (err) {
          for (const b of batch) b.reject(err);
        }
      }
    } finally {
      this.#running = false;
    }
  }
}
