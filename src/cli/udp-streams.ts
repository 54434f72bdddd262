// tshark's udp.stream: UDP conversations (a 5-tuple, either direction) numbered in the order they
// first appear, a UDP header quoted by an ICMP or ICMPv6 error included (tshark looks its
// conversation up too, so it takes a number). `decode --json` writes the number of a packet's
// outermost UDP header that is not quoted.
import type { Ipv4Header, Ipv6Header, Packet, UdpHeader } from 'wirekit';
import { ipv4Text } from './summary-tcp.js';


export class UdpStreams {
  readonly #streams = new Map<string, number>();
  #next = 0;
  // The last IPv4 conversation numbered by `numberV4`, as numbers (consecutive packets of one
  // conversation skip building the text key).
  #lastSrc = -1;
  #lastDst = -1;
  #lastPorts = -1;
  #last = 0;

  /** The conversation's number, given one if it is new. */
  number(src: string, srcport: number, dst: string, dstport: number): number {
    const here = `${src} ${srcport}`;
    const there = `${dst} ${dstport}`;
    const key = here <= there ? `${here} ${there}` : `${there} ${here}`;
    let n = this.#streams.get(key);
    if (n === undefined) {
      n = this.#next++;
      this.#streams.set(key, n);
    }
    return n;
  }

  /** `number` for IPv4 addresses given as numbers (the NDJSON fast path). */
  numberV4(src: number, srcport: number, dst: number, dstport: number): number {
    const ports = srcport * 65536 + dstport;
    if ((src === this.#lastSrc && dst === this.#lastDst && ports === this.#lastPorts) || (src === this.#lastDst && dst === this.#lastSrc && ports === dstport * 65536 + srcport)) return this.#last;
    this.#last = this.number(ipv4Text(src), srcport, ipv4Text(dst), dstport);
    this.#lastSrc = src;
    this.#lastDst = dst;
    this.#lastPorts = ports;
    return this.#last;
  }

  /**
   * Numbers every UDP header of `packet` in order; the number of the first one outside an ICMP
   * error, if any. A header whose length field is under 8 gets none: tshark's UDP dissector gives
   * up there, before it looks the conversation up (a length past IP's payload it only reports).
   */
  packet(packet: Packet): number | undefined {
    let own: number | undefined;
    let quoted = false;
    const layers = packet.layers;
    for (let i = 1; i < layers.length; i++) {
      const layer = layers[i]!;
      if (layer.name === 'icmp' || layer.name === 'icmpv6') quoted = true;
      if (layer.name !== 'udp') continue;
      const ip = layers[i - 1]!;
      if (ip.name !== 'ip' && ip.name !== 'ipv6') continue;
      const h = ip.header as Ipv4Header | Ipv6Header;
      const u = layer.header as UdpHeader;
      if (u.length < 8 && !(u.length === 0 && ip.name === 'ipv6')) continue;
      const n = this.number(h.src, u.srcport, h.dst, u.dstport);
      if (!quoted && own === undefined) own = n;
    }
    return own;
  }
}
