/**
 * An async mutex: one holder at a time. Waiters are served in arrival order, except that urgent
 * ones (single statements) go before the rest (transactions). PGlite has one connection: an API
 * read that queued behind every runner transaction waiting for the lock waited for all of them
 * (a `wait` answer made of four reads took seconds while a long run kept the runner busy); now it
 * waits for the transaction that holds the lock, at most. Statements are short, so transactions
 * are not starved by them.
 */
export class Mutex {
  #busy = false;
  readonly #urgent: (() => void)[] = [];
  readonly #rest: (() => void)[] = [];

  async run<T>(fn: () => Promise<T>, urgent = false): Promise<T> {
    if (this.#busy) await new Promise<void>((resolve) => (urgent ? this.#urgent : this.#rest).push(resolve));
    else this.#busy = true;
    try {
      return await fn();
    } finally {
      const next = this.#urgent.shift() ?? this.#rest.shift();
      if (next) next(); // the lock passes on: still busy
      else this.#busy = false;
    }
  }
}
