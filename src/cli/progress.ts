// A progress line on standard error for long reads: packets, megabytes and throughput, redrawn
// every 250 ms. Only when a person is watching (stderr is a terminal) and the input is large
// enough to take a while; never in pipelines, logs or tests.

const LARGE_INPUT = 64 * 1024 * 1024;
const INTERVAL_MS = 250;
/** Packets between clock reads: Date.now() per packet would cost more than it reports. */
const CHECK_EVERY = 4096;

export class Progress {
  readonly #enabled: boolean;
  readonly #total: number | undefined;
  readonly #started = Date.now();
  #next = this.#started + INTERVAL_MS;
  #countdown = CHECK_EVERY;
  #shown = false;

  /** @param size input size in bytes, when known; `undefined` (a pipe) counts as large. */
  constructor(size: number | undefined, stream: NodeJS.WriteStream = process.stderr) {
    this.#enabled = stream.isTTY === true && (size === undefined || size >= LARGE_INPUT);
    this.#total = size;
  }

  /** Call once per packet with the running totals; cheap when nothing is due. */
  tick(packets: number, bytes: number): void {
    if (!this.#enabled || --this.#countdown > 0) return;
    this.#countdown = CHECK_EVERY;
    const now = Date.now();
    if (now < this.#next) return;
    this.#next = now + INTERVAL_MS;
    const seconds = (now - this.#started) / 1000;
    const mb = bytes / 1e6;
    let line = `${packets} packets, ${mb.toFixed(1)} MB, ${(mb / seconds).toFixed(1)} MB/s`;
    if (this.#total !== undefined && this.#total > 0) line += `, ${Math.min(100, (100 * bytes) / this.#total).toFixed(0)}%`;
    process.stderr.write(`\r${line}\u001b[K`);
    this.#shown = true;
  }

  /** Clears the line, so the prompt or an error message starts clean. */
  done(): void {
    if (this.#shown) process.stderr.write('\r\u001b[K');
    this.#shown = false;
  }
}
