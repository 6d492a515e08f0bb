/**
 * How many bytes of commands or answers one `DispatchStream` message holds at most (one
 * larger than that goes alone): well under any message size limit a server or client
 * would set, while a batch of a turn's small commands fits.
 */
export const BATCH_BYTES = 16 * 1024;

/**
 * Sends what becomes ready in one turn of the event loop as one message: each part is a
 * message with one element of a repeated field, encoded, and encoded messages concatenated
 * are the message with all the elements. A part that would take the batch past
 * `maxBytes` sends the batch first. Fewer, larger messages cost less than one each, and a
 * server receives together the commands that its store can commit together.
 */
export class MessageBatch {
  readonly #maxBytes: number;
  readonly #send: (message: Uint8Array) => void;
  #parts: Uint8Array[] = [];
  #bytes = 0;
  #scheduled: NodeJS.Immediate | undefined;

  constructor(maxBytes: number, send: (message: Uint8Array) => void) {
    this.#maxBytes = maxBytes;
    this.#send = send;
  }

  add(part: Uint8Array): void {
    if (this.#parts.length > 0 && this.#bytes + part.length > this.#maxBytes) this.flush();
    this.#parts.push(part);
    this.#bytes += part.length;
    this.#scheduled ??= setImmediate(() => this.flush());
  }

  /** Sends what is gathered now. */
  flush(): void {
    clearImmediate(this.#scheduled);
    this.#scheduled = undefined;
    const parts = this.#parts;
    if (parts.length === 0) return;
    this.#parts = [];
    this.#bytes = 0;
    this.#send(parts.length === 1 ? parts[0]! : Buffer.concat(parts));
  }

  /** Drops what is gathered, unsent. */
  clear(): void {
    clearImmediate(this.#scheduled);
    this.#scheduled = undefined;
    this.#parts = [];
    this.#bytes = 0;
  }
}
