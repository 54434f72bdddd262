// Protocol hierarchy: packets and bytes per layer path, printed indented like `tshark -z io,phs`.
import type { Packet } from 'wirekit';

interface Node {
  frames: number;
  bytes: number;
  children: Map<string, Node>;
}

const newNode = (): Node => ({ frames: 0, bytes: 0, children: new Map() });

/** Packets and bytes per protocol path, as a tree in order of first appearance. */
export class ProtocolHierarchy {
  readonly #root = newNode();

  /**
   * Counts one packet under its layer path (`eth` > `ip` > `tcp`), then `data` when undecoded
   * payload is left, as tshark's io,phs counts its data dissector. Like tshark, it counts the
   * protocols at the top of the tree only: the packet an ICMP error quotes is inside ICMP, and
   * only the quote's leftover payload shows, as `data` under `icmp` (an echo's data is part of
   * ICMP itself). Bytes are frame lengths, as in tshark.
   */
  add(packet: Packet, frameLength: number): void {
    let node = this.#root;
    const layers = packet.layers;
    let depth = layers.length;
    let data = packet.payload.length > 0;
    for (let i = 0; i < layers.length; i++) {
      const name = layers[i]!.name;
      if (name === 'icmp' || name === 'icmpv6') {
        data &&= i + 1 < layers.length;
        depth = i + 1;
        break;
      }
    }
    if (layers[depth - 1]?.name === 'arp') data = false;
    for (let i = 0; i < depth + (data ? 1 : 0); i++) {
      const name = i < depth ? layers[i]!.name : 'data';
      let child = node.children.get(name);
      if (child === undefined) {
        child = newNode();
        node.children.set(name, child);
      }
      child.frames++;
      child.bytes += frameLength;
      node = child;
    }
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
