// Builds whole frames in one buffer: the payload is placed once, then each header is written in
// front of it from the innermost out, so lengths and checksums see their final bytes and nothing
// is copied twice.
import { tableValueOf } from './dissect.js';
import { WireError } from './errors.js';
import type { EncodeContext, Encoder, LayerSpec } from './packet/protocol.js';
import { ethernetEncoder } from './link/ethernet.js';
import { tcpEncoder } from './transport/tcp.js';
import { udpEncoder } from './transport/udp.js';
import { icmpEncoder } from './network/icmp.js';
import { icmpv6Encoder } from './network/icmpv6.js';
import { ipv4Encoder } from './network/ipv4.js';
import { ipv6Encoder } from './network/ipv6.js';
import { ieee8021adEncoder, vlanEncoder } from './link/vlan.js';
import { arpEncoder } from './link/arp.js';
import { nullEncoder } from './link/null.js';
import { sll2Encoder, sllEncoder } from './link/sll.js';
import { mplsEncoder } from './link/mpls.js';
import { greEncoder } from './network/gre.js';
import { pppEncoder } from './link/ppp.js';
import { chdlcEncoder } from './link/chdlc.js';
import { llcEncoder } from './link/llc.js';
import { wlanEncoder } from './link/ieee80211.js';
import { radiotapEncoder } from './link/radiotap.js';
import { nflogEncoder } from './link/nflog.js';
import { pflogEncoder } from './link/pflog.js';
import { vxlanEncoder } from './network/vxlan.js';
import { dnsEncoder } from './application/dns.js';
import { ppiEncoder } from './link/ppi.js';
import { tokenRingEncoder } from './link/token-ring.js';
import { fddiEncoder } from './link/fddi.js';
import { geneveEncoder } from './network/geneve.js';
import { igmpEncoder } from './network/igmp.js';
import { ahEncoder, espEncoder } from './network/ipsec.js';
import { dhcpEncoder } from './application/dhcp.js';
import { ntpEncoder } from './application/ntp.js';
import { pppoedEncoder, pppoesEncoder } from './link/pppoe.js';
import { stpEncoder } from './link/stp.js';
import { lldpEncoder } from './link/lldp.js';
import { cdpEncoder } from './link/cdp.js';

const encoders = new Map<string, Encoder>();

/** Adds an encoder for `encodeFrame` (protocols registered with registerProtocol may bring one). */
export function registerEncoder<H extends object>(encoder: Encoder<H>): void {
  encoders.set(encoder.name, encoder as unknown as Encoder);
}

/** One layer as `{ name: header }`, e.g. `{ ip: { src: '10.0.0.1', dst: '10.0.0.2' } }`. */
export type FrameLayer = Readonly<Record<string, object>>;

export interface EncodeOptions {
  /** Fill length, next-protocol and checksum fields left out (default true). */
  fill?: boolean;
}

function toSpecs(layers: readonly FrameLayer[]): { specs: LayerSpec[]; encs: Encoder[] } {
  const specs: LayerSpec[] = [];
  const encs: Encoder[] = [];
  for (const [i, layer] of layers.entries()) {
    const names = Object.keys(layer);
    if (names.length !== 1) {
      throw new WireError('bad-value', `layer ${i} must have exactly one protocol key, got ${names.length ? names.join(', ') : 'none'}`, { layer: 'frame' });
    }
    const name = names[0]!;
    const encoder = encoders.get(name);
    if (encoder === undefined) {
      throw new WireError('unsupported', `no encoder for '${name}' (known: ${[...encoders.keys()].join(', ')})`, { layer: 'frame' });
    }
    specs.push({ name, header: layer[name]! });
    encs.push(encoder);
  }
  return { specs, encs };
}

function plan(layers: readonly FrameLayer[], payloadLength: number) {
  const { specs, encs } = toSpecs(layers);
  // payloadLengths[i]: what layer i carries, inner headers and trailers included.
  const payloadLengths = new Array<number>(specs.length);
  let inner = payloadLength;
  for (let i = specs.length - 1; i >= 0; i--) {
    payloadLengths[i] = inner;
    const enc = encs[i]!;
    inner += enc.headerLength(specs[i]!.header) + (enc.trailerLength?.(specs[i]!.header, inner) ?? 0);
  }
  return { specs, encs, payloadLengths, total: inner };
}

/**
 * Writes a frame into `out` at `offset` and returns its length: the same as `encodeFrame` without
 * allocating, for building many frames into one buffer.
 */
export function emitFrame(
  layers: readonly FrameLayer[],
  payload: Uint8Array,
  out: Uint8Array,
  offset = 0,
  options: EncodeOptions = {},
): number {
  const { specs, encs, payloadLengths, total } = plan(layers, payload.length);
  if (out.length - offset < total) {
    throw new WireError('bad-length', `frame needs ${total} bytes, the output has ${out.length - offset} at offset ${offset}`, {
      layer: 'frame',
      offset,
      required: total,
      available: out.length - offset,
    });
  }
  let headerAt = offset;
  const starts = specs.map((s, i) => {
    const at = headerAt;
    headerAt += encs[i]!.headerLength(s.header);
    return at;
  });
  out.set(payload, headerAt);
  const fill = options.fill ?? true;
  for (let i = specs.length - 1; i >= 0; i--) {
    const ctx: EncodeContext = { outer: specs.slice(0, i), inner: specs.slice(i + 1), codeFor: tableValueOf, fill };
    encs[i]!.emit(specs[i]!.header, out, starts[i]!, payloadLengths[i]!, ctx);
  }
  return total;
}

/**
 * Encodes a whole frame from its layers, outermost first, filling lengths, next-protocol numbers
 * and checksums the headers leave out.
 *
 * @example
 * const frame = encodeFrame(
 *   [
 *     { eth: { src: '02:00:00:00:00:01', dst: '02:00:00:00:00:02' } },
 *     { ip: { src: '10.0.0.1', dst: '10.0.0.2', ttl: 64 } },
 *     { udp: { srcport: 5353, dstport: 53 } },
 *   ],
 *   new TextEncoder().encode('hello'),
 * );
 */
export function encodeFrame(layers: readonly FrameLayer[], payload: Uint8Array = new Uint8Array(0), options: EncodeOptions = {}): Uint8Array {
  const { total } = plan(layers, payload.length);
  const out = new Uint8Array(total);
  emitFrame(layers, payload, out, 0, options);
  return out;
}

registerEncoder(llcEncoder);
registerEncoder(wlanEncoder);
registerEncoder(radiotapEncoder);
registerEncoder(ppiEncoder);
registerEncoder(tokenRingEncoder);
registerEncoder(fddiEncoder);
registerEncoder(nflogEncoder);
registerEncoder(pflogEncoder);
registerEncoder(vxlanEncoder);
registerEncoder(geneveEncoder);
registerEncoder(dnsEncoder);
registerEncoder(ethernetEncoder);
registerEncoder(ipv4Encoder);
registerEncoder(ipv6Encoder);
registerEncoder(vlanEncoder);
registerEncoder(ieee8021adEncoder);
registerEncoder(arpEncoder);
registerEncoder(icmpEncoder);
registerEncoder(icmpv6Encoder);
registerEncoder(udpEncoder);
registerEncoder(tcpEncoder);
registerEncoder(nullEncoder);
registerEncoder(sllEncoder);
registerEncoder(sll2Encoder);
registerEncoder(mplsEncoder);
registerEncoder(greEncoder);
registerEncoder(igmpEncoder);
registerEncoder(espEncoder);
registerEncoder(ahEncoder);
registerEncoder(dhcpEncoder);
registerEncoder(ntpEncoder);
registerEncoder(pppoesEncoder);
registerEncoder(pppoedEncoder);
registerEncoder(stpEncoder);
registerEncoder(lldpEncoder);
registerEncoder(cdpEncoder);
registerEncoder(pppEncoder);
registerEncoder(chdlcEncoder);
