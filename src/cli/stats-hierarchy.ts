// Protocol hierarchy: packets and bytes per layer path, printed indented like `tshark -z io,phs`.
import { erfPayloadIsData, type Layer, type Packet } from 'wirekit';
import { bogusIpHeader, clipBogusVersion, cutInsideHeader } from './summary.js';
import { headerStopped, tsharkName } from './frame-protocols.js';

interface Node {
  frames: number;
  bytes: number;
  children: Map<string, Node>;
}

/**
 * How much of a partial layer tshark reads before it puts the layer in its tree: 4 bytes (ports,
 * DNS's id and flags, a tunnel's first word), PPI's whole 8-byte header, nothing of LOOP's, Token
 * Ring's header and the byte after it, a byte of FDDI's or LLC's.
 */
const PARTIAL_NODE_BYTES: Record<string, number> = { ppi: 8, wlancap: 8, loop: 0, tr: 15, fddi: 1, llc: 1, trmac: 0, fr: 1, ipnet: 1, can: 8, pppoes: Infinity, ap1394: Infinity };

/** The same for a header the snaplen cut (tshark's tree then ends in `_ws.short`): IP's version byte. */
const SHORT_NODE_BYTES: Record<string, number> = { ip: 1, ipv6: 0 };

/** Layers of a quoted datagram that carry it rather than end it (IP, its extension headers, transports). */
const QUOTED_CARRIERS = new Set(['ip', 'ipv6', 'udp', 'udplite', 'tcp', 'sctp', 'dccp', 'gre', 'ah', 'esp', 'icmp', 'icmpv6']);

const newNode = (): Node => ({ frames: 0, bytes: 0, children: new Map() });

/** A layer's node name in tshark's tree: canfd for a CAN FD frame, the others by tsharkName. */
function treeName(layer: Layer): string {
  if (layer.name === 'can') return (layer.header as { fd: boolean }).fd ? 'canfd' : 'can';
  return tsharkName(layer.name);
}

/** What the application layer made of a TCP packet's payload (`AppColumns`, after the TCP analysis). */
export interface AboveTcp {
  /** The tree nodes above TCP (`AppColumns.nodes`). */
  readonly nodes: readonly string[];
  /** Whether a payload left over counts as `data`: false on a connection a decoder reads, and for a copy of bytes seen. */
  readonly data: boolean;
}

/** Packets and bytes per protocol path, as a tree in order of first appearance. */
export class ProtocolHierarchy {
  readonly #root = newNode();

  /**
   * Counts one packet under its layer path (`eth` > `ip` > `tcp`), then `data` when undecoded
   * payload is left, as tshark's io,phs counts its data dissector. Like tshark, it counts the
   * protocols at the top of the tree only: the packet an ICMP error quotes is inside ICMP, and
   * only the leftover payload of a quoted TCP or UDP header shows, as `data` under `icmp` (an
   * echo's data is part of ICMP itself); `_ws.short` instead where the snaplen cut a header.
   * Bytes are frame lengths, as in tshark. A frame with a comment (pcapng) is counted under
   * `pkt_comment` first: tshark's tree shows the comment as a protocol ahead of the link layer.
   * `malformed`: the summary line ends in `[Malformed Packet]`. `carrier`: a node above the link
   * layer's (erf for an ERF file's records, nettl for an HP-UX nettl file's, then raw above the IP
   * packets of a raw-IP link type), outermost first.
   */
  /** A record tshark hands to its data dissector whole (a pcapng Custom Block): data at the root. */
  addData(frameLength: number): void {
    this.#count(this.#root, 'data', frameLength);
  }

  add(packet: Packet, frameLength: number, commented = false, above?: AboveTcp, malformed = false, carriers: readonly string[] = []): void {
    let node = this.#root;
    if (commented) node = this.#count(node, 'pkt_comment', frameLength);
    // A pseudo-protocol the file format puts above the link layer (erf for an ERF file's records).
    for (const carrier of carriers) node = this.#count(node, carrier, frameLength);
    // Fewer than 8 bytes of raw IP: tshark's raw dissector fails before it hands them on.
    if (carriers[carriers.length - 1] === 'raw' && packet.bytes.length < 8) {
      if (malformed) this.#count(node, '_ws.malformed', frameLength);
      return;
    }
    const layers = packet.layers;
    let depth = layers.length;
    let data = packet.payload.length > 0;
    // Under ICMP, tshark's tree counts none of the quoted datagram's own headers, only what the
    // quoted transport carries: an application protocol it reads there (DNS), or data.
    let quotedLeaf: Layer | undefined;
    for (let i = 0; i < layers.length; i++) {
      const name = layers[i]!.name;
      if (name === 'icmp' || name === 'icmpv6') {
        // A quoted datagram tshark cannot go into (an unknown protocol, a later fragment) leaves
        // its bytes inside the quoted IP: no data.
        const innermost = layers[layers.length - 1]!;
        // Nor does a quoted ICMP message's data count (as an echo's own does not).
        data &&= i + 1 < layers.length && innermost.name !== 'ip' && innermost.name !== 'ipv6' && innermost.name !== 'icmp' && innermost.name !== 'icmpv6';
        if (i + 1 < layers.length && !QUOTED_CARRIERS.has(innermost.name) && !innermost.name.startsWith('ipv6.')) {
          quotedLeaf = innermost;
          data = true;
        }
        depth = i + 1;
        break;
      }
    }
    // ARP's bytes are its own; SLARP of an unknown type hands its rest to data in frame.protocols
    // but tshark's io,phs does not count it there.
    // (So does SSDP's continuation.)
    if (layers[depth - 1]?.name === 'arp' || layers[depth - 1]?.name === 'slarp' || layers[depth - 1]?.name === 'ssdp') data = false;
    // Solaris ipnet with a family it does not carry: tshark leaves the bytes inside ipnet.
    if (layers[depth - 1]?.name === 'ipnet') data = false;
    // usbmon: a URB's bytes stay in the usb tree.
    if (layers[depth - 1]?.name === 'usb' || layers[depth - 1]?.name === 'usb-mmapped' || layers[depth - 1]?.name === 'usbpcap') data = false;
    // (A whole ERF record's payload: the counters and META records are read whole.)
    if (layers[depth - 1]?.name === 'erf') data &&= erfPayloadIsData((layers[depth - 1]!.header as { type: number }).type);
    // An empty syslog message: tshark's dissector fails before it is in the tree.
    if (malformed && layers[depth - 1]?.name === 'syslog' && (layers[depth - 1]!.header as { message: Uint8Array }).message.length === 0) depth--;
    // Headers tshark stops at after noting them: nothing under them is data.
    if (depth > 0 && headerStopped(packet, layers[depth - 1]!)) data = false;
    // An IP header tshark names and stops at (a bogus IPv4 version or header length): an ip node,
    // nothing under it; an IPv6 ethertype whose version is not 6: ipv6, its bytes data.
    const bogusIp = depth > 0 && depth === layers.length ? (bogusIpHeader(packet, layers[depth - 1]!) ?? (clipBogusVersion(packet) !== undefined ? 'IP' : undefined)) : undefined;
    // ESP's payload is ciphertext tshark leaves inside ESP, with no data dissector under it.
    if (layers[depth - 1]?.name === 'esp') data = false;
    if (bogusIp !== undefined) {
      for (let i = 0; i < depth; i++) node = this.#count(node, layers[i]!.name, frameLength);
      node = this.#count(node, bogusIp === 'IPv6' ? 'ipv6' : 'ip', frameLength);
      if (bogusIp === 'IPv6') this.#count(node, 'data', frameLength);
      return;
    }
    // A header the snaplen cut: tshark's dissector threw, and its tree ends in `_ws.short`.
    const short = packet.bytes.length < frameLength && cutInsideHeader(packet);
    const top = layers[depth - 1];
    // What follows an 802.11 management header is its body (fixed fields, elements): tshark's wlan.mgt.
    const last = short ? '_ws.short' : quotedLeaf !== undefined ? treeName(quotedLeaf) : top?.name === 'wlan' && (top.header as { type: number }).type === 0 ? 'wlan.mgt' : 'data';
    // Over TCP, what the application layer read: its tree nodes, and data only for a payload no
    // decoder took.
    const app = top?.name === 'tcp' && above !== undefined && !short ? above : undefined;
    if (app !== undefined && (app.nodes.length > 0 || !app.data)) data = false;
    if (malformed) data = false;
    // The header the snaplen cut is a node of its own once tshark has read its first field.
    const cut = short && depth === layers.length ? packet.partial : undefined;
    const cutNode = cut !== undefined && cut.captured >= (SHORT_NODE_BYTES[cut.name] ?? PARTIAL_NODE_BYTES[cut.name] ?? 4) ? tsharkName(cut.name) : undefined;
    for (let i = 0; i < depth + (data || short ? 1 : 0); i++) {
      if (i === depth && cutNode !== undefined) node = this.#count(node, cutNode, frameLength);
      // A Prism link whose frame is an AVS header: tshark's prism dissector hands it on before it adds its own node.
      if (i < depth && layers[i]!.name === 'prism' && (layers[i]!.header as { items?: unknown }).items === undefined) continue;
      // An AVS header of a version tshark does not know: it reads on without a node of its own.
      if (i < depth && layers[i]!.name === 'wlancap' && ![1, 2].includes((layers[i]!.header as { version: number }).version)) {
        node = this.#count(node, 'wlan_radio', frameLength);
        continue;
      }
      // (tshark's tree names a CAN FD frame's protocol canfd.)
      const layerName = i < depth ? treeName(layers[i]!) : last;
      node = this.#count(node, layerName, frameLength);
      // An MPLS label stack: tshark's tree has an mpls node per label (frame.protocols names it once).
      if (i < depth && layers[i]!.name === 'mpls') {
        const entries = (layers[i]!.header as { entries?: unknown[] }).entries?.length ?? 1;
        for (let k = 1; k < entries; k++) node = this.#count(node, 'mpls', frameLength);
      }
      // tshark's radio-information pseudo-protocol, which radiotap hands every frame to, and PPI
      // the 802.11 frames it carries.
      const name = i < depth ? layers[i]!.name : '';
      const radio =
        name === 'radiotap' || name === 'wlancap' || (name === 'ppi' && layers[i + 1]?.name === 'wlan') || (name === 'prism' && (layers[i]!.header as { items?: unknown }).items !== undefined);
      if (radio) node = this.#count(node, 'wlan_radio', frameLength);
    }
    if (app !== undefined) for (const name of app.nodes) node = this.#count(node, name, frameLength);
    // A frame tshark calls malformed: its dissector threw, and the tree ends in `_ws.malformed`.
    if (malformed) {
      // A message tshark read the first fields of before it failed is a node of its own (cut
      // before them, the malformed mark stays under the layer below, whatever the protocol column says).
      const partial = packet.partial;
      // (A CAN frame after SLL: tshark has read its identifier and length, 5 bytes, before it fails.)
      const least = partial === undefined ? undefined : partial.name === 'can-linux' || partial.name === 'canfd-linux' ? 5 : (PARTIAL_NODE_BYTES[partial.name] ?? 4);
      if (least !== undefined && app === undefined && partial!.captured >= least) node = this.#count(node, tsharkName(partial!.name), frameLength);
      // A CAN error frame with fewer than 8 data bytes: tshark fails inside a text item of its tree.
      if (partial === undefined && layers[depth - 1]?.name.startsWith('can') && (layers[depth - 1]!.header as { error: boolean }).error) node = this.#count(node, 'text', frameLength);
      this.#count(node, '_ws.malformed', frameLength);
    }
  }

  /** Counts a frame under `name` below `node`; the child node. */
  #count(node: Node, name: string, frameLength: number): Node {
    let child = node.children.get(name);
    if (child === undefined) {
      child = newNode();
      node.children.set(name, child);
    }
    child.frames++;
    child.bytes += frameLength;
    return child;
  }

  /** The tree as text: each protocol indented two spaces under its parent, in order of first appearance. */
  format(): string {
    let text = '';
    const walk = (node: Node, indent: string) => {
      for (const [name, child] of node.children) {
        text += `${(indent + name).padEnd(40)} frames:${child.frames} bytes:${child.bytes}\n`;
        walk(child, `${indent}  `);
      }
    };
    walk(this.#root, '');
    return text;
  }
}
