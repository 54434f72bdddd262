// The dissector: the one place that knows every protocol. It ties layers together through
// dissector tables (link type, ethertype, IP protocol, ports), so no protocol imports another and
// users can add their own with registerProtocol.
import { WireError } from './errors.js';
import { shouldVerify } from './packet/checksum-policy.js';
import { Packet } from './packet/packet.js';
import type { DecodeContext, DecodeOptions, DissectorTable, Layer, Next, Protocol, Scanned } from './packet/protocol.js';
import { ethernet } from './link/ethernet.js';
import { tcp } from './transport/tcp.js';
import { udp } from './transport/udp.js';
import { icmp } from './network/icmp.js';
import { icmpv6 } from './network/icmpv6.js';
import { ipv4 } from './network/ipv4.js';
import { ipv6 } from './network/ipv6.js';
import { ieee8021ad, vlan } from './link/vlan.js';
import { arp } from './link/arp.js';
import { nullLink } from './link/null.js';
import { sll, sll2 } from './link/sll.js';

const protocols = new Map<string, Protocol>();
const tables: Record<DissectorTable, Map<number, string>> = {
  linktype: new Map(),
  ethertype: new Map(),
  'ip.proto': new Map(),
  'udp.port': new Map(),
  'tcp.port': new Map(),
};

/** A binding of a protocol into a dissector table: `{ table: 'ethertype', value: 0x0800 }`. */
export interface TableBinding {
  table: DissectorTable;
  value: number;
}

/**
 * Adds a protocol (or replaces one of the same name) and binds it into dissector tables, so
 * `decodePacket` decodes it wherever a lower layer names it, and `fields()` shows its fields.
 *
 * @example
 * registerProtocol({
 *   name: 'myproto',
 *   decode: ({ bytes, offset, end }) => ({ header: { kind: bytes[offset] }, headerLength: 1 }),
 *   fields: (h, out) => out.add('myproto.kind', h.kind),
 * }, [{ table: 'udp.port', value: 9999 }]);
 */
export function registerProtocol<H extends object>(protocol: Protocol<H>, bindings: readonly TableBinding[] = []): void {
  protocols.set(protocol.name, protocol as unknown as Protocol);
  for (const { table, value } of bindings) tables[table].set(value, protocol.name);
}

/** The value that selects `protocol` in `table` (e.g. ethertype of `ip` = 0x0800), if bound. */
export function tableValueOf(table: DissectorTable, protocol: string): number | undefined {
  for (const [value, name] of tables[table]) if (name === protocol) return value;
  return undefined;
}

export function protocolNamed(name: string): Protocol | undefined {
  return protocols.get(name);
}

const LINK_TYPES: Record<string, number> = { ethernet: 1, raw: 101, ipv4: 228, ipv6: 229 };
const RAW_IP = 101;

/** Nested tunnels or quoted packets deeper than this are left undecoded (a crafted packet could loop). */
const MAX_LAYERS = 32;

function resolve(next: Next): Protocol | undefined {
  if ('protocol' in next) return protocols.get(next.protocol);
  const table = tables[next.table];
  const name = table.get(next.value) ?? (next.alt === undefined ? undefined : table.get(next.alt));
  return name === undefined ? undefined : protocols.get(name);
}

function firstNext(bytes: Uint8Array, linkType: number): Next | undefined {
  if (linkType === RAW_IP) {
    // Raw IP carries no link header: the version nibble says which IP it is.
    const version = bytes.length > 0 ? bytes[0]! >>> 4 : 0;
    return version === 4 ? { protocol: 'ip' } : version === 6 ? { protocol: 'ipv6' } : undefined;
  }
  return { table: 'linktype', value: linkType };
}

/**
 * A layer whose header object is built on first access, by the protocol's full decoder, with the
 * context it was scanned in (the layers below it as they were then). The getter is an own,
 * enumerable property, so the layer still reads, compares and serialises like a plain object.
 */
function lazyLayer(
  protocol: Protocol,
  ctx: DecodeContext,
  all: Layer[],
  index: number,
  length: number,
  payloadOffset: number,
  payloadLength: number,
): Layer {
  let header: object | undefined;
  return {
    name: protocol.name,
    offset: ctx.offset,
    length,
    payloadOffset,
    payloadLength,
    get header(): object {
      return (header ??= protocol.decode({ ...ctx, below: all.slice(0, index) }).header);
    },
  };
}

/**
 * Decodes one packet through every layer wirekit knows, lenient by default: a truncated or
 * malformed layer is decoded as far as its bytes allow, recorded in `packet.errors`, and decoding
 * stops there. With `strict: true` the first problem throws its `WireError` instead.
 *
 * @example
 * const p = decodePacket(frame);
 * p.layers.map((l) => l.name);      // ['eth', 'ip', 'tcp']
 * p.fields()['tcp.dstport'];        // 80
 * decodePacket(ipBytes, { linkType: 'raw', checksums: { tcp: false } });
 */
export function decodePacket(bytes: Uint8Array, options: DecodeOptions = {}): Packet {
  const rawLink = options.linkType ?? 1;
  const linkType = typeof rawLink === 'number' ? rawLink : LINK_TYPES[rawLink];
  if (linkType === undefined) {
    throw new WireError('unsupported', `unknown link type '${String(rawLink)}'`, { layer: 'frame' });
  }
  const layers: Layer[] = [];
  const used: Protocol[] = [];
  const errors: WireError[] = [];
  let offset = 0;
  let end = bytes.length;
  let quoted = false;
  const lazy = options.lazy !== false;
  let next = firstNext(bytes, linkType);

  while (next !== undefined && layers.length < MAX_LAYERS) {
    const protocol = resolve(next);
    if (protocol === undefined) break;
    const ctx: DecodeContext = {
      bytes,
      offset,
      end,
      below: layers,
      quoted,
      verifyChecksum: shouldVerify(options.checksums, protocol.name),
    };
    let decoded: Scanned & { header?: object };
    const scan = lazy ? protocol.scan : undefined;
    try {
      decoded = scan !== undefined ? scan.call(protocol, ctx) : protocol.decode(ctx);
    } catch (cause) {
      const error =
        cause instanceof WireError
          ? cause
          : new WireError('internal', `decoder failed: ${(cause as Error)?.message ?? cause}`, {
              layer: protocol.name,
              offset,
              cause,
            });
      if (options.strict) throw error;
      errors.push(error);
      break;
    }
    const payloadOffset = offset + decoded.headerLength;
    const payloadEnd = Math.min(decoded.payloadEnd ?? end, end);
    const payloadLength = Math.max(0, payloadEnd - payloadOffset);
    if (scan === undefined) {
      layers.push({ name: protocol.name, header: decoded.header!, offset, length: decoded.headerLength, payloadOffset, payloadLength });
    } else {
      layers.push(lazyLayer(protocol, ctx, layers, layers.length, decoded.headerLength, payloadOffset, payloadLength));
    }
    used.push(protocol);
    if (decoded.truncated !== undefined) {
      if (options.strict) throw decoded.truncated;
      errors.push(decoded.truncated);
    }
    if (decoded.error !== undefined) {
      if (options.strict) throw decoded.error;
      errors.push(decoded.error);
      offset = Math.min(payloadOffset, end);
      end = Math.max(offset, payloadEnd);
      break;
    }
    offset = payloadOffset;
    end = Math.max(offset, payloadEnd);
    if (decoded.quotes) quoted = true;
    next = decoded.next;
  }
  const payload = bytes.subarray(offset, end);
  // Whatever follows the innermost length-trimmed end is padding or a trailer (an FCS, say):
  // never payload. Packet.fields() splits it the way Wireshark does.
  const trailer = bytes.subarray(Math.min(end, bytes.length));
  return new Packet(bytes, layers, used, errors, payload, trailer);
}

registerProtocol(ethernet, [{ table: 'linktype', value: 1 }]);
registerProtocol(ipv4, [{ table: 'ethertype', value: 0x0800 }, { table: 'linktype', value: 228 }, { table: 'ip.proto', value: 4 }]);
registerProtocol(ipv6, [{ table: 'ethertype', value: 0x86dd }, { table: 'linktype', value: 229 }, { table: 'ip.proto', value: 41 }]);
registerProtocol(vlan, [{ table: 'ethertype', value: 0x8100 }, { table: 'ethertype', value: 0x9100 }]);
registerProtocol(ieee8021ad, [{ table: 'ethertype', value: 0x88a8 }]);
registerProtocol(arp, [{ table: 'ethertype', value: 0x0806 }]);
registerProtocol(icmp, [{ table: 'ip.proto', value: 1 }]);
registerProtocol(icmpv6, [{ table: 'ip.proto', value: 58 }]);
registerProtocol(udp, [{ table: 'ip.proto', value: 17 }]);
registerProtocol(tcp, [{ table: 'ip.proto', value: 6 }]);
registerProtocol(nullLink, [{ table: 'linktype', value: 0 }, { table: 'linktype', value: 108 }]);
registerProtocol(sll, [{ table: 'linktype', value: 113 }]);
registerProtocol(sll2, [{ table: 'linktype', value: 276 }]);
