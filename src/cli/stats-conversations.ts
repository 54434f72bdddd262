// Conversations: traffic between two IP addresses, and between two TCP or UDP endpoints (the
// 5-tuple), in both directions. Endpoint A is the source of the first packet seen, as in tshark's
// conversation tables; bytes are frame lengths.
import type { Ipv4Header, Ipv6Header, Packet, TcpHeader, UdpHeader } from 'wirekit';
import { formatRelative } from './summary.js';
import { formatTable } from './table.js';

interface Conversation {
  a: string;
  b: string;
  framesAB: number;
  bytesAB: number;
  framesBA: number;
  bytesBA: number;
  /** Nanoseconds since the first packet of the capture. */
  start: bigint;
  end: bigint;
}

class ConversationTable {
  readonly #byKey = new Map<string, Conversation>();

  add(src: string, dst: string, bytes: number, time: bigint): void {
    const key = src < dst ? `${src}\u0000${dst}` : `${dst}\u0000${src}`;
    let c = this.#byKey.get(key);
    if (c === undefined) {
      c = { a: src, b: dst, framesAB: 0, bytesAB: 0, framesBA: 0, bytesBA: 0, start: time, end: time };
      this.#byKey.set(key, c);
    }
    if (src === c.a) {
      c.framesAB++;
      c.bytesAB += bytes;
    } else {
      c.framesBA++;
      c.bytesBA += bytes;
    }
    if (time > c.end) c.end = time;
  }

  /** Most packets first, then earliest. */
  sorted(): Conversation[] {
    return [...this.#byKey.values()].sort((x, y) => y.framesAB + y.framesBA - (x.framesAB + x.framesBA) || (x.start < y.start ? -1 : x.start > y.start ? 1 : 0));
  }
}

const COLUMNS = [
  { title: 'Address A', align: 'left' },
  { title: 'Address B', align: 'left' },
  { title: 'Frames A→B', align: 'right' },
  { title: 'Bytes A→B', align: 'right' },
  { title: 'Frames B→A', align: 'right' },
  { title: 'Bytes B→A', align: 'right' },
  { title: 'Frames', align: 'right' },
  { title: 'Bytes', align: 'right' },
  { title: 'Start', align: 'right' },
  { title: 'Duration', align: 'right' },
] as const;

function formatConversations(title: string, conversations: Conversation[], firstColumn?: { title: string; cells: string[] }): string {
  const rows = conversations.map((c) => [
    c.a,
    c.b,
    String(c.framesAB),
    String(c.bytesAB),
    String(c.framesBA),
    String(c.bytesBA),
    String(c.framesAB + c.framesBA),
    String(c.bytesAB + c.bytesBA),
    formatRelative(c.start, 9),
    formatRelative(c.end - c.start, 6),
  ]);
  const columns = firstColumn === undefined ? [...COLUMNS] : [{ title: firstColumn.title, align: 'left' as const }, ...COLUMNS];
  const body = firstColumn === undefined ? rows : rows.map((r, i) => [firstColumn.cells[i]!, ...r]);
  return `${title}\n${conversations.length === 0 ? '(none)\n' : formatTable(columns, body)}`;
}

/** An endpoint as `address:port`, with IPv6 addresses bracketed (RFC 3986) so the port stays readable. */
const endpoint = (address: string, port: number) => (address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`);

/** The IP-pair and 5-tuple conversation tables of one capture. */
export class Conversations {
  readonly #ip = new ConversationTable();
  readonly #ports = new ConversationTable();

  /** Counts a packet by its outer IP header and, unless that is an ICMP error's quote, its TCP or UDP header. */
  add(packet: Packet, frameLength: number, time: bigint): void {
    const layers = packet.layers;
    for (let i = 0; i < layers.length; i++) {
      const layer = layers[i]!;
      if (layer.name !== 'ip' && layer.name !== 'ipv6') continue;
      const ip = layer.header as Ipv4Header | Ipv6Header;
      this.#ip.add(ip.src, ip.dst, frameLength, time);
      const next = layers[i + 1];
      if (next !== undefined && (next.name === 'tcp' || next.name === 'udp')) {
        const t = next.header as TcpHeader | UdpHeader;
        const src = `${next.name} ${endpoint(ip.src, t.srcport)}`;
        const dst = `${next.name} ${endpoint(ip.dst, t.dstport)}`;
        this.#ports.add(src, dst, frameLength, time);
      }
      return;
    }
  }

  format(): string {
    const ports = this.#ports.sorted();
    const strip = (c: Conversation) => ({ ...c, a: c.a.slice(4), b: c.b.slice(4) });
    return (
      formatConversations('IP conversations', this.#ip.sorted()) +
      '\n' +
      formatConversations('TCP and UDP conversations', ports.map(strip), { title: 'Proto', cells: ports.map((c) => c.a.slice(0, 3).toUpperCase()) })
    );
  }
}
