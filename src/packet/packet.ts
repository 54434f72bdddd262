import type { WireError } from '../errors.js';
import { bytesField, FieldSink, type FieldMap } from './fields.js';
import type { Layer, Protocol } from './protocol.js';

/**
 * A decoded packet: its layers in order, the errors met while decoding (lenient mode), and the
 * innermost payload no registered protocol claimed.
 */
export class Packet {
  readonly bytes: Uint8Array;
  readonly layers: readonly Layer[];
  readonly errors: readonly WireError[];
  /** The innermost undecoded bytes (application data), a view into `bytes`. */
  readonly payload: Uint8Array;
  /**
   * Bytes after the end the upper layers' length fields give, up to the end of the link layer:
   * Ethernet padding of runt frames, or an FCS or trailer. Never part of any payload.
   */
  readonly trailer: Uint8Array;
  readonly #protocols: readonly Protocol[];
  #fields: FieldMap | undefined;

  constructor(
    bytes: Uint8Array,
    layers: Layer[],
    protocols: Protocol[],
    errors: WireError[],
    payload: Uint8Array,
    trailer: Uint8Array,
  ) {
    this.bytes = bytes;
    this.layers = layers;
    this.#protocols = protocols;
    this.errors = errors;
    this.payload = payload;
    this.trailer = trailer;
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
        this.#protocols[i]!.fields(layer.header, sink, layer);
      }
      addLinkTrailerFields(this.bytes, this.layers, sink);
      this.#fields = sink.map;
    }
    return this.#fields;
  }

  /** The protocol names, colon-joined, like tshark's `frame.protocols` (without `frame`). */
  get protocols(): string {
    return this.layers.map((l) => l.name).join(':');
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
