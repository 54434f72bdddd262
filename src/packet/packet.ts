import type { WireError } from '../errors.js';
import { bytesField, FieldSink, type FieldMap } from './fields.js';
import { capturedLength } from './partial.js';
import type { DecodeContext, Decoded, Layer, Next, Protocol, Scanned } from './protocol.js';

/**
 * A decoded packet: its layers in order, the errors met while decoding (lenient mode), and the
 * innermost payload no registered protocol claimed.
 */
export class Packet {
  readonly bytes: Uint8Array;
  readonly layers: readonly Layer[];
  readonly errors: readonly WireError[];
  readonly #protocols: readonly Protocol[] | undefined;
  readonly #payloadStart: number;
  readonly #payloadEnd: number;
  #payload: Uint8Array | undefined;
  #trailer: Uint8Array | undefined;
  #fields: FieldMap | undefined;
  readonly #partial: PartialLayer | undefined;

  /**
   * `protocols` are the layers' protocols, in order (`LazyLayer`s know theirs: it may be left out
   * when every layer is one). `payloadStart` and `payloadEnd` bound the innermost undecoded bytes;
   * the trailer is what follows them. Both views are made on first access (a `subarray` costs more
   * than the rest of a small packet's bookkeeping).
   */
  constructor(bytes: Uint8Array, layers: Layer[], protocols: Protocol[] | undefined, errors: WireError[], payloadStart: number, payloadEnd: number, partial?: PartialLayer) {
    this.bytes = bytes;
    this.layers = layers;
    this.#protocols = protocols;
    this.errors = errors;
    this.#payloadStart = payloadStart;
    this.#payloadEnd = payloadEnd;
    this.#partial = partial;
  }

  /**
   * The header decoding stopped in, when its protocol shows part of one (its fields are in
   * `fields()` as far as they were captured, as tshark shows them; it is not in `layers`, whose
   * headers are whole): its name, offset and the bytes there were of it.
   */
  get partial(): { name: string; offset: number; captured: number } | undefined {
    const p = this.#partial;
    return p === undefined ? undefined : { name: p.protocol.name, offset: p.ctx.offset, captured: capturedLength(p.ctx) };
  }

  /** The innermost undecoded bytes (application data), a view into `bytes`. */
  get payload(): Uint8Array {
    return (this.#payload ??= this.bytes.subarray(this.#payloadStart, this.#payloadEnd));
  }

  /**
   * Bytes after the end the upper layers' length fields give, up to the end of the link layer:
   * Ethernet padding of runt frames, or an FCS or trailer. Never part of any payload.
   */
  get trailer(): Uint8Array {
    return (this.#trailer ??= this.bytes.subarray(Math.min(this.#payloadEnd, this.bytes.length)));
  }

  /** The first layer with this name (`ip`, `tcp`, ...), if any. */
  layer<H extends object = Record<string, unknown>>(name: string): Layer<H> | undefined {
    return this.layers.find((l) => l.name === name) as Layer<H> | undefined;
  }

  /**
   * Every field keyed by its Wireshark display-filter name (`eth.src`, `ip.ttl`, `tcp.flags.syn`),
   * valued as tshark prints it. A field met more than once (two VLAN tags, the IP header quoted in
   * an ICMP error) holds an array of its values in order.
   */
  fields(): FieldMap {
    if (this.#fields === undefined) {
      const sink = new FieldSink();
      for (let i = 0; i < this.layers.length; i++) {
        const layer = this.layers[i]!;
        (this.#protocols?.[i] ?? LazyLayer.protocolOf(layer)!).fields(layer.header, sink, layer);
      }
      const partial = this.#partial;
      if (partial !== undefined) partial.protocol.partialFields!(partial.ctx, partial.error, sink);
      addLinkTrailerFields(this.bytes, this.layers, sink);
      this.#fields = sink.map;
    }
    return this.#fields;
  }

  /**
   * This packet without what was decoded above its first layer named `name` (the layers over it, a
   * header cut there, their errors): that layer's payload becomes the packet's. For bytes an
   * upper protocol must read across packets (a message split over TCP segments). The packet
   * itself when it has no such layer.
   *
   * @example
   * decodePacket(segment).upTo('tcp').protocols; // 'eth:ip:tcp'
   */
  upTo(name: string): Packet {
    const i = this.layers.findIndex((l) => l.name === name);
    if (i < 0) return this;
    const layer = this.layers[i]!;
    const above = new Set(this.layers.slice(i + 1).map((l) => l.name));
    if (this.#partial !== undefined) above.add(this.#partial.protocol.name);
    const errors = this.errors.filter((e) => e.layer === undefined || !above.has(e.layer));
    const end = layer.payloadOffset + layer.payloadLength;
    return new Packet(this.bytes, this.layers.slice(0, i + 1), this.#protocols?.slice(0, i + 1), errors, layer.payloadOffset, end);
  }

  /** The protocol names, colon-joined, like tshark's `frame.protocols` (without `frame`). */
  get protocols(): string {
    const names = this.layers.map((l) => l.name);
    if (this.#partial !== undefined) names.push(this.#partial.protocol.name);
    return names.join(':');
  }
}

/** A header decoding stopped in: its protocol (one with `partialFields`), the context it was decoded in, and why it stopped. */
export interface PartialLayer {
  readonly protocol: Protocol;
  readonly ctx: DecodeContext;
  readonly error: WireError;
}

const INDEX = 0xff;
const QUOTED = 0x100;
const VERIFY = 0x200;

/**
 * A layer whose header object is built on first access, by the protocol's full decoder, with the
 * context it was scanned in (the layers below it as they were then), and kept.
 *
 * `header` is a getter on the prototype, so it is not among the layer's own keys (`Object.keys`,
 * spread and deep-equality helpers do not see it); `toJSON` puts it back, so `JSON.stringify`
 * shows the layer as the eager path's plain object. The plain-object form would need an own
 * accessor per layer, and V8 turns every object with one (an object literal with a getter, or
 * `Object.defineProperty`) into a dictionary: ~1-3 µs per layer in bench/packets.mjs, more than
 * all the rest of decoding a packet; a class instance costs ~30 ns.
 */
export class LazyLayer implements Layer {
  readonly name: string;
  readonly offset: number;
  readonly length: number;
  readonly payloadOffset: number;
  readonly payloadLength: number;
  readonly #protocol: Protocol;
  /** The packet's bytes, and its layer list (this layer and those below it are read, and never change). */
  readonly #bytes: Uint8Array;
  readonly #layers: readonly Layer[];
  /** This layer's index, and whether it was scanned quoted and with checksums on: `index | QUOTED | VERIFY`. */
  readonly #state: number;
  #header: object | undefined;

  /** `state` bit: the layer was scanned inside a quoted packet. */
  static readonly QUOTED = QUOTED;
  /** `state` bit: the layer's checksum is to be verified when its header is built. */
  static readonly VERIFY = VERIFY;

  /**
   * `bytes` is the packet, `layers` the packet's layer list, to which this layer is pushed next;
   * `state` is this layer's index in that list with the `QUOTED` and `VERIFY` bits it was scanned with.
   */
  constructor(protocol: Protocol, bytes: Uint8Array, layers: readonly Layer[], offset: number, state: number, length: number, payloadOffset: number, payloadLength: number) {
    this.name = protocol.name;
    this.offset = offset;
    this.length = length;
    this.payloadOffset = payloadOffset;
    this.payloadLength = payloadLength;
    this.#protocol = protocol;
    this.#bytes = bytes;
    this.#layers = layers;
    this.#state = state;
  }

  /** The protocol of a `LazyLayer`: the one that scanned it, decodes its header and gives its fields. */
  static protocolOf(layer: Layer): Protocol | undefined {
    return #protocol in layer ? layer.#protocol : undefined;
  }

  get header(): object {
    if (this.#header === undefined) {
      const bytes = this.#bytes;
      const layers = this.#layers;
      const index = this.#state & INDEX;
      // The end this layer was scanned with: where the layer below's payload ends, as the
      // dissector trims it (or the packet's end under the first layer).
      const under = index === 0 ? undefined : layers[index - 1]!;
      const ctx: DecodeContext = {
        bytes,
        offset: this.offset,
        end: under === undefined ? bytes.length : under.payloadOffset + under.payloadLength,
        below: layers.slice(0, index),
        quoted: (this.#state & QUOTED) !== 0,
        verifyChecksum: (this.#state & VERIFY) !== 0,
      };
      this.#header = this.#protocol.decode(ctx).header;
    }
    return this.#header;
  }

  toJSON(): Layer {
    return { name: this.name, header: this.header, offset: this.offset, length: this.length, payloadOffset: this.payloadOffset, payloadLength: this.payloadLength };
  }
}

/**
 * The field that names a trailer after the payload of each layer that dispatches by ethertype,
 * as Wireshark's dissectors pass it to their shared trailer code (packet-eth.c,
 * packet-vlan.c, packet-ieee8021ah.c).
 */
const TRAILER_FIELD: Record<string, string> = { eth: 'eth.trailer', vlan: 'vlan.trailer', ieee8021ad: 'ieee8021ah.trailer' };
/** IEEE 802.3 clause 4.4.2: the minimum frame is 64 bytes with the FCS, 60 without. */
const MIN_FRAME = 60;

/**
 * Ethernet padding, trailer and a presumed FCS, split as tshark 4.0 splits them
 * (add_ethernet_trailer in packet-eth.c), so `fields()` shows `eth.padding`, `eth.trailer`
 * (`vlan.trailer` after a VLAN tag) and `eth.fcs` where tshark does.
 *
 * The trailer is what follows the part of the frame the innermost Ethernet or VLAN header's
 * payload claims: the next layer's own length (an IP total length, an ARP packet's size) or an
 * 802.3 length field. Of a frame of at least 60 bytes whose content ends before 60, the bytes up
 * to 60 are padding if all are zero. Then, only when Ethernet itself dispatched the payload (VLAN
 * dissectors declare no FCS) and the frame is at least 64 bytes, the last 4 bytes of what remains
 * are taken for an FCS, unverified, as tshark's default "FCS unknown" does. The rest is trailer.
 */
function addLinkTrailerFields(bytes: Uint8Array, layers: readonly Layer[], sink: FieldSink): void {
  if (layers.length === 0 || layers[0]!.name !== 'eth') return;
  let d = 0;
  while (d + 1 < layers.length && TRAILER_FIELD[layers[d + 1]!.name] !== undefined) d++;
  const link = layers[d]!;
  const next = layers[d + 1];
  const claimedEnd = next !== undefined ? next.payloadOffset + next.payloadLength : link.payloadOffset + link.payloadLength;
  const frameLength = bytes.length;
  const trailerStart = Math.max(link.payloadOffset, claimedEnd);
  const trailerLength = frameLength - trailerStart;
  if (trailerLength <= 0) return;
  let padding = 0;
  if (frameLength >= MIN_FRAME && trailerStart < MIN_FRAME) {
    padding = MIN_FRAME - trailerStart;
    for (let i = trailerStart; i < trailerStart + padding; i++) {
      if (bytes[i] !== 0) {
        padding = 0;
        break;
      }
    }
  }
  if (padding > 0) sink.add('eth.padding', bytesField(bytes.subarray(trailerStart, trailerStart + padding)));
  let rest = trailerLength - padding;
  const ethHeader = layers[0]!.header as { fcs?: number };
  const fcs = d === 0 && ethHeader.fcs === undefined && frameLength >= MIN_FRAME + 4 && rest >= 4;
  if (fcs) rest -= 4;
  if (rest > 0) sink.add(TRAILER_FIELD[link.name]!, bytesField(bytes.subarray(trailerStart + padding, trailerStart + padding + rest)));
  if (fcs) {
    const at = frameLength - 4;
    // tshark reads a presumed FCS big-endian (tvb_get_ntohl), whatever its wire order.
    sink.add('eth.fcs', ((bytes[at]! << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!) >>> 0);
    sink.add('eth.fcs.status', 'unverified');
  }
}

/**
 * A `Scanned` in the one shape every built-in protocol's `scan` and `decode` return: all six
 * fields, in this order, absent ones `undefined`. The dissector reads them for every layer, and
 * results of one shape keep those reads monomorphic (a result of its own shape per protocol made
 * them megamorphic).
 */
export function scanned(
  headerLength: number,
  payloadEnd?: number,
  next?: Next,
  error?: WireError,
  truncated?: WireError,
  quotes?: boolean,
): Scanned {
  return { headerLength, payloadEnd, next, error, truncated, quotes };
}

/**
 * A protocol's `decode` made of its `scan` and its header decoder (bytes, offset, end): the scan's
 * result with the header added, for protocols whose header decoder repeats the scan's checks.
 */
export function decodeByScan<H extends object>(scan: (ctx: DecodeContext) => Scanned, header: (bytes: Uint8Array, offset: number, end: number) => H): (ctx: DecodeContext) => Decoded<H> {
  return (ctx) => {
    const decoded = scan(ctx) as Decoded<H>;
    decoded.header = header(ctx.bytes, ctx.offset, ctx.end);
    return decoded;
  };
}

/** `result` with `header` added when there is one: how a decoder that shares its checks with `scan` returns. */
export function withHeader<H extends object>(result: Scanned, header: H | undefined): Scanned & { header?: H } {
  if (header !== undefined) (result as Scanned & { header?: H }).header = header;
  return result;
}
