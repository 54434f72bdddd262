// tshark's tcp.stream numbers for `follow` and `flows`. The reassembler numbers the connections it
// sees; tshark also gives a number to the 5-tuple of a TCP header quoted by an ICMP or ICMPv6 error
// when no connection has it yet (packet-tcp.c looks the conversation up for a quoted header too),
// and a connection that later appears on that 5-tuple keeps it. Without this, every connection
// after such an error would be numbered one lower than tshark numbers it.
import { decodePacket, type CaptureRecord, type Ipv4Header, type Ipv6Header, type Packet, type TcpConnection, type TcpHeader, type TcpReassembler } from 'wirekit';
import { isSync, type OpenedCapture } from './capture-input.js';
import { CliError, isWireError } from './errors.js';

const endpoint = (address: string, port: number) => (address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`);
const tupleKey = (a: string, b: string) => (a < b ? `${a} ${b}` : `${b} ${a}`);

export class StreamNumbers {
  #next = 0;
  /** Every 5-tuple given a number, with its latest number. */
  readonly #tuples = new Map<string, number>();
  /** Numbers taken by quoted headers whose 5-tuple no connection has had yet. */
  readonly #quotedOnly = new Map<string, number>();
  readonly #connections = new Map<TcpConnection, number>();

  /** Call from the reassembler's `onConnection`: the connection's number, as tshark gives it. */
  connection(c: TcpConnection): number {
    const key = tupleKey(c.endpoint(0), c.endpoint(1));
    let n = this.#quotedOnly.get(key);
    if (n === undefined) n = this.#next++;
    else this.#quotedOnly.delete(key);
    this.#tuples.set(key, n);
    this.#connections.set(c, n);
    return n;
  }

  /** The number `connection` gave `c`. */
  of(c: TcpConnection): number {
    return this.#connections.get(c) ?? -1;
  }

  /** Call for every packet, before the reassembler sees it: numbers the 5-tuple of a quoted TCP header. */
  quoted(packet: Packet): void {
    const layers = packet.layers;
    const i = layers.findIndex((l) => l.name === 'icmp' || l.name === 'icmpv6');
    if (i < 0 || i + 2 >= layers.length) return;
    const ip = layers[i + 1]!;
    const tcp = layers[i + 2]!;
    if ((ip.name !== 'ip' && ip.name !== 'ipv6') || tcp.name !== 'tcp') return;
    const h = ip.header as Ipv4Header | Ipv6Header;
    const t = tcp.header as TcpHeader;
    const key = tupleKey(endpoint(h.src, t.srcport), endpoint(h.dst, t.dstport));
    if (this.#tuples.has(key)) return;
    const n = this.#next++;
    this.#tuples.set(key, n);
    this.#quotedOnly.set(key, n);
  }

  /** Whether `n` went to a quoted header only (tshark follows it as an empty stream). */
  isQuotedOnly(n: number): boolean {
    for (const q of this.#quotedOnly.values()) if (q === n) return true;
    return false;
  }

  /** How many numbers were given. */
  get count(): number {
    return this.#next;
  }

  /**
   * Every record of `input` into `r`, each decoded here (as pushRecord would) so that its quoted TCP
   * header is numbered first; damage in the capture ends it as a CliError.
   */
  async feed(input: OpenedCapture, r: TcpReassembler): Promise<void> {
    const add = (record: CaptureRecord) => {
      const packet = decodePacket(record.data, { linkType: record.linkType, checksums: false });
      this.quoted(packet);
      r.push(packet, record.timestamp, record.originalLength);
    };
    try {
      if (isSync(input.records)) for (const record of input.records) add(record);
      else for await (const record of input.records) add(record);
    } catch (error) {
      if (isWireError(error)) throw new CliError(`${input.name}: ${error.message}`);
      throw error;
    }
  }
}
