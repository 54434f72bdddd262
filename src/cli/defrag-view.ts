// IP reassembly for `wirekit decode`, as tshark shows it with ip.defragment and ipv6.defragment on
// (its defaults) in its default single pass: a fragment's frame shows its IP header and no upper
// layer (tshark: `data`); the frame that completes a datagram shows its own IP header, tshark's
// reassembly fields (ip.fragment, ip.fragment.count, ip.reassembled.length, ...; ipv6.* for IPv6)
// and the upper layers decoded from the reassembled datagram. Earlier fragments cannot name the
// frame that will complete them (tshark's ip.reassembled_in needs its two-pass mode, -2), so a
// streaming decoder does not print it either.
import {
  decodePacket,
  IpDefragmenter,
  Packet,
  protocolNamed,
  type CaptureRecord,
  type DefragComplete,
  type FieldSink,
  type Layer,
  type Protocol,
  type WireError,
} from 'wirekit';
import type { FieldRecorder } from './field-recorder.js';


const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** Bytes as tshark's -T json prints a byte field: colon-separated hex. */
function hexField(bytes: Uint8Array): string {
  const parts = new Array<string>(bytes.length);
  for (let i = 0; i < bytes.length; i++) parts[i] = HEX[bytes[i]!]!;
  return parts.join(':');
}

/** The frame that completed a datagram: what its fields are made of. */
interface Reassembled {
  /** The packet `view` returned for it. */
  packet: Packet;
  /** The frame's layers up to its IP layer (and the frame's errors there). */
  lower: Packet;
  /** The layers above IP decoded from the reassembled datagram, with their protocols. */
  upper: Layer[];
  upperProtocols: (Protocol | undefined)[];
  result: DefragComplete;
}

/**
 * One per `decode` run: `view` feeds each packet's IP layer to an `IpDefragmenter` and returns
 * the packet to show (the same one when it is not a fragment); `record` records its fields,
 * reassembly fields included, in tshark's order (after the IP header's fields, before the upper
 * layers').
 */
export class DefragView {
  // Overlapping IPv4 fragments as tshark assembles them (the lower offset's bytes win).
  readonly #defrag = new IpDefragmenter({ ipv4Overlap: 'tshark' });
  #reassembled: Reassembled | undefined;

  /** The packet to show for frame `number` (`packet` itself unless it is an IP fragment). */
  view(packet: Packet, record: CaptureRecord, number: number): Packet {
    this.#reassembled = undefined;
    const layers = packet.layers;
    let at = -1;
    for (let i = 0; i < layers.length; i++) {
      const name = layers[i]!.name;
      if (name === 'ip' || name === 'ipv6') {
        at = i;
        break;
      }
    }
    if (at < 0) return packet;
    const ip = layers[at]!;
    const bytes = packet.bytes;
    // Cheap tests first: an IPv4 header with neither MF nor an offset, an IPv6 header with no
    // extension headers, is not a fragment (most packets stop here).
    const plain = ip.name === 'ip' ? (((bytes[ip.offset + 6]! << 8) | bytes[ip.offset + 7]!) & 0x3fff) === 0 : ip.length === 40;
    if (plain) return packet;
    const end = Math.min(bytes.length, ip.payloadOffset + ip.payloadLength);
    const result = this.#defrag.push(bytes.subarray(ip.offset, end), record.timestamp, number);
    if (result.status === 'not-fragment') return packet;
    const lower = lowerPart(packet, at);
    if (result.status !== 'complete') return lower;
    const inner = decodePacket(result.packet, { linkType: 'raw' });
    const upper = inner.layers.slice(1);
    const upperProtocols = upper.map((l) => protocolNamed(l.name));
    const errors: WireError[] = [...lower.errors, ...inner.errors.filter((e) => e.layer !== 'ip' && e.layer !== 'ipv6')];
    // The bytes stay the frame's (link-layer trailer fields come from them); the payload range is
    // the fragment's data in it (the reassembled data is in the upper layers' own bytes), or empty
    // where the upper layers took the whole datagram (no data left over for tshark's data dissector).
    const shown = new Packet(bytes, [...layers.slice(0, at + 1), ...upper], [...protocolsOf(layers, at), ...upperProtocols] as Protocol[], errors, inner.payload.length === 0 ? end : ip.payloadOffset, end);
    this.#reassembled = { packet: shown, lower, upper, upperProtocols, result };
    return shown;
  }

  /** Records `packet`'s fields (the one `view` just returned) into `recorder`. */
  record(recorder: FieldRecorder, packet: Packet): void {
    const r = this.#reassembled;
    if (r === undefined || r.packet !== packet) {
      recorder.record(packet);
      return;
    }
    recorder.record(r.lower);
    reassemblyFields(r.result, recorder);
    for (let i = 0; i < r.upper.length; i++) {
      const layer = r.upper[i]!;
      const protocol = r.upperProtocols[i];
      if (protocol !== undefined) protocol.fields(layer.header, recorder, layer);
    }
  }
}

function protocolsOf(layers: readonly Layer[], at: number): (Protocol | undefined)[] {
  return layers.slice(0, at + 1).map((l) => protocolNamed(l.name));
}

/** `packet` cut after its IP layer (index `at`): how a fragment's frame shows. */
function lowerPart(packet: Packet, at: number): Packet {
  const layers = packet.layers.slice(0, at + 1);
  const ip = layers[at]!;
  const names = new Set(packet.layers.slice(at + 1).map((l) => l.name));
  // What decoding the fragment's own bytes above IP found (a header it cut) is no error of the frame.
  const errors = packet.errors.filter((e) => !names.has(e.layer) && !(e.offset !== undefined && e.offset >= ip.payloadOffset));
  return new Packet(packet.bytes, layers, protocolsOf(packet.layers, at) as Protocol[], errors, ip.payloadOffset, Math.min(packet.bytes.length, ip.payloadOffset + ip.payloadLength));
}

/**
 * tshark's reassembly fields, as its -T json shows them: the frames of the fragments by offset
 * (arrival order among equals), a mark on each that overlapped earlier data, conflicting ones
 * listed apart as errors, then the count, the reassembled length and data.
 */
function reassemblyFields(r: DefragComplete, out: FieldSink): void {
  const p = r.datagram.version === 4 ? 'ip' : 'ipv6';
  const fragments = [...r.fragments].sort((a, b) => a.offset - b.offset);
  for (const f of fragments) {
    if (f.conflict) continue;
    if (f.tag !== undefined) out.add(`${p}.fragment`, f.tag);
    if (f.overlap) out.add(`${p}.fragment.overlap`, 1);
  }
  for (const f of fragments) {
    if (!f.conflict) continue;
    if (f.tag !== undefined) out.add(`${p}.fragment.error`, f.tag);
    out.add(`${p}.fragment.overlap`, 1);
    out.add(`${p}.fragment.overlap.conflict`, 1);
  }
  out.add(`${p}.fragment.count`, r.fragments.length);
  const data = r.packet.subarray(r.headerLength);
  out.add(`${p}.reassembled.length`, data.length);
  out.add(`${p}.reassembled.data`, hexField(data));
}
