import type { WireError } from '../errors.js';
import type { ChecksumPolicy } from './checksum-policy.js';
import type { FieldSink } from './fields.js';

/** A decoded layer: which protocol, its header object, and where it sits in the packet. */
export interface Layer<H extends object = object> {
  /** The Wireshark protocol abbreviation: `eth`, `vlan`, `arp`, `ip`, `ipv6`, `icmp`, `icmpv6`, `udp`, `tcp`. */
  readonly name: string;
  /** The protocol's plain, JSON-friendly header object. */
  readonly header: H;
  /** Offset of the header's first byte in the packet. */
  readonly offset: number;
  /** Header length in bytes. */
  readonly length: number;
  /** The payload this layer carries: [payloadOffset, payloadOffset + payloadLength). */
  readonly payloadOffset: number;
  readonly payloadLength: number;
}

/** Tables that map a number in one layer to the protocol of the next. */
export type DissectorTable = 'linktype' | 'ethertype' | 'ip.proto' | 'udp.port' | 'tcp.port';

/** How to decode what follows a layer: by a table lookup, or by naming the protocol. */
export type Next = { table: DissectorTable; value: number; alt?: number } | { protocol: string };

export interface DecodeContext {
  /** The whole packet. */
  readonly bytes: Uint8Array;
  /** Where this layer starts. */
  readonly offset: number;
  /** Where the bytes available to this layer end (trimmed by lower layers' length fields). */
  readonly end: number;
  /** Layers already decoded below this one, outermost first. */
  readonly below: readonly Layer[];
  /** True inside the copy of a packet quoted by an ICMP error: truncated by design, decode leniently. */
  readonly quoted: boolean;
  /** Whether this layer's checksum should be verified. */
  readonly verifyChecksum: boolean;
}

export interface Decoded<H extends object> {
  header: H;
  headerLength: number;
  /** End of this layer's payload when its own length field says so (else the context's end). */
  payloadEnd?: number;
  /** What the payload is; absent when it is opaque data. */
  next?: Next;
  /** Set when the layer is malformed but a header could still be decoded: decoding stops here. */
  error?: WireError;
  /**
   * A problem that does not stop decoding: the layer's own length runs past the captured bytes
   * (a snaplen-truncated capture), or IPv4 options do not parse. It is recorded (thrown under
   * `strict`) and the upper layers are decoded from what was captured, as Wireshark does.
   */
  truncated?: WireError;
  /** True when the payload is a quoted packet (ICMP errors): it is decoded with `quoted` set. */
  quotes?: boolean;
}

/** What `scan` finds: everything `decode` returns but the header object. */
export type Scanned = Omit<Decoded<object>, 'header'>;

/** A protocol's `decode` made of its `scan` and a read of the header (given what the scan found). */
export function scanThenRead<H extends object>(scan: (ctx: DecodeContext) => Scanned, read: (ctx: DecodeContext, scanned: Scanned) => H): (ctx: DecodeContext) => Decoded<H> {
  return (ctx) => {
    const decoded = scan(ctx) as Decoded<H>;
    decoded.header = read(ctx, decoded);
    return decoded;
  };
}

/**
 * A protocol's decodeX(bytes, offset, end): the layer scanned on its own (nothing below it), the
 * scan's error thrown, else the header read.
 */
export function decodeAlone<H>(
  scan: (ctx: DecodeContext) => Scanned,
  read: (ctx: DecodeContext, scanned: Scanned) => H,
  bytes: Uint8Array,
  offset: number,
  end: number,
  verifyChecksum = false,
): H {
  const ctx: DecodeContext = { bytes, offset, end, below: [], quoted: false, verifyChecksum };
  const scanned = scan(ctx);
  if (scanned.error !== undefined) throw scanned.error;
  return read(ctx, scanned);
}

/**
 * A protocol's decoder as the dissector sees it. `decode` throws a `WireError` when not even a
 * header can be read; `fields` writes tshark-named fields for a decoded header.
 *
 * `scan`, when a protocol has one, is the fast path: it validates exactly what `decode` validates
 * (same lengths, same errors, same next protocol) without building the header object, which
 * `decodePacket` then builds on first access. It must agree with `decode` on every input (a
 * differential test holds the two equal on fixtures and fuzzed packets).
 */
export interface Protocol<H extends object = object> {
  readonly name: string;
  decode(ctx: DecodeContext): Decoded<H>;
  scan?(ctx: DecodeContext): Scanned;
  fields(header: H, out: FieldSink, layer: Layer<H>): void;
  /**
   * The fields of a header too short (or too broken) to decode, as far as its captured bytes go:
   * called by `Packet.fields()` for the layer whose decoding threw, with the context it was
   * decoded in. tshark shows what it read before it ran out of bytes; this is the same.
   */
  partialFields?(ctx: DecodeContext, error: WireError, out: FieldSink): void;
}

/** Options every decoder sees. */
export interface DecodeOptions {
  /** Link type of the bytes: a pcap LINKTYPE number, `ethernet` (1, default) or `raw` (raw IP, 101). */
  linkType?: number | 'ethernet' | 'raw' | 'ipv4' | 'ipv6' | 'null' | 'loop' | 'linux_sll' | 'linux_sll2' | 'ppp' | 'ppp_hdlc' | 'c_hdlc' | 'ieee802_11' | 'ieee802_11_radiotap' | 'ppi' | 'nflog' | 'pflog' | 'ieee802_5' | 'fddi' | 'ieee802_11_prism' | 'ieee802_11_avs' | 'atm_rfc1483' | 'linux_atm_clip' | 'frelay' | 'ip_over_fc' | 'ipnet' | 'can_socketcan' | 'ppp_ether' | 'apple_ip_over_ieee1394';
  /** Which checksums to verify (default: all). */
  checksums?: ChecksumPolicy;
  /** Throw the first WireError instead of recording it in `packet.errors`. */
  strict?: boolean;
  /**
   * Build header objects on first access (default true): decoding then only walks and validates
   * the layers, and a header (addresses as text, parsed options) costs nothing until it is read.
   * `false` builds them all at once.
   */
  lazy?: boolean;
}

/** One layer of a frame to encode: the protocol's name and its header input. */
export interface LayerSpec {
  readonly name: string;
  readonly header: object;
}

export interface EncodeContext {
  /** Layers outside this one, outermost first, and inside it, nearest first. */
  readonly outer: readonly LayerSpec[];
  readonly inner: readonly LayerSpec[];
  /** The value that selects `protocol` in `table` (the ethertype of `ip`, the IP protocol of `tcp`). */
  codeFor(table: DissectorTable, protocol: string): number | undefined;
  /** Fill length and checksum fields the header leaves out (default true; false writes them as given, or 0). */
  readonly fill: boolean;
}

/**
 * A protocol's encoder as `encodeFrame` sees it. Frames are built in one buffer from the inside
 * out: the payload first, then each header in front of it, so every checksum sees its final bytes.
 */
export interface Encoder<H extends object = object> {
  readonly name: string;
  /** Bytes this header takes for this input. */
  headerLength(header: H): number;
  /** Bytes this layer adds after its payload (Ethernet padding and FCS); 0 when absent. */
  trailerLength?(header: H, payloadLength: number): number;
  /**
   * Writes the header at out[offset]; the payload (payloadLength bytes, inner headers included)
   * already sits right after it, and the trailer, if any, goes right after the payload.
   */
  emit(header: H, out: Uint8Array, offset: number, payloadLength: number, ctx: EncodeContext): void;
}
