// Reads by key asked for during one turn of the event loop go to the database together when the
// turn ends (setImmediate): one statement for many callers. The waiters of a `wait` woken by one
// batch of ended runs each read their run; under load that was one round trip per run, each
// waking a database backend. A read is sent no earlier than it was asked for, so it sees at least
// what a read of its own would have seen.
const MAX_KEYS = 1_000;

interface Waiting<V> {
  resolve: (value: V | undefined) => void;
  reject: (error: unknown) => void;
}

export class TurnBatch<K, V> {
  #pending = new Map<K, Waiting<V>[]>();
  #scheduled = false;

  constructor(private readonly load: (keys: K[]) => Promise<Map<K, V>>) {}

  get(key: K): Promise<V | undefined> {
    return new Promise((resolve, reject) => {
      const waiting = this.#pending.get(key);
      if (waiting) waiting.push({ resolve, reject });
      else this.#pending.set(key, [{ resolve, reject }]);
      if (!this.#scheduled) {
        this.#scheduled = true;
        setImmediate(() => this.#flush());
      }
    });
  }

  #flush(): void {
    this.#scheduled = false;
    const keys = [...this.#pending.keys()];
    const batch = this.#pending;
    this.#pending = new Map();
    for (let i = 0; i < keys.length; i += MAX_KEYS) {
      const chunk = keys.slice(i, i + MAX_KEYS);
      this.load(chunk).then(
        (found) => {
          for (const key of chunk) for (const waiting of batch.get(key)!) waiting.resolve(found.get(key));
        },
        (error: unknown) => {
          for (const key of chunk) for (const waiting of batch.get(key)!) waiting.reject(error);
        },
      );
    }
  }
}
