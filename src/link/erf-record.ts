// `erf`: a whole ERF record as LINKTYPE_ERF (197) stores it, header included (the Endace ERF
// types document; wiretap's erf_record.h): an 8-byte little-endian timestamp, the record type
// (bit 7: an extension header follows), flags, rlen, the loss counter or colour, wlen, then 8-byte
// extension headers while each says another follows. What the ERF reader hands on this way are
// the records no other link type stands for; the one tshark names is the provenance (META, type
// 27) record Wireshark's tools write first into an ERF file: "Provenance Metadata Record".
// The payload is left as it is.
import type { FieldSink } from '../packet/fields.js';
import type { Decoded, DecodeContext, Protocol } from '../packet/protocol.js';
import { cutShort } from '../packet/partial.js';

/** LINKTYPE_ERF (the ERF reader's own constant). */
export { LINKTYPE_ERF as LINKTYPE_ERF_RECORD } from '../capture/erf-parser.js';
const ERF_RECORD_HEADER = 16;
const ERF_EXTENSION = 8;
/** The provenance record's type. */
export const ERF_META = 27;

/**
 * What tshark 4.0's info column says of a record it reads no further (erf_type_vals); a type not
 * listed is "Unknown type N". Types whose payload it hands to a dissector of its own (ATM, AAL2,
 * AAL5, the multichannel HDLC and ATM types, SDH, InfiniBand) are not named here.
 */
const ERF_TYPE_TEXT: Record<number, string> = { 8: 'MC_RAW_CHANNEL', 13: 'IP_COUNTER', 14: 'TCP_FLOW_COUNTER', [ERF_META]: 'Provenance Metadata Record' };
const DISSECTED = new Set([1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 12, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25]);

/** The info text of a record of `type` tshark reads no further, or '' for one it does. */
export function erfTypeText(type: number): string {
  return ERF_TYPE_TEXT[type] ?? (DISSECTED.has(type) ? '' : `Unknown type ${type}`);
}

/** Whether tshark hands a record's payload to its data dissector: the counters and META records are read whole. */
export function erfPayloadIsData(type: number): boolean {
  return type !== ERF_META && type !== 13 && type !== 14;
}

export interface ErfRecordHeader {
  /** The record type (low 7 bits), and whether extension headers follow. */
  type: number;
  extension: boolean;
  flags: number;
  rlen: number;
  lctr: number;
  wlen: number;
  /** The extension headers' types (low 7 bits each). */
  extensions: number[];
}

const have = (ctx: DecodeContext) => Math.min(ctx.end, ctx.bytes.length) - ctx.offset;

export const erfRecord: Protocol<ErfRecordHeader> = {
  name: 'erf',
  decode(ctx: DecodeContext): Decoded<ErfRecordHeader> {
    const b = ctx.bytes;
    const o = ctx.offset;
    if (have(ctx) < ERF_RECORD_HEADER) throw cutShort('erf', o, ERF_RECORD_HEADER, have(ctx), 'header');
    const header: ErfRecordHeader = {
      type: b[o + 8]! & 0x7f,
      extension: (b[o + 8]! & 0x80) !== 0,
      flags: b[o + 9]!,
      rlen: (b[o + 10]! << 8) | b[o + 11]!,
      lctr: (b[o + 12]! << 8) | b[o + 13]!,
      wlen: (b[o + 14]! << 8) | b[o + 15]!,
      extensions: [],
    };
    let at = o + ERF_RECORD_HEADER;
    let more = header.extension;
    while (more) {
      if (at + ERF_EXTENSION > o + have(ctx)) throw cutShort('erf', o, at + ERF_EXTENSION - o, have(ctx), 'extension header');
      header.extensions.push(b[at]! & 0x7f);
      more = (b[at]! & 0x80) !== 0;
      at += ERF_EXTENSION;
    }
    return { header, headerLength: at - o };
  },
  partialFields(): void {},
  fields(h: ErfRecordHeader, out: FieldSink): void {
    out.add('erf.types.type', h.type);
    out.add('erf.types.ext_header', h.extension ? 1 : 0);
    out.add('erf.flags', h.flags);
    out.add('erf.flags.cap', h.flags & 3);
    out.add('erf.flags.vlen', (h.flags >> 2) & 1);
    out.add('erf.flags.trunc', (h.flags >> 3) & 1);
    out.add('erf.flags.rxe', (h.flags >> 4) & 1);
    out.add('erf.flags.dse', (h.flags >> 5) & 1);
    out.add('erf.rlen', h.rlen);
    out.add('erf.lctr', h.lctr);
    out.add('erf.wlen', h.wlen);
    for (const t of h.extensions) out.add('erf.ehdr.types', t);
  },
};
