// The NDJSON line of the commonest packets, written straight from their bytes: Ethernet II carrying
// IPv4 (20-byte header, not a fragment) carrying TCP (no options, or the NOP NOP Timestamps block
// that Linux puts on nearly every segment) or UDP, whole, with no trailer and no protocol bound to
// their ports. Everything else, and anything this writer is not sure of, goes through decodePacket
// and fields() (json-line.ts). The line is byte for byte the one that path writes (held so by
// test/cli/fast-json.test.ts over every fixture and random packets), several times faster: no
// header objects, no field records; runs of fields that depend on a few bytes only (the address
// pairs, the DS byte, flags and TTL, the TCP flags) are written once per distinct value and copied
// after, which is most of a line.
import { dissectorFor, looksLikeDns, onesComplementSum, type CaptureRecord } from 'wirekit';
import type { ByteWriter } from './byte-writer.js';
import { epochText, frameTimesText } from './json-line.js';
import { analysisJson, type TcpTracker } from './summary-tcp.js';
import { tcpPayloadIsData } from './frame-protocols.js';
import type { UdpStreams } from './udp-streams.js';

/**
 * What a line needs besides its record: frame.time_delta and frame.time_relative (nanoseconds;
 * `times` false leaves them out), and the TCP conversation state to advance.
 */
export interface FastJsonContext {
  times: boolean;
  delta: bigint;
  relative: bigint;
  tcp: TcpTracker | undefined;
  /** UDP conversation numbers (udp.stream), advanced as the general path would. */
  udp: UdpStreams | undefined;
  /** What the application layer made of the packet (whether TCP payload is `data` in frame.protocols). */
  app?: { readonly carried: boolean; readonly protocols: readonly string[] } | undefined;
}

const NO_CONTEXT: FastJsonContext = { times: false, delta: 0n, relative: 0n, tcp: undefined, udp: undefined };

const text = new TextEncoder();
const bytesOf = (s: string) => text.encode(s);

// Constant runs between values, in the order fields() gives them (json-line.ts writes a name met
// twice as an array at its first place).
const K = {
  number: bytesOf('{"frame.number":'),
  epoch: bytesOf(',"frame.time_epoch":"'),
  len: bytesOf('","frame.len":'),
  capLen: bytesOf(',"frame.cap_len":'),
  iface: bytesOf(',"frame.interface_id":'),
  protoTcp: bytesOf(',"frame.protocols":"eth:ethertype:ip:tcp"'),
  protoUdp: bytesOf(',"frame.protocols":"eth:ethertype:ip:udp"'),
  protoTcpData: bytesOf(',"frame.protocols":"eth:ethertype:ip:tcp:data"'),
  protoUdpData: bytesOf(',"frame.protocols":"eth:ethertype:ip:udp:data"'),
  dst: bytesOf(',"eth.dst":"'),
  dstOui: bytesOf('","eth.dst.oui":'),
  addr: bytesOf(',"eth.addr":["'),
  addr2: bytesOf('","'),
  addrOui: bytesOf('"],"eth.addr.oui":['),
  comma: bytesOf(','),
  dstLg: bytesOf('],"eth.dst.lg":'),
  lg: bytesOf(',"eth.lg":['),
  dstIg: bytesOf('],"eth.dst.ig":'),
  ig: bytesOf(',"eth.ig":['),
  src: bytesOf('],"eth.src":"'),
  srcOui: bytesOf('","eth.src.oui":'),
  srcLg: bytesOf(',"eth.src.lg":'),
  srcIg: bytesOf(',"eth.src.ig":'),
  ipHead: bytesOf(',"eth.type":2048,"ip.version":4,"ip.hdr_len":20,"ip.dsfield":'),
  dscp: bytesOf(',"ip.dsfield.dscp":'),
  ecn: bytesOf(',"ip.dsfield.ecn":'),
  ipLen: bytesOf(',"ip.len":'),
  ipId: bytesOf(',"ip.id":'),
  ipFlags: bytesOf(',"ip.flags":'),
  rb: bytesOf(',"ip.flags.rb":'),
  df: bytesOf(',"ip.flags.df":'),
  mf: bytesOf(',"ip.flags.mf":0,"ip.frag_offset":0,"ip.ttl":'),
  ipProtoTcp: bytesOf(',"ip.proto":6,"ip.checksum":'),
  ipProtoUdp: bytesOf(',"ip.proto":17,"ip.checksum":'),
  ipStatusGood: bytesOf(',"ip.checksum.status":"good","ip.checksum_calculated":'),
  ipStatusBad: bytesOf(',"ip.checksum.status":"bad","ip.checksum_calculated":'),
  ipSrc: bytesOf(',"ip.src":"'),
  ipAddr: bytesOf('","ip.addr":["'),
  ipSrcHost: bytesOf('"],"ip.src_host":"'),
  ipHost: bytesOf('","ip.host":["'),
  ipDst: bytesOf('"],"ip.dst":"'),
  ipDstHost: bytesOf('","ip.dst_host":"'),
  quote: bytesOf('"'),
  tcpSrc: bytesOf(',"tcp.srcport":'),
  tcpDst: bytesOf(',"tcp.dstport":'),
  tcpPort: bytesOf(',"tcp.port":['),
  tcpLen: bytesOf('],"tcp.len":'),
  seq: bytesOf(',"tcp.seq_raw":'),
  ack: bytesOf(',"tcp.ack_raw":'),
  hdrLen: bytesOf(',"tcp.hdr_len":'),
  flags: bytesOf(',"tcp.flags":'),
  res: bytesOf(',"tcp.flags.res":'),
  ae: bytesOf(',"tcp.flags.ae":'),
  cwr: bytesOf(',"tcp.flags.cwr":'),
  ece: bytesOf(',"tcp.flags.ece":'),
  urg: bytesOf(',"tcp.flags.urg":'),
  ackFlag: bytesOf(',"tcp.flags.ack":'),
  push: bytesOf(',"tcp.flags.push":'),
  reset: bytesOf(',"tcp.flags.reset":'),
  syn: bytesOf(',"tcp.flags.syn":'),
  fin: bytesOf(',"tcp.flags.fin":'),
  str: bytesOf(',"tcp.flags.str":"'),
  window: bytesOf('","tcp.window_size_value":'),
  tcpChecksum: bytesOf(',"tcp.checksum":'),
  tcpStatusGood: bytesOf(',"tcp.checksum.status":"good","tcp.checksum_calculated":'),
  tcpStatusBad: bytesOf(',"tcp.checksum.status":"bad","tcp.checksum_calculated":'),
  urgent: bytesOf(',"tcp.urgent_pointer":'),
  tsOptions: bytesOf(',"tcp.options":"01:01:08:0a:'),
  tsKinds: bytesOf('","tcp.options.nop":["01","01"],"tcp.option_kind":[1,1,8],"tcp.options.timestamp":"08:0a:'),
  tsLen: bytesOf('","tcp.option_len":10,"tcp.options.timestamp.tsval":'),
  tsecr: bytesOf(',"tcp.options.timestamp.tsecr":'),
  udpSrc: bytesOf(',"udp.srcport":'),
  udpDst: bytesOf(',"udp.dstport":'),
  udpPort: bytesOf(',"udp.port":['),
  udpLen: bytesOf('],"udp.length":'),
  udpChecksum: bytesOf(',"udp.checksum":'),
  udpCalculated: bytesOf(',"udp.checksum_calculated":'),
  udpGood: bytesOf(',"udp.checksum.status":"good"'),
  udpBad: bytesOf(',"udp.checksum.status":"bad"'),
  end: bytesOf(',"_errors":[]}'),
  timeDelta: bytesOf(',"frame.time_delta":"'),
  timeRelative: bytesOf('","frame.time_relative":"'),
  tcpStream: bytesOf(',"tcp.stream":'),
  tcpSeq: bytesOf(',"tcp.seq":'),
  tcpNxtseq: bytesOf(',"tcp.nxtseq":'),
  tcpAck: bytesOf(',"tcp.ack":'),
  tcpWindow: bytesOf(',"tcp.window_size":'),
  scaleFactor: bytesOf(',"tcp.window_size_scalefactor":'),
  scaleUnknown: bytesOf(',"tcp.window_size_scalefactor":-1'),
  scaleNone: bytesOf(',"tcp.window_size_scalefactor":-2'),
  udpStream: bytesOf(',"udp.stream":'),
};

/** tcp.flags.str's letters, most significant bit first; a clear bit is U+00B7 (two bytes in UTF-8). */
const FLAG_LETTERS = 'RRRACEUAPRSF';

const HEX = bytesOf('0123456789abcdef');

/** The largest line this writer makes: constant runs plus the widest value of every field. */
// Every constant once, and room for the numbers between them (the conversation and time fields' too).
/** The longest analysisJson: five numbers and times, three flags, a retransmission's rto. */
const ANALYSIS_BOUND = 640;
const LINE_BOUND = Object.values(K).reduce((n, k) => n + k.length, 0) + 40 * 12 + 17 * 4 + 15 * 6 + 24 * 3 + 5 * 10 + 2 * 30;

/** Decimal digits of 0..65535, 5 bytes each, and their counts: a table copy instead of a division per digit. */
const DIGITS = new Uint8Array(65536 * 5);
const DIGIT_COUNT = new Uint8Array(65536);
for (let n = 0; n < 65536; n++) {
  const s = String(n);
  DIGIT_COUNT[n] = s.length;
  for (let i = 0; i < s.length; i++) DIGITS[n * 5 + i] = s.charCodeAt(i);
}

function put(buf: Uint8Array, p: number, k: Uint8Array): number {
  // Short runs by hand: set() has a fixed cost that loses below ~40 bytes.
  const n = k.length;
  if (n > 40) {
    buf.set(k, p);
    return p + n;
  }
  for (let i = 0; i < n; i++) buf[p + i] = k[i]!;
  return p + n;
}

function num16(buf: Uint8Array, p: number, n: number): number {
  const c = DIGIT_COUNT[n]!;
  const at = n * 5;
  for (let i = 0; i < c; i++) buf[p + i] = DIGITS[at + i]!;
  return p + c;
}

/** An unsigned 32-bit integer in decimal. */
function num32(buf: Uint8Array, p: number, n: number): number {
  if (n < 65536) return num16(buf, p, n);
  let digits = 5;
  for (let t = Math.floor(n / 100000); t > 0; t = Math.floor(t / 10)) digits++;
  const end = p + digits;
  for (let t = n, q = end; q > p; t = Math.floor(t / 10)) buf[--q] = 48 + (t % 10);
  return end;
}

function mac(buf: Uint8Array, p: number, b: Uint8Array, at: number): number {
  for (let i = 0; i < 6; i++) {
    if (i > 0) buf[p++] = 0x3a;
    const v = b[at + i]!;
    buf[p++] = HEX[v >> 4]!;
    buf[p++] = HEX[v & 15]!;
  }
  return p;
}

/** Bytes as colon-separated hex pairs (tshark's bytes fields). */
function hexPairs(buf: Uint8Array, p: number, b: Uint8Array, from: number, to: number): number {
  for (let i = from; i < to; i++) {
    if (i > from) buf[p++] = 0x3a;
    const v = b[i]!;
    buf[p++] = HEX[v >> 4]!;
    buf[p++] = HEX[v & 15]!;
  }
  return p;
}

function ipv4(buf: Uint8Array, p: number, b: Uint8Array, at: number): number {
  p = num16(buf, p, b[at]!);
  buf[p++] = 0x2e;
  p = num16(buf, p, b[at + 1]!);
  buf[p++] = 0x2e;
  p = num16(buf, p, b[at + 2]!);
  buf[p++] = 0x2e;
  return num16(buf, p, b[at + 3]!);
}

const bit = (v: number, mask: number) => (v & mask ? 0x31 : 0x30);

/** The Ethernet fields, `,"eth.dst":...` to eth.src.ig: a function of the two addresses only. */
function writeEthernet(buf: Uint8Array, p: number, b: Uint8Array): number {
  p = put(buf, p, K.dst);
  const dstOui = (b[0]! << 16) | (b[1]! << 8) | b[2]!;
  const srcOui = (b[6]! << 16) | (b[7]! << 8) | b[8]!;
  const dstLg = bit(b[0]!, 2);
  const srcLg = bit(b[6]!, 2);
  const dstIg = bit(b[0]!, 1);
  const srcIg = bit(b[6]!, 1);
  p = mac(buf, p, b, 0);
  p = put(buf, p, K.dstOui);
  p = num32(buf, p, dstOui);
  p = put(buf, p, K.addr);
  p = mac(buf, p, b, 0);
  p = put(buf, p, K.addr2);
  p = mac(buf, p, b, 6);
  p = put(buf, p, K.addrOui);
  p = num32(buf, p, dstOui);
  buf[p++] = 0x2c;
  p = num32(buf, p, srcOui);
  p = put(buf, p, K.dstLg);
  buf[p++] = dstLg;
  p = put(buf, p, K.lg);
  buf[p++] = dstLg;
  buf[p++] = 0x2c;
  buf[p++] = srcLg;
  p = put(buf, p, K.dstIg);
  buf[p++] = dstIg;
  p = put(buf, p, K.ig);
  buf[p++] = dstIg;
  buf[p++] = 0x2c;
  buf[p++] = srcIg;
  p = put(buf, p, K.src);
  p = mac(buf, p, b, 6);
  p = put(buf, p, K.srcOui);
  p = num32(buf, p, srcOui);
  p = put(buf, p, K.srcLg);
  buf[p++] = srcLg;
  p = put(buf, p, K.srcIg);
  buf[p++] = srcIg;
  return p;
}

/** The IPv4 address fields, `,"ip.src":...` to ip.dst_host: a function of the two addresses only. */
function writeAddresses(buf: Uint8Array, p: number, b: Uint8Array): number {
  p = put(buf, p, K.ipSrc);
  p = ipv4(buf, p, b, 26);
  p = put(buf, p, K.ipAddr);
  p = ipv4(buf, p, b, 26);
  p = put(buf, p, K.addr2);
  p = ipv4(buf, p, b, 30);
  p = put(buf, p, K.ipSrcHost);
  p = ipv4(buf, p, b, 26);
  p = put(buf, p, K.ipHost);
  p = ipv4(buf, p, b, 26);
  p = put(buf, p, K.addr2);
  p = ipv4(buf, p, b, 30);
  p = put(buf, p, K.ipDst);
  p = ipv4(buf, p, b, 30);
  p = put(buf, p, K.ipDstHost);
  p = ipv4(buf, p, b, 30);
  return put(buf, p, K.quote);
}

/** ip.dsfield and its parts: a function of the DS byte. */
function writeDsField(buf: Uint8Array, p: number, ds: number): number {
  p = put(buf, p, K.ipHead);
  p = num16(buf, p, ds);
  p = put(buf, p, K.dscp);
  p = num16(buf, p, ds >> 2);
  p = put(buf, p, K.ecn);
  return num16(buf, p, ds & 3);
}

/** ip.flags to ip.proto: a function of the flag bits, the TTL and the protocol (key made by the caller). */
function writeFlagsTtl(buf: Uint8Array, p: number, key: number): number {
  const flags = key >> 9;
  p = put(buf, p, K.ipFlags);
  p = num16(buf, p, flags);
  p = put(buf, p, K.rb);
  buf[p++] = bit(flags, 4);
  p = put(buf, p, K.df);
  buf[p++] = bit(flags, 2);
  p = put(buf, p, K.mf);
  p = num16(buf, p, (key >> 1) & 0xff);
  return put(buf, p, key & 1 ? K.ipProtoTcp : K.ipProtoUdp);
}

const dsSections: (Uint8Array | undefined)[] = new Array(256);
const flagTtlSections: (Uint8Array | undefined)[] = new Array(8 << 9);

/** The bytes `write` makes of a small key, made once per key. */
function cached(buf: Uint8Array, p: number, cache: (Uint8Array | undefined)[], key: number, write: (buf: Uint8Array, p: number, key: number) => number): number {
  let bytes = cache[key];
  if (bytes === undefined) {
    bytes = sectionScratch.slice(0, write(sectionScratch, 0, key));
    cache[key] = bytes;
  }
  buf.set(bytes, p);
  return p + bytes.length;
}

/** frame.len to frame.protocols. */
function writeFrame(buf: Uint8Array, p: number, length: number, captured: number, iface: number, tcp: number, data: number): number {
  p = put(buf, p, K.len);
  p = num32(buf, p, length);
  p = put(buf, p, K.capLen);
  p = num32(buf, p, captured);
  p = put(buf, p, K.iface);
  p = num32(buf, p, iface);
  return put(buf, p, tcp ? (data ? K.protoTcpData : K.protoTcp) : data ? K.protoUdpData : K.protoUdp);
}

/** writeFrame for a whole packet on interface 0, keyed `length << 2 | tcp << 1 | data`. */
function writeFrameFields(buf: Uint8Array, p: number, key: number): number {
  return writeFrame(buf, p, key >> 2, key >> 2, 0, (key >> 1) & 1, key & 1);
}

const frameSections: (Uint8Array | undefined)[] = new Array(1 << 18);

/** tcp.srcport/udp.srcport to tcp.port/udp.port: the same for every packet of a flow and direction. */
function writePorts(buf: Uint8Array, p: number, key: number): number {
  const tcp = key >= 0x100000000;
  const ports = tcp ? key - 0x100000000 : key;
  const src = Math.floor(ports / 0x10000);
  const dst = ports % 0x10000;
  p = put(buf, p, tcp ? K.tcpSrc : K.udpSrc);
  p = num16(buf, p, src);
  p = put(buf, p, tcp ? K.tcpDst : K.udpDst);
  p = num16(buf, p, dst);
  p = put(buf, p, tcp ? K.tcpPort : K.udpPort);
  p = num16(buf, p, src);
  buf[p++] = 0x2c;
  return num16(buf, p, dst);
}

const portSections = new Map<number, Uint8Array>();

function portFields(buf: Uint8Array, p: number, src: number, dst: number, tcp: number): number {
  const key = tcp * 0x100000000 + src * 0x10000 + dst;
  let bytes = portSections.get(key);
  if (bytes === undefined) {
    // Bounded: a scan of many ports refills it from scratch.
    if (portSections.size >= SECTIONS_MAX) portSections.clear();
    bytes = sectionScratch.slice(0, writePorts(sectionScratch, 0, key));
    portSections.set(key, bytes);
  }
  buf.set(bytes, p);
  return p + bytes.length;
}

/** tcp.flags.res to tcp.flags.fin, in fields() order, with the bits they show. */
const FLAG_BITS: readonly (readonly [Uint8Array, number])[] = [
  [K.res, 0xe00], [K.ae, 0x100], [K.cwr, 0x80], [K.ece, 0x40], [K.urg, 0x20],
  [K.ackFlag, 0x10], [K.push, 0x08], [K.reset, 0x04], [K.syn, 0x02], [K.fin, 0x01],
];

/** tcp.flags to tcp.flags.str: a function of the 12 flag bits. */
function writeTcpFlags(out: Uint8Array, q: number, flags: number): number {
  q = put(out, q, K.flags);
  q = num16(out, q, flags);
  for (const [key, mask] of FLAG_BITS) {
    q = put(out, q, key);
    out[q++] = bit(flags, mask);
  }
  q = put(out, q, K.str);
  for (let i = 0; i < 12; i++) {
    if (flags & (0x800 >>> i)) out[q++] = FLAG_LETTERS.charCodeAt(i);
    else {
      out[q++] = 0xc2;
      out[q++] = 0xb7;
    }
  }
  return q;
}

const flagSections: (Uint8Array | undefined)[] = new Array(4096);

/**
 * Byte runs keyed by a pair of numbers (two addresses), bounded: emptied when it holds
 * SECTIONS_MAX (a capture of many hosts gains nothing from it but loses little). The last two
 * pairs are checked first: a flow's packets alternate between its two directions.
 */
class PairCache {
  readonly #map = new Map<number, Map<number, Uint8Array>>();
  #held = 0;
  #a0 = -1;
  #b0 = -1;
  #v0: Uint8Array = EMPTY;
  #a1 = -1;
  #b1 = -1;
  #v1: Uint8Array = EMPTY;

  get(k1: number, k2: number): Uint8Array | undefined {
    if (k1 === this.#a0 && k2 === this.#b0) return this.#v0;
    if (k1 === this.#a1 && k2 === this.#b1) {
      const v = this.#v1;
      this.#remember(k1, k2, v);
      return v;
    }
    const v = this.#map.get(k1)?.get(k2);
    if (v !== undefined) this.#remember(k1, k2, v);
    return v;
  }

  set(k1: number, k2: number, v: Uint8Array): void {
    if (this.#held >= SECTIONS_MAX) {
      this.#map.clear();
      this.#held = 0;
    }
    let inner = this.#map.get(k1);
    if (inner === undefined) this.#map.set(k1, (inner = new Map()));
    inner.set(k2, v);
    this.#held++;
    this.#remember(k1, k2, v);
  }

  #remember(k1: number, k2: number, v: Uint8Array): void {
    this.#a1 = this.#a0;
    this.#b1 = this.#b0;
    this.#v1 = this.#v0;
    this.#a0 = k1;
    this.#b0 = k2;
    this.#v0 = v;
  }
}

const EMPTY = new Uint8Array(0);
const SECTIONS_MAX = 4096;
/** Lines of one capture repeat a few address pairs: their fields are written once and copied after. */
const ethSections = new PairCache();
const ipSections = new PairCache();
const sectionScratch = new Uint8Array(1024);

/** A MAC address at b[at] as a number (48 bits: exact in a double). */
const mac48 = (b: Uint8Array, at: number) => ((b[at]! << 16) | (b[at + 1]! << 8) | b[at + 2]!) * 16777216 + ((b[at + 3]! << 16) | (b[at + 4]! << 8) | b[at + 5]!);
/** An IPv4 address at b[at] as an unsigned number. */
const ip32 = (b: Uint8Array, at: number) => ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;

/** The Ethernet fields of the frame, from the cache or made and kept. */
function ethernetFields(buf: Uint8Array, p: number, b: Uint8Array): number {
  const k1 = mac48(b, 0);
  const k2 = mac48(b, 6);
  let bytes = ethSections.get(k1, k2);
  if (bytes === undefined) ethSections.set(k1, k2, (bytes = sectionScratch.slice(0, writeEthernet(sectionScratch, 0, b))));
  buf.set(bytes, p);
  return p + bytes.length;
}

/** The IPv4 address fields of the packet, from the cache or made and kept. */
function addressFields(buf: Uint8Array, p: number, b: Uint8Array): number {
  const k1 = ip32(b, 26);
  const k2 = ip32(b, 30);
  let bytes = ipSections.get(k1, k2);
  if (bytes === undefined) ipSections.set(k1, k2, (bytes = sectionScratch.slice(0, writeAddresses(sectionScratch, 0, b))));
  buf.set(bytes, p);
  return p + bytes.length;
}

/** A ones' complement sum folded to 16 bits. */
function fold(s: number): number {
  while (s > 0xffff) s = (s & 0xffff) + Math.floor(s / 0x10000);
  return s;
}

/**
 * Writes `record`'s NDJSON line when it is one of the shapes above and returns true; returns
 * false, having written nothing, for anything else.
 */
export function writeFastJson(w: ByteWriter, record: CaptureRecord, number: number, ctx: FastJsonContext = NO_CONTEXT): boolean {
  if (record.linkType !== 1) return false;
  const b = record.data;
  const len = b.length;
  if (len < 34 || b[12] !== 0x08 || b[13] !== 0x00 || b[14] !== 0x45) return false;
  const total = (b[16]! << 8) | b[17]!;
  // The whole datagram and nothing after it (a trailer or padding has fields of its own).
  if (total + 14 !== len || total < 28) return false;
  // Not a fragment (MF clear, offset 0): the reserved bit and DF may be anything.
  if ((b[20]! & 0x3f) !== 0 || b[21] !== 0) return false;
  const proto = b[23]!;
  if (proto !== 6 && proto !== 17) return false;
  if (dissectorFor('ethertype', 0x0800) !== 'ip' || dissectorFor('ip.proto', proto) !== (proto === 6 ? 'tcp' : 'udp')) return false;
  const table = proto === 6 ? 'tcp.port' : 'udp.port';
  const srcport = (b[34]! << 8) | b[35]!;
  const dstport = (b[36]! << 8) | b[37]!;
  let tcpHeader = 0;
  if (proto === 6) {
    if (total < 40) return false;
    tcpHeader = (b[46]! >> 4) * 4;
    // No options, or exactly NOP NOP Timestamps.
    if (tcpHeader === 32) {
      if (b[54] !== 1 || b[55] !== 1 || b[56] !== 8 || b[57] !== 10) return false;
    } else if (tcpHeader !== 20) return false;
    if (tcpHeader > total - 20) return false;
  } else {
    const udpLength = (b[38]! << 8) | b[39]!;
    // UDP's own length equal to IP's (no trailer inside IP), and a checksum to report on.
    if (udpLength !== total - 20 || ((b[40]! << 8) | b[41]!) === 0) return false;
  }
  // A protocol bound to a port decodes the payload: fields() has more to say.
  const payloadLength = total - 20 - (proto === 6 ? tcpHeader : 8);
  if (payloadLength > 0 && (dissectorFor(table, srcport) !== undefined || dissectorFor(table, dstport) !== undefined)) return false;
  // A UDP payload tshark's DNS heuristic takes (decodePacket's scan takes it too).
  if (proto === 17 && payloadLength > 0 && looksLikeDns(b, 42, 42 + payloadLength)) return false;

  // IPv4 header checksum: the sum of the nine other words, complemented, is what it should be.
  let sum = 0;
  for (let i = 14; i < 34; i += 2) if (i !== 24) sum += (b[i]! << 8) | b[i + 1]!;
  sum = (sum & 0xffff) + (sum >>> 16);
  sum = (sum & 0xffff) + (sum >>> 16);
  const ipChecksum = (b[24]! << 8) | b[25]!;
  let whole = sum + ipChecksum;
  whole = (whole & 0xffff) + (whole >>> 16);
  const ipGood = whole === 0xffff;
  const ipExpected = ipGood ? ipChecksum : ~sum & 0xffff;

  // Transport checksum over the pseudo-header, as the dissectors compute it.
  const segment = b.subarray(34, 14 + total);
  const l4Checksum = (b[proto === 6 ? 50 : 40]! << 8) | b[proto === 6 ? 51 : 41]!;
  // The pseudo-header (RFC 9293 section 3.1: addresses, protocol, length) summed here: four words
  // need no call. Summing the segment with its checksum gives 0xffff when it holds; the checksum
  // that would hold is the complement of the sum without it.
  let pseudo = proto + total - 20;
  for (let i = 26; i < 34; i += 2) pseudo += (b[i]! << 8) | b[i + 1]!;
  const partial = onesComplementSum(segment, pseudo);
  const l4Good = fold(partial) === 0xffff;
  const calculated = ~fold(partial + (~l4Checksum & 0xffff)) & 0xffff;

  const epoch = epochText(record.timestamp);
  // Times that do not fit the plain digit writer (negative, or past 2^53 ns) go as text.
  const timesText = ctx.times && !(smallTime(ctx.delta) && smallTime(ctx.relative)) ? frameTimesText(ctx.delta, ctx.relative) : '';
  w.reserve(LINE_BOUND + ANALYSIS_BOUND + epoch.length + timesText.length);
  const buf = w.buf;
  let p = put(buf, w.pos, K.number);
  p = num32(buf, p, number);
  p = put(buf, p, K.epoch);
  for (let i = 0; i < epoch.length; i++) buf[p++] = epoch.charCodeAt(i);
  const tcpBit = proto === 6 ? 1 : 0;
  // TCP conversation state first (the analysis decides whether the payload reaches tshark's data
  // dissector); its fields are written last, in the order DecodeRun records them on the general
  // path. The state advances here as the summary's would (a SYN taken here has no options, so no
  // window scale).
  const st =
    proto === 6 && ctx.tcp !== undefined
      ? ctx.tcp.segmentV4(
          ((b[26]! << 24) | (b[27]! << 16) | (b[28]! << 8) | b[29]!) >>> 0, srcport, ((b[30]! << 24) | (b[31]! << 16) | (b[32]! << 8) | b[33]!) >>> 0, dstport,
          ((b[38]! << 24) | (b[39]! << 16) | (b[40]! << 8) | b[41]!) >>> 0, ((b[42]! << 24) | (b[43]! << 16) | (b[44]! << 8) | b[45]!) >>> 0,
          ((b[46]! & 0x0f) << 8) | b[47]!, (b[48]! << 8) | b[49]!, b[47]! & 0x02 ? -1 : undefined, payloadLength, number, record.timestamp,
        )
      : undefined;
  const dataBit = payloadLength > 0 && (proto !== 6 || tcpPayloadIsData(st?.analysis ?? 0, ctx.app)) ? 1 : 0;
  if (record.originalLength === len && record.interfaceId === 0 && len < 0x10000) {
    // frame.len to frame.protocols: a function of the length and the protocol, most of the time.
    p = cached(buf, p, frameSections, (len << 2) | (tcpBit << 1) | dataBit, writeFrameFields);
  } else {
    p = writeFrame(buf, p, record.originalLength, len, record.interfaceId, tcpBit, dataBit);
  }
  if (timesText !== '') {
    for (let i = 0; i < timesText.length; i++) buf[p++] = timesText.charCodeAt(i);
  } else if (ctx.times) {
    p = put(buf, p, K.timeDelta);
    p = time(buf, p, Number(ctx.delta));
    p = put(buf, p, K.timeRelative);
    p = time(buf, p, Number(ctx.relative));
    buf[p++] = 0x22;
  }
  p = ethernetFields(buf, p, b);
  // IPv4
  p = cached(buf, p, dsSections, b[15]!, writeDsField);
  p = put(buf, p, K.ipLen);
  p = num16(buf, p, total);
  p = put(buf, p, K.ipId);
  p = num16(buf, p, (b[18]! << 8) | b[19]!);
  // Flags, TTL and protocol: (b[20] >> 5) << 9 | ttl << 1 | tcp.
  p = cached(buf, p, flagTtlSections, ((b[20]! >> 5) << 9) | (b[22]! << 1) | (proto === 6 ? 1 : 0), writeFlagsTtl);
  p = num16(buf, p, ipChecksum);
  p = put(buf, p, ipGood ? K.ipStatusGood : K.ipStatusBad);
  p = num16(buf, p, ipExpected);
  p = addressFields(buf, p, b);
  if (proto === 6) {
    p = portFields(buf, p, srcport, dstport, 1);
    p = put(buf, p, K.tcpLen);
    p = num16(buf, p, payloadLength);
    p = put(buf, p, K.seq);
    p = num32(buf, p, ((b[38]! << 24) | (b[39]! << 16) | (b[40]! << 8) | b[41]!) >>> 0);
    p = put(buf, p, K.ack);
    p = num32(buf, p, ((b[42]! << 24) | (b[43]! << 16) | (b[44]! << 8) | b[45]!) >>> 0);
    p = put(buf, p, K.hdrLen);
    p = num16(buf, p, tcpHeader);
    p = cached(buf, p, flagSections, ((b[46]! & 0x0f) << 8) | b[47]!, writeTcpFlags);
    p = put(buf, p, K.window);
    p = num16(buf, p, (b[48]! << 8) | b[49]!);
    p = put(buf, p, K.tcpChecksum);
    p = num16(buf, p, l4Checksum);
    p = put(buf, p, l4Good ? K.tcpStatusGood : K.tcpStatusBad);
    p = num16(buf, p, calculated);
    p = put(buf, p, K.urgent);
    p = num16(buf, p, (b[52]! << 8) | b[53]!);
    if (tcpHeader === 32) {
      p = put(buf, p, K.tsOptions);
      p = hexPairs(buf, p, b, 58, 66);
      p = put(buf, p, K.tsKinds);
      p = hexPairs(buf, p, b, 58, 66);
      p = put(buf, p, K.tsLen);
      p = num32(buf, p, ((b[58]! << 24) | (b[59]! << 16) | (b[60]! << 8) | b[61]!) >>> 0);
      p = put(buf, p, K.tsecr);
      p = num32(buf, p, ((b[62]! << 24) | (b[63]! << 16) | (b[64]! << 8) | b[65]!) >>> 0);
    }
  } else {
    p = portFields(buf, p, srcport, dstport, 0);
    p = put(buf, p, K.udpLen);
    p = num16(buf, p, total - 20);
    p = put(buf, p, K.udpChecksum);
    p = num16(buf, p, l4Checksum);
    p = put(buf, p, K.udpCalculated);
    // RFC 768: a computed zero is sent as all ones, and tshark shows it so.
    p = num16(buf, p, calculated || 0xffff);
    p = put(buf, p, l4Good ? K.udpGood : K.udpBad);
    if (ctx.udp !== undefined) {
      p = put(buf, p, K.udpStream);
      p = num32(buf, p, ctx.udp.numberV4(((b[26]! << 24) | (b[27]! << 16) | (b[28]! << 8) | b[29]!) >>> 0, srcport, ((b[30]! << 24) | (b[31]! << 16) | (b[32]! << 8) | b[33]!) >>> 0, dstport));
    }
  }
  if (st !== undefined) {
    // TCP conversation fields (tshark's tcp.stream, relative numbers, scaled window).
    p = put(buf, p, K.tcpStream);
    p = num32(buf, p, st.stream);
    p = put(buf, p, K.tcpSeq);
    p = num32(buf, p, st.seq);
    p = put(buf, p, K.tcpNxtseq);
    p = num32(buf, p, st.nxtseq);
    p = put(buf, p, K.tcpAck);
    p = num32(buf, p, st.ack);
    p = put(buf, p, K.tcpWindow);
    p = num32(buf, p, st.window);
    const sf = st.scaleFactor;
    if (sf === -1) p = put(buf, p, K.scaleUnknown);
    else if (sf === -2) p = put(buf, p, K.scaleNone);
    else if (sf !== undefined) {
      p = put(buf, p, K.scaleFactor);
      p = num32(buf, p, sf);
    }
    const analysis = analysisJson(st);
    for (let i = 0; i < analysis.length; i++) buf[p++] = analysis.charCodeAt(i);
  }
  w.pos = put(buf, p, K.end);
  return true;
}

/** Whether `ns` is written by `time` (non-negative, exact as a double). */
function smallTime(ns: bigint): boolean {
  return ns >= 0n && ns <= 9007199254740991n;
}

/** `ns` nanoseconds as seconds with 9 decimals (what epochText gives for it). */
function time(buf: Uint8Array, p: number, ns: number): number {
  const sec = Math.floor(ns / 1e9);
  let frac = ns - sec * 1e9;
  p = num32(buf, p, sec);
  buf[p++] = 0x2e;
  for (let k = p + 8; k >= p; k--) {
    buf[k] = 0x30 + (frac % 10);
    frac = Math.floor(frac / 10);
  }
  return p + 9;
}
