/** What went wrong, as a stable machine-readable code. */
export type WireErrorCode =
  | 'truncated'
  | 'bad-checksum'
  | 'bad-version'
  | 'bad-length'
  | 'bad-value'
  | 'unsupported'
  | 'limit-exceeded'
  /** A datagram with Don't Fragment set is larger than the MTU; `mtu` says what fits (ICMP type 3 code 4). */
  | 'fragmentation-needed'
  | 'internal';

export interface WireErrorDetails {
  /** The protocol or component that raised it: `ipv4`, `pcapng`, `wasm`, ... */
  layer: string;
  /** Byte offset in the input where the problem is, when there is one. */
  offset?: number;
  /** Bytes needed and bytes available, for `truncated` and `bad-length`. */
  required?: number;
  available?: number;
  /** For `fragmentation-needed`: the next-hop MTU an ICMP "fragmentation needed" message would carry. */
  mtu?: number;
  /** The underlying error, e.g. a WebAssembly trap. */
  cause?: unknown;
}

/**
 * The one error type wirekit throws. `code` says what kind of problem, `layer` where, `offset`
 * at which byte of the input, and `message` says it in words a person can act on.
 *
 * @example
 * try { decodePacket(bytes, { strict: true }) }
 * catch (e) { if (e instanceof WireError && e.code === 'truncated') console.log(e.layer, e.offset) }
 */
export class WireError extends Error {
  readonly code: WireErrorCode;
  readonly layer: string;
  readonly offset: number | undefined;
  readonly required: number | undefined;
  readonly available: number | undefined;
  readonly mtu: number | undefined;

  constructor(code: WireErrorCode, message: string, details: WireErrorDetails) {
    super(`${details.layer}: ${message}`, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'WireError';
    this.code = code;
    this.layer = details.layer;
    this.offset = details.offset;
    this.required = details.required;
    this.available = details.available;
    this.mtu = details.mtu;
  }
}
