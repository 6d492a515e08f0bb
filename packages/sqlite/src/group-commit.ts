import type { Database } from 'better-sqlite3';

interface Pending<Input, Output> {
  readonly input: Input;
  readonly resolve: (output: Output) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Commits the writes that arrive in one turn of the event loop together: one
 * `BEGIN IMMEDIATE` transaction, one sync to disk, each write in its own savepoint so that
 * one failing write (a conflict) takes nothing else with it. Each caller's promise settles
 * only after the commit, so an acknowledged write is durable as before; concurrent
 * callers share the cost of the sync instead of queueing behind one each.
 */
export class GroupCommit<Input, Output> {
  readonly #db: Database;
  readonly #write: (input: Input) => Output;
  readonly #fail: (error: unknown, input: Input) => unknown;
  #pending: Pending<Input, Output>[] = [];
  #scheduled: NodeJS.Immediate | undefined;

  constructor(
    db: Database,
    write: (input: Input) => Output,
    fail: (error: unknown, input: Input) => unknown,
  ) {
    this.#db = db;
    this.#write = write;
    this.#fail = fail;
  }

  submit(input: Input): Promise<Output> {
    return new Promise<Output>((resolve, reject) => {
      this.#pending.push({ input, resolve, reject });
      this.#scheduled ??= setImmediate(() => this.flush());
    });
  }

  /** Commits what is queued now; called by the next turn of the loop, or on close. */
  flush(): void {
    if (this.#scheduled) clearImmediate(this.#scheduled);
    this.#scheduled = undefined;
    const batch = this.#pending;
    this.#pending = [];
    if (batch.length === 0) return;
    const outcomes: ({ ok: true; output: Output } | { ok: false; error: unknown })[] = [];
    try {
      this.#db
        .transaction(() => {
          for (const { input } of batch) {
            if (batch.length === 1) {
              outcomes.push({ ok: true, output: this.#write(input) });
              continue;
            }
            try {
              // A nested better-sqlite3 transaction is a savepoint.
              outcomes.push({ ok: true, output: this.#db.transaction(() => this.#write(input))() });
            } catch (error) {
              outcomes.push({ ok: false, error });
            }
          }
        })
        .immediate();
    } catch (error) {
      // Nothing was committed: every write of the batch fails with the same cause.
      for (const { input, reject } of batch) reject(this.#fail(error, input));
      return;
    }
    batch.forEach(({ input, resolve, reject }, i) => {
      const outcome = outcomes[i]!;
      if (outcome.ok) resolve(outcome.output);
      else reject(this.#fail(outcome.error, input));
    });
  }
}
