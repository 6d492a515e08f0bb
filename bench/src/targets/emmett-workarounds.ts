import { EmmettError } from '@event-driven-io/emmett';
import { ConflictError } from './target.js';

/**
 * Emmett's version conflict as the bench's {@link ConflictError}, any other error as it is.
 * Emmett's store packages bundle their own copy of Emmett's errors, so the error code is
 * matched, not the class.
 */
export const emmettConflict = (error: unknown): unknown =>
  (error as { errorCode?: unknown } | undefined)?.errorCode === EmmettError.Codes.ConcurrencyError
    ? new ConflictError((error as Error).message)
    : error;

/**
 * Two races in Emmett's SQLite store (0.42.4 on sqlite3 5.1.7) that show under load. Both
 * come from sqlite3 running a connection's statements on its thread pool in no set order
 * unless `serialize()` is used, which Emmett does not. The bench works around them so that
 * Emmett gets figures, and counts each time it had to.
 */
export class EmmettWorkarounds {
  /** Appends retried after a COMMIT failed with SQLITE_BUSY. */
  busyRetries = 0;
  /** Connections whose `PRAGMA journal_mode = WAL` ran inside the first transaction. */
  walPragmaErrors = 0;
  readonly #onUncaught = (error: Error): void => {
    if (error.message.includes('cannot change into wal mode from within a transaction')) {
      this.walPragmaErrors++;
      return;
    }
    console.error(error);
    process.exit(1);
  };

  /**
   * Every new connection runs `PRAGMA journal_mode = WAL` without a callback; when the
   * connection's first BEGIN overtakes it, sqlite3 emits the failure as an unhandled
   * 'error' event and the process dies. The file is in WAL mode already (the first
   * connection set it), so that failure is harmless: count it and go on.
   */
  install(): void {
    process.on('uncaughtException', this.#onUncaught);
  }

  uninstall(): void {
    process.off('uncaughtException', this.#onUncaught);
  }

  /**
   * Appends read `UPDATE/INSERT ... RETURNING` with `db.get`, which finalizes the statement
   * after calling back; a COMMIT that overtakes the finalize fails with SQLITE_BUSY ("SQL
   * statements in progress") and the transaction is rolled back. Retry it.
   */
  async retryBusy<T>(attempt: () => Promise<T>): Promise<T> {
    for (let tries = 1; ; tries++) {
      try {
        return await attempt();
      } catch (error) {
        if ((error as { code?: unknown }).code !== 'SQLITE_BUSY' || tries >= 10) throw error;
        this.busyRetries++;
        await new Promise((resolve) => setTimeout(resolve, tries));
      }
    }
  }

  /** What the workarounds did, for a row's notes. */
  get notes(): string | undefined {
    const done = [
      this.busyRetries > 0 && `${this.busyRetries} operations retried after SQLITE_BUSY at COMMIT`,
      this.walPragmaErrors > 0 &&
        `${this.walPragmaErrors} WAL pragma errors ignored (they crash the process otherwise)`,
    ].filter((note) => note !== false);
    return done.length > 0 ? done.join('; ') : undefined;
  }
}
