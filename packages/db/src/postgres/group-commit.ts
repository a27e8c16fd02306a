/**
 * Group commit for one kind of write: calls that arrive while a batch is on its way to the
 * database wait and then go together as the next batch, in one statement. At low load a
 * call goes alone and at once (no timer, no added latency); under load the number of round
 * trips and commits (each an fsync) stops growing with the number of calls.
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
      if (!this.#running) void this.#drain();
    });
  }

  async #drain(): Promise<void> {
    this.#running = true;
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
