// What a display filter sees of one packet: its recorded fields plus the `frame.*` fields of the
// JSON output. One instance is reused for every packet (no object or closure per packet).
import type { CaptureRecord, FieldValue, Packet } from 'wirekit';
import type { FieldRecorder } from './field-recorder.js';
import type { FilterRecord } from './filter.js';

export class PacketView implements FilterRecord {
  number = 0;
  record!: CaptureRecord;
  packet!: Packet;
  /** tshark's frame.protocols of the packet (frame-protocols.ts). */
  protocols = '';
  readonly #fields: FieldRecorder;

  /** @param fields the recorder holding the current packet's fields (filled by the caller). */
  constructor(fields: FieldRecorder) {
    this.#fields = fields;
  }

  /** Points the view at the next packet. */
  set(number: number, record: CaptureRecord, packet: Packet, protocols: string): void {
    this.number = number;
    this.record = record;
    this.packet = packet;
    this.protocols = protocols;
  }

  field(name: string): FieldValue | FieldValue[] | undefined {
    const value = this.#fields.get(name);
    if (value !== undefined || !name.startsWith('frame.')) return value;
    switch (name) {
      case 'frame.number':
        return this.number;
      case 'frame.len':
        return this.record.originalLength;
      case 'frame.cap_len':
        return this.record.capturedLength;
      case 'frame.interface_id':
        return this.record.interfaceId;
      case 'frame.protocols':
        return this.protocols;
      case 'frame.time_epoch': {
        const t = this.record.timestamp;
        return Number(t / 1_000_000_000n) + Number(t % 1_000_000_000n) / 1e9;
      }
      case 'frame.comment':
        return this.record.comment;
      default:
        return undefined;
    }
  }

  hasProtocol(name: string): boolean {
    if (name === 'frame') return true;
    const layers = this.packet.layers;
    for (let i = 0; i < layers.length; i++) if (layers[i]!.name === name) return true;
    // A header cut short that tshark still names (and shows in part): a CDP or DNS header, say.
    if (this.packet.partial?.name === name) return true;
    // AH over IPv6 is read in the IPv6 layer's extension chain; tshark names it a protocol all the same.
    if (name === 'ah') {
      for (const l of layers) if (l.name === 'ipv6' && (l.header as { extensions?: { type: number }[] }).extensions?.some((e) => e.type === 51)) return true;
    }
    // The dissectors frame.protocols names beyond the layers (http, tls, data, data-text-lines,
    // wlan_radio, ...); tshark's ethertype and raw are no filter fields.
    return name !== 'ethertype' && name !== 'raw' && this.protocols.split(':').includes(name);
  }
}
