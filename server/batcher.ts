// Coalesces concurrent calls into shared database round trips. While `maxInFlight` batches are running, new
// calls wait and leave together in the next one; an idle batcher sends on the next turn of the event loop,
// so everything that arrived in the same I/O turn shares a statement. On a busy service this turns one round
// trip per request into one per batch, which is what the login path is limited by (system calls, not SQL).

interface Waiter<I, O> { input: I; resolve: (o: O) => void; reject: (e: unknown) => void }

export class Batcher<I, O> {
  private queue: Waiter<I, O>[] = [];
  private inFlight = 0;
  private scheduled = false;

  /** run gets the inputs in call order and returns one output per input, in the same order. */
  constructor(private readonly run: (inputs: I[]) => Promise<O[]>, private readonly maxBatch = 64, private readonly maxInFlight = 2) {}

  call(input: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.queue.push({ input, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.inFlight >= this.maxInFlight || this.queue.length === 0) return;
    this.scheduled = true;
    setImmediate(() => { this.scheduled = false; this.flush(); });
  }

  private flush(): void {
    while (this.inFlight < this.maxInFlight && this.queue.length) {
      const batch = this.queue.splice(0, this.maxBatch);
      this.inFlight++;
      this.run(batch.map((w) => w.input)).then(
        (outputs) => batch.forEach((w, i) => w.resolve(outputs[i]!)),
        (err) => batch.forEach((w) => w.reject(err)),
      ).finally(() => { this.inFlight--; this.schedule(); });
    }
  }
}
