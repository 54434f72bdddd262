import type { WireError } from '../errors.js';
import { FieldSink, type FieldMap } from './fields.js';
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
      this.#fields = sink.map;
    }
    return this.#fields;
  }

  /** The protocol names, colon-joined, like tshark's `frame.protocols` (without `frame`). */
  get protocols(): string {
    return this.layers.map((l) => l.name).join(':');
  }
}
