// IEEE 802.1Q VLAN tags: C-tags (TPID 0x8100), S-tags of 802.1ad provider bridging (0x88a8) and the
// pre-standard QinQ TPID 0x9100, stacked to any depth. The TPID is the ethertype of the layer
// outside, so a tag here is its last 4 bytes: the TCI (IEEE 802.1Q-2018 clause 9.6: PCP, DEI, VID)
// and the type-or-length of what it carries.
//
// tshark names a tag by its TPID: 0x8100 and 0x9100 are protocol `vlan` (vlan.priority, vlan.dei,
// vlan.id, vlan.etype or vlan.len), 0x88a8 is `ieee8021ad` (ieee8021ad.priority, ieee8021ad.dei,
// ieee8021ad.id, and, for historical reasons, ieee8021ah.etype). Both faces share this codec.
import { WireError } from '../errors.js';
import type { FieldSink } from '../packet/fields.js';
import { scanned } from '../packet/packet.js';
import { capturedFields, capturedLength, paddedHeader } from '../packet/partial.js';
import type { Decoded, DecodeContext, EncodeContext, Encoder, Protocol, Scanned } from '../packet/protocol.js';
import { checkRange } from '../packet/range.js';

export const VLAN_TAG_LENGTH = 4;
/** TPIDs: 802.1Q customer tag, 802.1ad service tag, and the pre-802.1ad QinQ tag still in the field. */
export const TPID_8021Q = 0x8100;
export const TPID_8021AD = 0x88a8;
export const TPID_QINQ_LEGACY = 0x9100;
/** A type field up to this is an IEEE 802.3 length (802.1Q-2018 clause 9.5), as in Ethernet. */
const MAX_8023_LENGTH = 1500;
/** 802.1ah backbone I-tag: tshark folds it into the 802.1ad layer (not decoded here). */
const ETHERTYPE_8021AH = 0x88e7;

export interface VlanHeader {
  /** Priority code point, 0-7 (802.1Q clause 6.9.3; 802.1p traffic classes). */
  priority: number;
  /** Drop eligible indicator, 0 or 1 (the CFI bit before 802.1Q-2011). */
  dei: number;
  /** VLAN identifier, 0-4095; 0 is a priority tag (priority only, no VLAN), 4095 is reserved. */
  id: number;
  /** Ethertype of the payload, or an 802.3 length (<= 1500) when LLC follows. */
  type: number;
}

/** Input for encoding: every field but `id` has a default; `type` comes from the next layer. */
export interface VlanInput {
  priority?: number;
  dei?: number;
  /** VLAN identifier (default 0: a priority tag). */
  id?: number;
  type?: number;
}

function truncated(offset: number, available: number, layer: string): WireError {
  return new WireError('truncated', `tag needs 4 bytes, ${Math.max(0, available)} captured at offset ${offset}`, {
    layer,
    offset,
    required: VLAN_TAG_LENGTH,
    available: Math.max(0, available),
  });
}

function checkTagBytes(bytes: Uint8Array, offset: number, layer: string): void {
  const available = bytes.length - offset;
  if (offset < 0 || available < VLAN_TAG_LENGTH) throw truncated(offset, available, layer);
}

/**
 * A zero-copy view of one VLAN tag's TCI and type in a buffer (the TPID is the field just before
 * `offset`). `check()` once, then read or rewrite in place, e.g. to re-tag a frame.
 *
 * @example
 * const tag = new VlanView(frame, 14).check();
 * tag.id;          // 100
 * tag.id = 200;    // rewrite the VID, priority and DEI untouched
 */
export class VlanView {
  constructor(
    readonly bytes: Uint8Array,
    readonly offset = 0,
  ) {}

  /** Throws `truncated` unless the 4 bytes of the tag fit. */
  check(layer = 'vlan'): this {
    checkTagBytes(this.bytes, this.offset, layer);
    return this;
  }
  /** The whole 16-bit tag control information. */
  get tci(): number {
    return (this.bytes[this.offset]! << 8) | this.bytes[this.offset + 1]!;
  }
  set tci(value: number) {
    this.bytes[this.offset] = value >>> 8;
    this.bytes[this.offset + 1] = value;
  }
  get priority(): number {
    return this.bytes[this.offset]! >>> 5;
  }
  set priority(value: number) {
    this.tci = (this.tci & 0x1fff) | ((value & 7) << 13);
  }
  get dei(): number {
    return (this.bytes[this.offset]! >>> 4) & 1;
  }
  set dei(value: number) {
    this.tci = (this.tci & 0xefff) | ((value & 1) << 12);
  }
  get id(): number {
    return this.tci & 0x0fff;
  }
  set id(value: number) {
    this.tci = (this.tci & 0xf000) | (value & 0x0fff);
  }
  get type(): number {
    return (this.bytes[this.offset + 2]! << 8) | this.bytes[this.offset + 3]!;
  }
  set type(value: number) {
    this.bytes[this.offset + 2] = value >>> 8;
    this.bytes[this.offset + 3] = value;
  }
  /** Everything after the tag (upper layers trim it by their own lengths). */
  get payload(): Uint8Array {
    return this.bytes.subarray(this.offset + VLAN_TAG_LENGTH);
  }
}

/**
 * Decodes the tag at `offset` (the TCI, right after the TPID).
 *
 * @example
 * decodeVlan(frame, 14); // { priority: 3, dei: 0, id: 100, type: 0x0800 }
 */
export function decodeVlan(bytes: Uint8Array, offset = 0): VlanHeader {
  const view = new VlanView(bytes, offset).check();
  return { priority: view.priority, dei: view.dei, id: view.id, type: view.type };
}


function writeTag(header: VlanInput, type: number, out: Uint8Array, offset: number, layer: string): void {
  const priority = checkRange(layer, 'priority', header.priority ?? 0, 7);
  const dei = checkRange(layer, 'dei', header.dei ?? 0, 1);
  const id = checkRange(layer, 'id', header.id ?? 0, 4095);
  checkRange(layer, 'type', type, 0xffff);
  const tci = (priority << 13) | (dei << 12) | id;
  out[offset] = tci >>> 8;
  out[offset + 1] = tci;
  out[offset + 2] = type >>> 8;
  out[offset + 3] = type;
}

function makeEncoder(name: string): Encoder<VlanInput> {
  return {
    name,
    headerLength: () => VLAN_TAG_LENGTH,
    emit(header, out, offset, _payloadLength, ctx: EncodeContext) {
      const next = ctx.inner[0];
      const type = header.type ?? (next === undefined ? undefined : ctx.codeFor('ethertype', next.name));
      if (type === undefined) {
        throw new WireError('bad-value', `no type given and no ethertype known for the next layer '${next?.name ?? '(none)'}'`, { layer: name });
      }
      writeTag(header, type, out, offset, name);
    },
  };
}

/**
 * Writes a 4-byte tag at out[offset]; `type` must be given (no next layer to ask). Returns 4.
 *
 * @example
 * const tag = new Uint8Array(4);
 * emitVlan({ priority: 5, id: 0, type: 0x0800 }, tag); // a priority tag over IPv4: a0 00 08 00
 */
export function emitVlan(header: VlanInput, out: Uint8Array, offset = 0): number {
  if (header.type === undefined) throw new WireError('bad-value', 'type is required outside encodeFrame', { layer: 'vlan' });
  if (offset < 0 || out.length - offset < VLAN_TAG_LENGTH) {
    throw new WireError('bad-length', `output needs 4 bytes at offset ${offset}, has ${Math.max(0, out.length - offset)}`, { layer: 'vlan', offset });
  }
  writeTag(header, header.type, out, offset, 'vlan');
  return VLAN_TAG_LENGTH;
}

/** A new 4-byte tag. */
export function encodeVlan(header: VlanInput): Uint8Array {
  const out = new Uint8Array(VLAN_TAG_LENGTH);
  emitVlan(header, out);
  return out;
}

/** Encoder for tags that follow TPID 0x8100 (or 0x9100): `{ vlan: { id: 100 } }` in encodeFrame. */
export const vlanEncoder: Encoder<VlanInput> = makeEncoder('vlan');
/** Encoder for 802.1ad service tags: `{ ieee8021ad: { id: 200 } }` makes the outer layer's type 0x88a8. */
export const ieee8021adEncoder: Encoder<VlanInput> = makeEncoder('ieee8021ad');

/**
 * The tag's type after the checks both `scan` and `decode` run: 4 bytes before the layer's end,
 * and in the buffer (a check that names `vlan` whichever layer asks, as `decodeVlan` does).
 */
function tagType(ctx: DecodeContext, layer: string): number {
  const { bytes, offset } = ctx;
  const available = ctx.end - offset;
  if (available < VLAN_TAG_LENGTH) throw truncated(offset, available, layer);
  checkTagBytes(bytes, offset, 'vlan');
  return (bytes[offset + 2]! << 8) | bytes[offset + 3]!;
}

function withTag(result: Scanned, ctx: DecodeContext): Decoded<VlanHeader> {
  const decoded = result as Decoded<VlanHeader>;
  decoded.header = decodeVlan(ctx.bytes, ctx.offset);
  return decoded;
}

/** A tag cut after its TCI: priority, DEI and VID, as tshark shows them (the type needs all four bytes). */
function cutVlanFields(ctx: DecodeContext, out: FieldSink): void {
  const captured = capturedLength(ctx);
  if (captured < 2 || captured >= VLAN_TAG_LENGTH) return;
  const header = decodeVlan(paddedHeader(ctx, VLAN_TAG_LENGTH), 0);
  capturedFields(out, captured, (name) => (name.endsWith('type') || name.endsWith('.len') ? undefined : 2), (sink) => vlan.fields(header, sink, undefined as never));
}

function scanVlan(ctx: DecodeContext): Scanned {
  const type = tagType(ctx, 'vlan');
  // An 802.3 length: LLC follows as after an Ethernet length (packet-vlan.c), unless the payload
  // starts 0xffff (raw 802.3 IPX, left opaque).
  if (type <= MAX_8023_LENGTH) {
    const at = ctx.offset + VLAN_TAG_LENGTH;
    const rawIpx = ctx.end - at >= 2 && ctx.bytes[at] === 0xff && ctx.bytes[at + 1] === 0xff;
    return scanned(VLAN_TAG_LENGTH, at + type, type === 0 || rawIpx ? undefined : { protocol: 'llc' });
  }
  return scanned(VLAN_TAG_LENGTH, undefined, { table: 'ethertype', value: type });
}

function scanIeee8021ad(ctx: DecodeContext): Scanned {
  return scanned(VLAN_TAG_LENGTH, undefined, { table: 'ethertype', value: tagType(ctx, 'ieee8021ad') });
}

/**
 * 802.1Q tags (TPID 0x8100 and the legacy QinQ 0x9100). A type up to 1500 is an 802.3 length
 * (packet-vlan.c treats it so too): it bounds the payload, and what lies beyond is trailer.
 */
export const vlan: Protocol<VlanHeader> = {
  name: 'vlan',
  scan: scanVlan,
  decode: (ctx: DecodeContext) => withTag(scanVlan(ctx), ctx),
  partialFields: (ctx, _error, out) => cutVlanFields(ctx, out),
  fields(h: VlanHeader, out: FieldSink): void {
    out.add('vlan.priority', h.priority);
    out.add('vlan.dei', h.dei);
    out.add('vlan.id', h.id);
    if (h.type <= MAX_8023_LENGTH) out.add('vlan.len', h.type);
    else out.add('vlan.etype', h.type);
  },
};

/**
 * 802.1ad service tags (TPID 0x88a8). Wireshark always dispatches the type as an ethertype here,
 * length-looking values included, so this does the same.
 *
 * Two tshark quirks are mirrored in the field names: an S-tag followed by another S-tag (0x88a8
 * twice, non-standard) is shown by tshark as one layer with `ieee8021ad.svid`/`ieee8021ad.cvid`,
 * so the outer tag reports `svid` and no type (the inner one then reports its VID as
 * `ieee8021ad.id`, where tshark says `cvid`); and a B-tag before an 802.1ah I-tag (0x88e7) has no
 * `ieee8021ah.etype` of its own.
 */
export const ieee8021ad: Protocol<VlanHeader> = {
  name: 'ieee8021ad',
  scan: scanIeee8021ad,
  decode: (ctx: DecodeContext) => withTag(scanIeee8021ad(ctx), ctx),
  // tshark names a cut S-tag but shows none of its fields.
  partialFields: () => undefined,
  fields(h: VlanHeader, out: FieldSink): void {
    out.add('ieee8021ad.priority', h.priority);
    out.add('ieee8021ad.dei', h.dei);
    if (h.type === TPID_8021AD) {
      out.add('ieee8021ad.svid', h.id);
      return;
    }
    out.add('ieee8021ad.id', h.id);
    if (h.type !== ETHERTYPE_8021AH) out.add('ieee8021ah.etype', h.type);
  },
};
