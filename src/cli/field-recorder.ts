// The fields of one packet, recorded flat. `Packet.fields()` builds an object keyed by field name
// per packet; with ~60 names per packet those keyed stores dominate `decode --json` (measured: 3x
// slower than decoding). Here each field is one slot lookup (a Map hit on an interned name) and
// two array stores, into arrays reused for every packet. Names seen twice in a packet (both ports,
// both addresses) are grouped when the fields are read back, as `fields()` groups them.
import { arp, ethernet, FieldSink, icmp, icmpv6, ieee8021ad, ipv4, ipv6, nullLink, sll, sll2, tcp, udp, vlan, type FieldValue, type Packet, type Protocol } from 'wirekit';

/** What is known about one field name: its JSON key bytes, and its count in the current packet. */
export interface FieldSlot {
  readonly name: string;
  /** `"name":` as UTF-8. */
  readonly key: Uint8Array;
  /** Packet stamp when `count` was last reset. */
  stamp: number;
  /** Times the name was added in the packet of `stamp`. */
  count: number;
  /** Packet stamp when the name was last written out (so a repeated name is written once). */
  written: number;
}

/**
 * The protocols wirekit registers by default, by layer name: their `fields` write straight into a
 * recorder. (The dissector's own name lookup is not exported; a layer of any other protocol, one a
 * user registered, takes the `fields()` path.)
 */
const BUILT_IN: ReadonlyMap<string, Protocol> = new Map(
  ([nullLink, sll, sll2, ethernet, vlan, ieee8021ad, arp, ipv4, ipv6, icmp, icmpv6, tcp, udp] as unknown as Protocol[]).map((p) => [p.name, p]),
);

const encoder = new TextEncoder();

/**
 * A FieldSink that records fields in order instead of building a map. Reused for every packet:
 * `record` resets it.
 */
export class FieldRecorder extends FieldSink {
  readonly #slots = new Map<string, FieldSlot>();
  /** Slot and value of each field added, in order; valid up to `length`. */
  readonly slots: FieldSlot[] = [];
  readonly values: FieldValue[] = [];
  length = 0;
  stamp = 0;

  override add(name: string, value: FieldValue): void {
    let slot = this.#slots.get(name);
    if (slot === undefined) {
      slot = { name, key: encoder.encode(`${JSON.stringify(name)}:`), stamp: 0, count: 0, written: 0 };
      this.#slots.set(name, slot);
    }
    if (slot.stamp === this.stamp) slot.count++;
    else {
      slot.stamp = this.stamp;
      slot.count = 1;
    }
    this.slots[this.length] = slot;
    this.values[this.length++] = value;
  }

  /**
   * Records every field of `packet`, in the order `packet.fields()` gives them. Packets whose
   * layers all come from wirekit's built-in protocols and that carry no link trailer (padding,
   * FCS) and no cut header (`packet.partial`) are recorded directly; others go through `fields()`
   * so nothing is missed.
   */
  /** No fields for the next packet (a record that holds none, such as a pcapng Custom Block). */
  clear(): void {
    this.length = 0;
    this.stamp++;
  }

  record(packet: Packet): void {
    this.length = 0;
    this.stamp++;
    const layers = packet.layers;
    // A header cut too short to decode shows through fields() (its protocol's partialFields).
    let direct = packet.trailer.length === 0 && packet.partial === undefined;
    for (let i = 0; direct && i < layers.length; i++) if (!BUILT_IN.has(layers[i]!.name)) direct = false;
    if (direct) {
      for (let i = 0; i < layers.length; i++) {
        const layer = layers[i]!;
        BUILT_IN.get(layer.name)!.fields(layer.header, this, layer);
      }
      return;
    }
    const map = packet.fields();
    for (const name in map) {
      const value = map[name]!;
      if (Array.isArray(value)) for (const v of value) this.add(name, v);
      else this.add(name, value);
    }
  }

  /** The value(s) of a field in the current packet, as `fields()[name]` would give them. */
  get(name: string): FieldValue | FieldValue[] | undefined {
    const slot = this.#slots.get(name);
    if (slot === undefined || slot.stamp !== this.stamp) return undefined;
    let found: FieldValue[] | undefined;
    for (let i = 0; i < this.length; i++) {
      if (this.slots[i] !== slot) continue;
      if (slot.count === 1) return this.values[i];
      (found ??= []).push(this.values[i]!);
    }
    return found;
  }
}
