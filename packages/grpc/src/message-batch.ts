/**
 * How many bytes of commands or answers one `DispatchStream` message holds at most (one
 * larger than that goes alone): well under any message size limit a server or client
 * would set, while a batch of a turn's small commands fits.
 */
export const BATCH_BYTES = 16 * 1024;

/**
 * When a batch goes: `'turn'` at the end of this turn of the event loop (`setImmediate`),
 * gathering what other I/O callbacks of the turn add; `'tick'` as soon as the promise
 * callbacks running now are done (`process.nextTick`), before anything else runs.
 */
export type BatchFlush = 'turn' | 'tick';

/**
 * Sends what becomes ready together as one message: each part is a message with one
 * element of a repeated field, encoded, and encoded messages concatenated are the message
 * with all the elements. A part that would take the batch past `maxBytes` sends the batch
 * first. Fewer, larger messages cost less than one each, and a server receives together
 * the commands that its store can commit together.
 */
export class MessageBatch {
  readonly #maxBytes: number;
  readonly #send: (message: Uint8Array) => void;
  readonly #flush: BatchFlush;
  #parts: Uint8Array[] = [];
  #bytes = 0;
  #scheduled = false;

  constructor(maxBytes: number, flush: BatchFlush, send: (message: Uint8Array) => void) {
    this.#maxBytes = maxBytes;
    this.#flush = flush;
    this.#send = send;
  }

  add(part: Uint8Array): void {
    if (this.#parts.length > 0 && this.#bytes + part.length > this.#maxBytes) this.flush();
    this.#parts.push(part);
    this.#bytes += part.length;
    if (this.#scheduled) return;
    this.#scheduled = true;
    if (this.#flush === 'tick') process.nextTick(() => this.flush());
    else setImmediate(() => this.flush());
  }

  /** Sends what is gathered now. */
  flush(): void {
    this.#scheduled = false;
    const parts = this.#parts;
    if (parts.length === 0) return;
    this.#parts = [];
    this.#bytes = 0;
    this.#send(parts.length === 1 ? parts[0]! : Buffer.concat(parts));
  }

  /** Drops what is gathered, unsent. */
  clear(): void {
    this.#parts = [];
    this.#bytes = 0;
  }
}
