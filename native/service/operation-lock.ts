// One card operation at a time per module: requests queue here in arrival order (the watcher's poll skips a
// tick instead of queueing behind a PIN entry).

export class OperationLock {
  private tail: Promise<void> = Promise.resolve();
  private pending = 0;

  /** True while an operation runs or waits. */
  get busy(): boolean { return this.pending > 0; }

  /** Runs `fn` after every operation queued before it. */
  run<T>(fn: () => Promise<T> | T): Promise<T> {
    this.pending++;
    const result = this.tail.then(() => fn()).finally(() => { this.pending--; });
    this.tail = result.then(() => undefined, () => undefined);
    return result;
  }

  /** Runs `fn` only when nothing is running or queued; returns null otherwise. */
  tryRun<T>(fn: () => Promise<T> | T): Promise<T> | null {
    return this.busy ? null : this.run(fn);
  }
}
