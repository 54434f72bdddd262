// Spanning tree BPDUs (IEEE 802.1D-2004 clause 9, 802.1Q-2018 clause 14 for MST), carried in
// 802.3 frames under LLC SAP 0x42. Four shapes share one start (protocol id 0, a version, a type):
// the 802.1D configuration BPDU (type 0, 35 bytes), the topology change notification (type 0x80,
// 4 bytes), the 802.1w rapid spanning tree BPDU (type 2, version 2: 36 bytes, the configuration
// fields and a version 1 length) and the 802.1s multiple spanning tree BPDU (type 2, version 3 or
// more: the RST fields, a version 3 length, the MST configuration identifier, the CIST fields and
// one 16-byte record per MST instance). tshark's dissector is `stp` (and `mstp.*` for the MST
// part): stp.root.prio / .ext / .hw split a bridge id into its 4-bit priority, 12-bit system id
// extension and MAC, as 802.1D-2004 9.2.5 defines it.
import { WireError } from '../errors.js';
import type { FieldSink } from '../packet/fields.js';
import { u16, u32 } from '../packet/bytes.js';
import type { DecodeContext, Decoded, EncodeContext, Encoder, Protocol } from '../packet/protocol.js';
import { formatMac, writeMac } from './mac.js';
import { colonHex } from '../packet/hex.js';

/** LLC SAP of spanning tree BPDUs. */
export const STP_SAP = 0x42;
export const BPDU_CONFIG = 0x00;
export const BPDU_TCN = 0x80;
export const BPDU_RST = 0x02;
const CONFIG_LENGTH = 35;
const RST_LENGTH = 36;
/** The MST part before the MSTI records: version 3 length, configuration id (51), CIST fields (13). */
const MST_FIXED = 2 + 51 + 13;
const MSTI_LENGTH = 16;

/** A bridge identifier: priority (multiple of 4096), system id extension (VLAN or MSTI), MAC. */
export interface BridgeId {
  priority: number;
  ext: number;
  mac: string;
}

/** One MSTI configuration message (802.1Q 14.6.1). */
export interface MstiRecord {
  flags: number;
  /** The regional root: its priority (high 4 bits) and MSTI id (low 12 bits), as the bridge id's. */
  regionalRoot: BridgeId;
  internalRootPathCost: number;
  /** Bridge and port priorities: the high 4 bits of their bytes, as tshark shows them. */
  bridgePriority: number;
  portPriority: number;
  remainingHops: number;
}

export interface MstFields {
  version3Length: number;
  configFormatSelector: number;
  /** The configuration name, its padding NULs removed. */
  configName: string;
  configRevision: number;
  /** The 16-byte configuration digest, colon-separated hex. */
  configDigest: string;
  cistInternalRootPathCost: number;
  cistBridge: BridgeId;
  cistRemainingHops: number;
  mstis: MstiRecord[];
}

export interface StpHeader {
  /** stp.protocol: 0 for spanning tree. */
  protocol: number;
  /** stp.version: 0 (802.1D), 2 (RSTP), 3 (MSTP), 4 (SPB). */
  version: number;
  /** stp.type: 0 configuration, 0x80 TCN, 2 RST/MST (others: only these three fields). */
  type: number;
  /** The fields of configuration and RST/MST BPDUs (absent in a TCN). */
  flags?: number;
  root?: BridgeId;
  rootCost?: number;
  bridge?: BridgeId;
  port?: number;
  /** Timers in seconds (the wire carries 1/256 s). */
  messageAge?: number;
  maxAge?: number;
  helloTime?: number;
  forwardDelay?: number;
  /** RST and MST BPDUs: the version 1 length (0). */
  version1Length?: number;
  mst?: MstFields;
}

function bridgeId(b: Uint8Array, at: number): BridgeId {
  const prio = u16(b, at);
  return { priority: prio & 0xf000, ext: prio & 0x0fff, mac: formatMac(b, at + 2) };
}

const cut = (offset: number, required: number, available: number, what: string) =>
  new WireError('truncated', `${what} needs ${required} bytes, ${available} captured at offset ${offset}`, { layer: 'stp', offset, required, available });

/** The BPDU's length by type and version, as far as the first bytes tell (MST records aside). */
function fixedLength(type: number): number {
  if (type === BPDU_CONFIG) return CONFIG_LENGTH;
  if (type === BPDU_RST) return RST_LENGTH;
  // TCN, and the types tshark calls unknown: the 4-byte start only.
  return 4;
}

function decodeStpAt(bytes: Uint8Array, offset: number, end: number): Decoded<StpHeader> {
  const d = readBpdu(bytes, offset, end);
  // The BPDU owns the rest of its LLC payload: tshark hands nothing after it to another dissector.
  if (d.error === undefined) d.headerLength = Math.max(d.headerLength, Math.min(end, bytes.length) - offset);
  return d;
}

function readBpdu(bytes: Uint8Array, offset: number, end: number): Decoded<StpHeader> {
  const have = Math.max(0, Math.min(end, bytes.length) - offset);
  if (have < 4) throw cut(offset, 4, have, 'BPDU header');
  const type = bytes[offset + 3]!;
  const need = fixedLength(type);
  // tshark checks the BPDU's length first and shows nothing of one cut short.
  if (have < need) throw cut(offset, need, have, type === BPDU_TCN ? 'TCN BPDU' : type === BPDU_CONFIG ? 'configuration BPDU' : 'RST BPDU');
  const h: StpHeader = { protocol: u16(bytes, offset), version: bytes[offset + 2]!, type };
  if (type !== BPDU_CONFIG && type !== BPDU_RST) return { header: h, headerLength: 4 };
  const o = offset;
  h.flags = bytes[o + 4]!;
  h.root = bridgeId(bytes, o + 5);
  h.rootCost = u32(bytes, o + 13);
  h.bridge = bridgeId(bytes, o + 17);
  h.port = u16(bytes, o + 25);
  h.messageAge = u16(bytes, o + 27) / 256;
  h.maxAge = u16(bytes, o + 29) / 256;
  h.helloTime = u16(bytes, o + 31) / 256;
  h.forwardDelay = u16(bytes, o + 33) / 256;
  if (type === BPDU_CONFIG) return { header: h, headerLength: CONFIG_LENGTH };
  h.version1Length = bytes[o + 35]!;
  if (h.version < 3 || have === RST_LENGTH) return { header: h, headerLength: RST_LENGTH };
  // MST: the fixed part, then records for as many bytes as the version 3 length says.
  if (have < RST_LENGTH + MST_FIXED) {
    return { header: h, headerLength: have, error: cut(o + RST_LENGTH, MST_FIXED, have - RST_LENGTH, 'MST part') };
  }
  let at = o + RST_LENGTH;
  const version3Length = u16(bytes, at);
  const name = bytes.subarray(at + 3, at + 35);
  const nul = name.indexOf(0);
  const mst: MstFields = {
    version3Length,
    configFormatSelector: bytes[at + 2]!,
    configName: String.fromCharCode(...(nul < 0 ? name : name.subarray(0, nul))),
    configRevision: u16(bytes, at + 35),
    configDigest: colonHex(bytes, at + 37, at + 53),
    cistInternalRootPathCost: u32(bytes, at + 53),
    cistBridge: bridgeId(bytes, at + 57),
    cistRemainingHops: bytes[at + 65]!,
    mstis: [],
  };
  h.mst = mst;
  at += MST_FIXED;
  const stop = offset + have;
  const records = Math.max(0, Math.floor((version3Length - (MST_FIXED - 2)) / MSTI_LENGTH));
  for (let i = 0; i < records; i++) {
    if (stop - at < MSTI_LENGTH) return { header: h, headerLength: at - offset, error: cut(at, MSTI_LENGTH, stop - at, `MSTI record ${i + 1}`) };
    mst.mstis.push({
      flags: bytes[at]!,
      regionalRoot: bridgeId(bytes, at + 1),
      internalRootPathCost: u32(bytes, at + 9),
      bridgePriority: bytes[at + 13]! >>> 4,
      portPriority: bytes[at + 14]! >>> 4,
      remainingHops: bytes[at + 15]!,
    });
    at += MSTI_LENGTH;
  }
  return { header: h, headerLength: at - offset };
}

/**
 * Decodes the BPDU at `offset` (what follows an LLC header with SAP 0x42).
 *
 * @example
 * decodeStp(llcPayload); // { protocol: 0, version: 2, type: 2, flags: 0x3c, root: { priority: 32768, ext: 0, mac: '00:11:22:33:44:55' }, ... }
 */
export function decodeStp(bytes: Uint8Array, offset = 0, end = bytes.length): StpHeader {
  const d = decodeStpAt(bytes, offset, end);
  if (d.error !== undefined) throw d.error;
  return d.header;
}

/** What encodeStp needs: the decoded shape (bridge ids as objects, timers in seconds). */
export type StpInput = StpHeader;

function writeBridgeId(id: BridgeId, out: Uint8Array, at: number): void {
  const prio = (id.priority & 0xf000) | (id.ext & 0x0fff);
  out[at] = prio >>> 8;
  out[at + 1] = prio;
  writeMac(id.mac, out, at + 2, 'stp');
}

function put16(out: Uint8Array, at: number, v: number): void {
  out[at] = v >>> 8;
  out[at + 1] = v;
}

function put32(out: Uint8Array, at: number, v: number): void {
  put16(out, at, v >>> 16);
  put16(out, at + 2, v & 0xffff);
}

/** The encoded length of a BPDU. */
function stpLength(h: StpInput): number {
  if (h.type !== BPDU_CONFIG && h.type !== BPDU_RST) return 4;
  if (h.type === BPDU_CONFIG) return CONFIG_LENGTH;
  return h.mst === undefined ? RST_LENGTH : RST_LENGTH + MST_FIXED + MSTI_LENGTH * h.mst.mstis.length;
}

/** Encodes a BPDU (the inverse of decodeStp); the MST version 3 length is computed. */
export function encodeStp(h: StpInput): Uint8Array {
  const out = new Uint8Array(stpLength(h));
  put16(out, 0, h.protocol);
  out[2] = h.version;
  out[3] = h.type;
  if (h.type !== BPDU_CONFIG && h.type !== BPDU_RST) return out;
  if (h.root === undefined || h.bridge === undefined) throw new WireError('bad-value', 'a configuration or RST BPDU needs root and bridge', { layer: 'stp' });
  out[4] = h.flags ?? 0;
  writeBridgeId(h.root, out, 5);
  put32(out, 13, h.rootCost ?? 0);
  writeBridgeId(h.bridge, out, 17);
  put16(out, 25, h.port ?? 0);
  put16(out, 27, Math.round((h.messageAge ?? 0) * 256));
  put16(out, 29, Math.round((h.maxAge ?? 20) * 256));
  put16(out, 31, Math.round((h.helloTime ?? 2) * 256));
  put16(out, 33, Math.round((h.forwardDelay ?? 15) * 256));
  if (h.type === BPDU_CONFIG) return out;
  out[35] = h.version1Length ?? 0;
  const m = h.mst;
  if (m === undefined) return out;
  let at = RST_LENGTH;
  put16(out, at, MST_FIXED - 2 + MSTI_LENGTH * m.mstis.length);
  out[at + 2] = m.configFormatSelector;
  const name = new TextEncoder().encode(m.configName);
  if (name.length > 32) throw new WireError('bad-value', `MST configuration name is ${name.length} bytes, at most 32`, { layer: 'stp' });
  out.set(name, at + 3);
  put16(out, at + 35, m.configRevision);
  const digest = m.configDigest.split(':').map((x) => parseInt(x, 16));
  if (digest.length !== 16 || digest.some((x) => !(x >= 0 && x <= 255))) throw new WireError('bad-value', 'MST configuration digest must be 16 bytes', { layer: 'stp' });
  out.set(digest, at + 37);
  put32(out, at + 53, m.cistInternalRootPathCost);
  writeBridgeId(m.cistBridge, out, at + 57);
  out[at + 65] = m.cistRemainingHops;
  at += MST_FIXED;
  for (const r of m.mstis) {
    out[at] = r.flags;
    writeBridgeId(r.regionalRoot, out, at + 1);
    put32(out, at + 9, r.internalRootPathCost);
    out[at + 13] = r.bridgePriority << 4;
    out[at + 14] = r.portPriority << 4;
    out[at + 15] = r.remainingHops;
    at += MSTI_LENGTH;
  }
  return out;
}

/** STP for `encodeFrame`, under LLC with SAPs 0x42: `[{ eth }, { llc: { dsap: 0x42, ssap: 0x42 } }, { stp: {...} }]`. */
export const stpEncoder: Encoder<StpInput> = {
  name: 'stp',
  headerLength: stpLength,
  emit(header, out, offset, _payloadLength, _ctx: EncodeContext) {
    out.set(encodeStp(header), offset);
  },
};

const hex4 = (n: number) => `0x${n.toString(16).padStart(4, '0')}`;

/** tshark's info column: `Conf. Root = 32768/0/00:11:22:33:44:55  Cost = 0  Port = 0x8001`. */
export function stpInfo(h: StpHeader): string {
  if (h.type === BPDU_TCN) return 'Topology Change Notification';
  if (h.type !== BPDU_CONFIG && h.type !== BPDU_RST) return `Unknown BPDU type (${h.type})`;
  const kind = h.type === BPDU_CONFIG ? 'Conf.' : h.mst !== undefined || h.version >= 3 ? 'MST.' : 'RST.';
  const r = h.root!;
  return `${kind} ${h.flags! & 1 ? 'TC + ' : ''}Root = ${r.priority}/${r.ext}/${r.mac}  Cost = ${h.rootCost}  Port = ${hex4(h.port!)}`;
}

function bridgeFields(out: FieldSink, prefix: string, id: BridgeId): void {
  out.add(`${prefix}.prio`, id.priority);
  out.add(`${prefix}.ext`, id.ext);
  out.add(`${prefix}.hw`, id.mac);
}

/** The flag bits: 802.1D's two in a configuration BPDU, all seven (role, proposal, ...) in RST and MST ones. */
function flagFields(out: FieldSink, flags: number, rapid: boolean): void {
  out.add('stp.flags.tcack', flags >>> 7);
  if (rapid) {
    out.add('stp.flags.agreement', (flags >>> 6) & 1);
    out.add('stp.flags.forwarding', (flags >>> 5) & 1);
    out.add('stp.flags.learning', (flags >>> 4) & 1);
    out.add('stp.flags.port_role', (flags >>> 2) & 3);
    out.add('stp.flags.proposal', (flags >>> 1) & 1);
  }
  out.add('stp.flags.tc', flags & 1);
}

/**
 * Spanning tree BPDUs, named by LLC (SAP 0x42). No `partialFields`: tshark shows nothing of a BPDU
 * shorter than its type's length, not even the protocol (`-Y stp` does not match it).
 */
export const stp: Protocol<StpHeader> = {
  name: 'stp',
  decode: (ctx: DecodeContext) => decodeStpAt(ctx.bytes, ctx.offset, ctx.end),
  fields(h: StpHeader, out: FieldSink): void {
    out.add('stp.protocol', h.protocol);
    out.add('stp.version', h.version);
    out.add('stp.type', h.type);
    if (h.flags === undefined) return;
    out.add('stp.flags', h.flags);
    flagFields(out, h.flags, h.type !== BPDU_CONFIG);
    bridgeFields(out, 'stp.root', h.root!);
    out.add('stp.root.cost', h.rootCost!);
    bridgeFields(out, 'stp.bridge', h.bridge!);
    out.add('stp.port', h.port!);
    out.add('stp.msg_age', h.messageAge!);
    out.add('stp.max_age', h.maxAge!);
    out.add('stp.hello', h.helloTime!);
    out.add('stp.forward', h.forwardDelay!);
    if (h.version1Length !== undefined) out.add('stp.version_1_length', h.version1Length);
    const m = h.mst;
    if (m === undefined) return;
    out.add('mstp.version_3_length', m.version3Length);
    out.add('mstp.config_format_selector', m.configFormatSelector);
    out.add('mstp.config_name', m.configName);
    out.add('mstp.config_revision_level', m.configRevision);
    out.add('mstp.config_digest', m.configDigest);
    out.add('mstp.cist_internal_root_path_cost', m.cistInternalRootPathCost);
    bridgeFields(out, 'mstp.cist_bridge', m.cistBridge);
    out.add('mstp.cist_remaining_hops', m.cistRemainingHops);
    for (const r of m.mstis) {
      out.add('mstp.msti.flags', r.flags);
      flagFields(out, r.flags, true);
      out.add('mstp.msti.priority', r.regionalRoot.priority >>> 12);
      out.add('mstp.msti.msti_id', r.regionalRoot.ext);
      out.add('mstp.msti.root.hw', r.regionalRoot.mac);
      out.add('mstp.msti.root_cost', r.internalRootPathCost);
      out.add('mstp.msti.bridge_priority', r.bridgePriority);
      out.add('mstp.msti.port_priority', r.portPriority);
      out.add('mstp.msti.remaining_hops', r.remainingHops);
    }
  },
};
