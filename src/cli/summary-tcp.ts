// TCP info-column text as tshark 4.0 prints it by default (packet-tcp.c): relative sequence and
// acknowledgement numbers and the scaled window. Both need per-connection state, kept here the way
// tshark keeps it in its single pass:
// - the base of each direction is its SYN's sequence number, or one less than the first sequence
//   number seen (mid-stream captures start at Seq=1), or, when an ACK is seen before the other
//   direction sends, one less than that ACK (so it reads Ack=1);
// - window scaling applies to a direction once its SYN carried a WS option and the peer's SYN did
//   too (RFC 7323 2.2); windows of SYN segments are never scaled;
// - a SYN with a new sequence number on a known 4-tuple starts a new connection (port reuse).
// The same state gives `decode --json` tshark's conversation fields: tcp.stream (connections
// numbered as they appear, a TCP header quoted by an ICMP error numbering its 5-tuple first, as
// packet-tcp.c does), tcp.seq, tcp.nxtseq, tcp.ack (relative), tcp.window_size (scaled) and
// tcp.window_size_scalefactor (-1 unknown, -2 not negotiated; absent on SYNs).
// The same pass gives tshark's sequence analysis (packet-tcp.c, tcp_analyze_sequence_number, with
// tshark 4.0's defaults): the flags it puts in front of the info column, `[TCP Retransmission] `,
// `[TCP Dup ACK 8#2] `, `[TCP Previous segment not captured] `, ... Each direction remembers the
// highest sequence number it sent (0: none yet, as in tshark), the last ACK and window it sent,
// its duplicate ACK count and the flags of its last segment; the connection its initial RTT (SYN
// to the first ACK without SYN), the out-of-order threshold.
import type { TcpHeader, TcpOption } from 'wirekit';
import { epochText } from './json-line.js';

const SYN = 0x002;
const ACK = 0x010;
const URG = 0x020;
/** RFC 7323 2.3: a shift above 14 is used as 14. */
const MAX_SHIFT = 14;

/** Window scale state of one direction: a shift, or unknown (no SYN seen) or none (not negotiated). */
const SCALE_UNKNOWN = -1;
const SCALE_NONE = -2;

interface Direction {
  baseSet: boolean;
  base: number;
  scale: number;
  /** Sequence analysis: the highest next sequence number sent (absolute, 0 before any) and when. */
  nextSeq: number;
  nextSeqTime: bigint;
  /** The highest sequence number sent with no hole before it (0 before any). */
  maxSeqToBeAcked: number;
  /** The ACK number and raw window of this direction's last segment (window -1 before any), and when. */
  lastAck: number;
  lastAckTime: bigint;
  window: number;
  /**
   * Duplicate ACKs in a row (-1 once an ACK from the other side beyond what this one was seen to
   * send has been reported: the next ones are not), and the frame of the last ACK that was not one.
   */
  dupAcks: number;
  lastNonDupAck: number;
  /** The analysis flags of this direction's last segment. */
  lastFlags: number;
  /** Until this direction sends a segment without SYN, its window is never scaled. */
  firstAck: boolean;
  /** The frame that set nextSeq. */
  nextSeqFrame: number;
  /** Segments sent and not yet acknowledged, oldest first (tshark's list, newest first, reversed). */
  unacked: Unacked[];
  /** Bytes in flight are known (false from a lost segment until the other side ACKs). */
  validBif: boolean;
  /** Bytes sent since the last PSH, and whether the last segment had PSH. */
  pushBytes: number;
  pushSetLast: boolean;
  /**
   * The lowest start and highest end of `unacked`, relative to `base` (tshark scans the list for
   * them at every segment with data; here they are kept as segments are added, and found again
   * only after an ACK changed the list: a capture without ACKs lists 10,000 segments).
   */
  spanFirst: number;
  spanLast: number;
  spanStale: boolean;
  /** Bytes the SACK blocks of this direction's last SACK option cover (its first three blocks, as tshark keeps them). */
  sacked: number;
}

/** A segment not yet acknowledged: its frame, sequence range (SYN and FIN count one) and time. */
interface Unacked {
  frame: number;
  seq: number;
  nextSeq: number;
  time: bigint;
}

/** packet-tcp.c: at most this many unacknowledged segments are listed per direction. */
const MAX_UNACKED = 10000;

interface Connection {
  /** tshark's tcp.stream. */
  stream: number;
  /** Direction from the endpoint whose key sorts first. */
  a: Direction;
  b: Direction;
  /** When the last SYN without ACK was seen (-1: none), and the initial RTT (0: not known). */
  synTime: bigint;
  firstRtt: bigint;
  /** The last SYN without ACK: its sequence number and the data it carried (TCP Fast Open). */
  synSeq: number;
  synData: number;
}

/** One segment's conversation fields (the object is reused: read it before the next segment). */
export interface TcpState {
  stream: number;
  seq: number;
  nxtseq: number;
  ack: number;
  /** The window as scaled (unscaled on SYNs and while the scale is unknown). */
  window: number;
  /** 2^shift, -1 unknown, -2 not negotiated; undefined on SYN segments (tshark shows none). */
  scaleFactor: number | undefined;
  /** tshark's sequence analysis flags of the segment (`TcpAnalysis` bits), 0 for none. */
  analysis: number;
  /** With TcpAnalysis.DUP_ACK: which duplicate ACK in a row this is, and the frame of the ACK it repeats. */
  dupAckNum: number;
  dupAckFrame: number;
  /** Whether tshark has analysis results for the segment (its `tcp.analysis` tree); the rest are 0 when absent. */
  analyzed: boolean;
  /** The frame whose segment this one acknowledges, and after how long (ns). */
  acksFrame: number;
  ackRtt: bigint;
  /** The handshake's RTT (ns, from the SYN to the first ACK without SYN). */
  initialRtt: bigint;
  bytesInFlight: number;
  pushBytesSent: number;
  /** A retransmission: time since the oldest unacknowledged segment (ns), and its frame. */
  rto: bigint;
  rtoFrame: number;
  /** TCP Fast Open as tshark marks it (`TFO_*` bits): a SYN with a cookie, a SYN-ACK taking or ignoring the SYN's data. */
  tfo: number;
}

const TFO_SYN = 1;
const TFO_ACK = 2;
const TFO_IGNORED = 4;

/** tshark's TCP analysis flags (packet-tcp.c TCP_A_*), as bits of TcpState.analysis. */
export const TcpAnalysis = {
  RETRANSMISSION: 0x1,
  LOST_PACKET: 0x2,
  ACK_LOST_PACKET: 0x4,
  KEEP_ALIVE: 0x8,
  DUP_ACK: 0x10,
  ZERO_WINDOW: 0x20,
  ZERO_WINDOW_PROBE: 0x40,
  ZERO_WINDOW_PROBE_ACK: 0x80,
  KEEP_ALIVE_ACK: 0x100,
  OUT_OF_ORDER: 0x200,
  FAST_RETRANSMISSION: 0x400,
  WINDOW_UPDATE: 0x800,
  WINDOW_FULL: 0x1000,
  SPURIOUS_RETRANSMISSION: 0x2000,
  REUSED_PORTS: 0x4000,
} as const;

/**
 * Info column prefixes, in the order tshark writes them (packet-tcp.c's print functions); each is
 * put in front of the column, so they read in the reverse of this order.
 */
const ANALYSIS_TEXT: readonly [number, string][] = [
  [TcpAnalysis.REUSED_PORTS, '[TCP Port numbers reused] '],
  [TcpAnalysis.RETRANSMISSION, '[TCP Retransmission] '],
  [TcpAnalysis.FAST_RETRANSMISSION, '[TCP Fast Retransmission] '],
  [TcpAnalysis.SPURIOUS_RETRANSMISSION, '[TCP Spurious Retransmission] '],
  [TcpAnalysis.OUT_OF_ORDER, '[TCP Out-Of-Order] '],
  [TcpAnalysis.LOST_PACKET, '[TCP Previous segment not captured] '],
  [TcpAnalysis.ACK_LOST_PACKET, '[TCP ACKed unseen segment] '],
  [TcpAnalysis.WINDOW_UPDATE, '[TCP Window Update] '],
  [TcpAnalysis.WINDOW_FULL, '[TCP Window Full] '],
  [TcpAnalysis.KEEP_ALIVE, '[TCP Keep-Alive] '],
  [TcpAnalysis.KEEP_ALIVE_ACK, '[TCP Keep-Alive ACK] '],
  [TcpAnalysis.DUP_ACK, ''],
  [TcpAnalysis.ZERO_WINDOW_PROBE, '[TCP ZeroWindowProbe] '],
  [TcpAnalysis.ZERO_WINDOW, '[TCP ZeroWindow] '],
  [TcpAnalysis.ZERO_WINDOW_PROBE_ACK, '[TCP ZeroWindowProbeAck] '],
];

/** The flags of a segment as tshark prefixes its info column: `[TCP Dup ACK 8#2] `, or ''. */
export function analysisPrefix(st: TcpState): string {
  const a = st.analysis;
  if (a === 0) return '';
  let s = '';
  for (const [bit, text] of ANALYSIS_TEXT) {
    if (!(a & bit)) continue;
    s = (bit === TcpAnalysis.DUP_ACK ? `[TCP Dup ACK ${st.dupAckFrame}#${st.dupAckNum}] ` : text) + s;
  }
  return s;
}

/** ns as tshark prints a relative time, `0.005000000` (epochText; the last one remembered: initial_rtt repeats on every segment). */
let lastNs = -1n;
let lastText = '';
function seconds(ns: bigint): string {
  if (ns !== lastNs) {
    lastText = epochText(ns);
    lastNs = ns;
  }
  return lastText;
}

/**
 * Fields of the flags, with the names tshark's tree and expert items give them (a retransmission
 * of any kind carries tcp.analysis.retransmission too; a duplicate ACK is named twice), in its order.
 */
const ANALYSIS_FIELDS: readonly [number, readonly string[]][] = [
  [TcpAnalysis.REUSED_PORTS, ['tcp.analysis.reused_ports']],
  [TcpAnalysis.RETRANSMISSION, ['tcp.analysis.retransmission']],
  [TcpAnalysis.FAST_RETRANSMISSION, ['tcp.analysis.fast_retransmission', 'tcp.analysis.retransmission']],
  [TcpAnalysis.SPURIOUS_RETRANSMISSION, ['tcp.analysis.spurious_retransmission', 'tcp.analysis.retransmission']],
  [TcpAnalysis.OUT_OF_ORDER, ['tcp.analysis.out_of_order']],
  [TcpAnalysis.LOST_PACKET, ['tcp.analysis.lost_segment']],
  [TcpAnalysis.ACK_LOST_PACKET, ['tcp.analysis.ack_lost_segment']],
  [TcpAnalysis.WINDOW_UPDATE, ['tcp.analysis.window_update']],
  [TcpAnalysis.WINDOW_FULL, ['tcp.analysis.window_full']],
  [TcpAnalysis.KEEP_ALIVE, ['tcp.analysis.keep_alive']],
  [TcpAnalysis.KEEP_ALIVE_ACK, ['tcp.analysis.keep_alive_ack']],
  [TcpAnalysis.DUP_ACK, ['tcp.analysis.duplicate_ack', 'tcp.analysis.duplicate_ack']],
  [TcpAnalysis.ZERO_WINDOW_PROBE, ['tcp.analysis.zero_window_probe']],
  [TcpAnalysis.ZERO_WINDOW, ['tcp.analysis.zero_window']],
  [TcpAnalysis.ZERO_WINDOW_PROBE_ACK, ['tcp.analysis.zero_window_probe_ack']],
];

/**
 * tshark's tcp.analysis fields of a segment, in its order: acks_frame, ack_rtt, initial_rtt,
 * bytes_in_flight, push_bytes_sent, then `tcp.analysis.flags` (empty, for filters) and a field per
 * flag, with rto and rto_frame for a retransmission and duplicate_ack_num/_frame for a duplicate
 * ACK. Times are seconds as text. Nothing when tshark has no analysis tree for it.
 */
export function analysisFields(st: TcpState, add: (name: string, value: number | string) => void): void {
  // TCP Fast Open's marks are expert items on the option and the flags, outside the analysis tree.
  if (st.tfo & TFO_SYN) add('tcp.analysis.tfo_syn', '');
  if (st.tfo & TFO_ACK) add('tcp.analysis.tfo_ack', '');
  if (st.tfo & TFO_IGNORED) add('tcp.analysis.tfo_ignored', '');
  if (!st.analyzed) return;
  if (st.acksFrame !== 0) {
    add('tcp.analysis.acks_frame', st.acksFrame);
    if (st.ackRtt !== 0n) add('tcp.analysis.ack_rtt', seconds(st.ackRtt));
  }
  if (st.initialRtt !== 0n) add('tcp.analysis.initial_rtt', seconds(st.initialRtt));
  if (st.bytesInFlight !== 0) {
    add('tcp.analysis.bytes_in_flight', st.bytesInFlight);
    if (st.pushBytesSent !== 0) add('tcp.analysis.push_bytes_sent', st.pushBytesSent);
  }
  const a = st.analysis;
  if (a === 0) return;
  add('tcp.analysis.flags', '');
  for (const [bit, names] of ANALYSIS_FIELDS) {
    if (!(a & bit)) continue;
    for (const name of names) add(name, '');
    if (bit === TcpAnalysis.DUP_ACK) {
      add('tcp.analysis.duplicate_ack_num', st.dupAckNum);
      add('tcp.analysis.duplicate_ack_frame', st.dupAckFrame);
      continue;
    }
    if (bit === TcpAnalysis.RETRANSMISSION && st.rto !== 0n) {
      add('tcp.analysis.rto', seconds(st.rto));
      add('tcp.analysis.rto_frame', st.rtoFrame);
    }
  }
}

/** analysisFields as JSON members (`,"name":value`), a name given twice in a row as one array: what `decode --json` writes. */
export function analysisJson(st: TcpState): string {
  if (!st.analyzed && st.tfo === 0) return '';
  let s = '';
  let name = '';
  let values: string[] = [];
  const flush = () => {
    if (values.length > 0) s += `,"${name}":${values.length === 1 ? values[0] : `[${values.join(',')}]`}`;
  };
  analysisFields(st, (n, v) => {
    if (n !== name) {
      flush();
      name = n;
      values = [];
    }
    values.push(typeof v === 'number' ? String(v) : `"${v}"`);
  });
  flush();
  return s;
}

const newDirection = (): Direction => ({
  baseSet: false,
  base: 0,
  scale: SCALE_UNKNOWN,
  nextSeq: 0,
  nextSeqTime: 0n,
  maxSeqToBeAcked: 0,
  lastAck: 0,
  lastAckTime: -1n,
  window: -1,
  dupAcks: 0,
  lastNonDupAck: 0,
  lastFlags: 0,
  firstAck: true,
  nextSeqFrame: 0,
  unacked: [],
  validBif: true,
  pushBytes: 0,
  pushSetLast: false,
  spanFirst: 0,
  spanLast: 0,
  spanStale: false,
  sacked: 0,
});

const newConnection = (stream: number): Connection => ({ stream, a: newDirection(), b: newDirection(), synTime: -1n, firstRtt: 0n, synSeq: 0, synData: 0 });

/** Sequence numbers compared modulo 2^32 (tshark's GT_SEQ, LT_SEQ, LE_SEQ). */
const gtSeq = (x: number, y: number) => ((x - y) | 0) > 0;
const ltSeq = (x: number, y: number) => ((x - y) | 0) < 0;
const leSeq = (x: number, y: number) => ((x - y) | 0) <= 0;
/** `b - a` within `limit` ns, a before b (tshark's unsigned differences: b before a is never within). */
const within = (a: bigint, b: bigint, limit: bigint) => a >= 0n && b >= a && b - a < limit;
const FIN = 0x001;
const RST = 0x004;
const PSH = 0x008;
/** packet-tcp.c: a fast retransmission follows the duplicate ACKs within 20 ms; out of order without an RTT, 3 ms. */
const FAST_RETRANSMISSION_NS = 20_000_000n;
const DEFAULT_OOO_NS = 3_000_000n;

const FLAG_NAMES = ['FIN', 'SYN', 'RST', 'PSH', 'ACK', 'URG', 'ECE', 'CWR', 'AE'];

/** tshark's flag list: `SYN, ACK`, `Reserved` for the 3 reserved bits, `<None>` for none. */
export function tcpFlagNames(flags: number): string {
  let s = '';
  for (let i = 0; i < 9; i++) if (flags & (1 << i)) s += (s ? ', ' : '') + FLAG_NAMES[i];
  if (flags & 0xe00) s += (s ? ', ' : '') + 'Reserved';
  return s || '<None>';
}

const u32 = (n: number) => n >>> 0;
/** An IPv4 address held as a number, as text. */
export const ipv4Text = (a: number) => `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`;

/** Option summaries in header order, as tshark appends them: ` MSS=1460 SACK_PERM TSval=1 TSecr=0 WS=128`. */
function optionText(options: readonly TcpOption[], sackBase: number): string {
  let s = '';
  for (const o of options) {
    switch (o.kind) {
      case 'mss':
        s += ` MSS=${o.value}`;
        break;
      case 'wscale':
        s += ` WS=${2 ** Math.min(o.shift, MAX_SHIFT)}`;
        break;
      case 'sack_perm':
        s += ' SACK_PERM';
        break;
      case 'timestamp':
        s += ` TSval=${o.tsval} TSecr=${o.tsecr}`;
        break;
      case 'sack':
        for (const [left, right] of o.blocks) s += ` SLE=${u32(left - sackBase)} SRE=${u32(right - sackBase)}`;
        break;
      default:
        if (!('data' in o)) break;
        // Options wirekit keeps raw (a kind without a parser here, or a named kind with an odd length).
        if (o.kind === 4) s += ' SACK_PERM';
        else if (o.kind === 19) s += ' MD5';
        else if (o.kind === 34) s += o.data === '' ? ' TFO=R' : ' TFO=C';
        else if ((o.kind === 253 || o.kind === 254) && o.data.length >= 5) s += ` ExID=${o.data.slice(0, 5).replace(':', '').toUpperCase()}`;
        else if (o.kind === 29) s += 'TCP AO'; // (tshark writes it without a space)
        else s += numberedOption(o.kind, o.data);
    }
  }
  return s;
}

/**
 * tshark's text for the older options it sums up with a number: echo and echo reply (RFC 1072),
 * the connection counts of T/TCP (RFC 1644), Quick-Start's rate (RFC 4782) and the user timeout
 * (RFC 5482, the 15-bit value whatever its unit). `data`: the option's bytes as colon-separated hex.
 */
function numberedOption(kind: number | string, data: string): string {
  const bytes = data === '' ? [] : data.split(':').map((h) => parseInt(h, 16));
  const be32 = () => ((bytes[0]! << 24) | (bytes[1]! << 16) | (bytes[2]! << 8) | bytes[3]!) >>> 0;
  if ((kind === 6 || kind === 7) && bytes.length === 4) return ` ECHO=${be32()}`;
  if ((kind === 11 || kind === 12 || kind === 13) && bytes.length === 4) return ` CC=${be32()}`;
  if (kind === 28 && bytes.length === 2) return ` USER_TO=${((bytes[0]! & 0x7f) << 8) | bytes[1]!}`;
  if (kind === 27 && bytes.length === 6) {
    // The rate request: 40 kbit/s times 2 to the power of its 4 bits, 0 for none.
    const r = bytes[0]! & 0x0f;
    const bits = r === 0 ? 0 : 40000 * 2 ** r;
    const rate = bits >= 1e9 ? `${bits / 1e9} Gbit/s` : bits >= 1e6 ? `${bits / 1e6} Mbit/s` : bits >= 1e3 ? `${bits / 1e3} Kbit/s` : `${bits} bit/s`;
    return ` QSresp=${rate}`;
  }
  return '';
}

/** Per-connection state for tshark-style relative numbers, window scaling and stream numbers. */
export class TcpTracker {
  readonly #connections = new Map<string, Connection>();
  #streams = 0;
  /** The last segment's fields, and the reverse direction's base (for SACK edges). */
  readonly state: TcpState = {
    stream: 0,
    seq: 0,
    nxtseq: 0,
    ack: 0,
    window: 0,
    scaleFactor: undefined,
    analysis: 0,
    dupAckNum: 0,
    dupAckFrame: 0,
    analyzed: false,
    acksFrame: 0,
    ackRtt: 0n,
    initialRtt: 0n,
    bytesInFlight: 0,
    pushBytesSent: 0,
    rto: 0n,
    rtoFrame: 0,
    tfo: 0,
  };
  #reverseBase = 0;

  /**
   * The info text for one segment: `56214 → 8080 [PSH, ACK] Seq=1 Ack=1 Win=65536 Len=79 TSval=...`
   * (the analysis flags are not in it: `analysisPrefix(state)`). Must be called for every TCP
   * segment in capture order (state advances), with its frame number and capture time (ns);
   * `state` then holds the segment's conversation fields.
   */
  info(src: string, dst: string, h: TcpHeader, payloadLength: number, frame: number, time: bigint, headerCut = false, analyze = true): string {
    let shift: number | undefined;
    if (h.flags & SYN) {
      shift = SCALE_UNKNOWN;
      for (const o of h.options) if (o.kind === 'wscale') shift = Math.min(o.shift, MAX_SHIFT);
    }
    // A header the capture cut inside its options: tshark stops in them, before its sequence
    // analysis. Cut inside the fixed header (`headerCut`, 16 to 19 bytes), it stops after it.
    const cut = !headerCut && h.captured !== undefined && h.captured < h.dataOffset * 4;
    for (const o of h.options) {
      // A Fast Open cookie on a SYN (option 34 with data: a cookie request has none).
      if (o.kind === 34 && 'data' in o && o.data !== '' && (h.flags & (SYN | ACK)) === SYN) this.#tfoCookie = true;
      if (o.kind !== 'sack') continue;
      // tshark keeps a SACK option's first three blocks for its bytes in flight.
      let sacked = 0;
      for (let i = 0; i < o.blocks.length && i < 3; i++) sacked += u32(o.blocks[i]![1] - o.blocks[i]![0]);
      this.#sack = sacked;
    }
    const st = this.segment(src, h.srcport, dst, h.dstport, h.seq, h.ack, h.flags, h.window, shift, payloadLength, frame, time, !cut && analyze);
    let s = `${h.srcport} \u2192 ${h.dstport} [${tcpFlagNames(h.flags)}] Seq=${st.seq}`;
    if (h.flags & ACK) s += ` Ack=${st.ack}`;
    s += ` Win=${st.window}`;
    if (h.flags & URG) s += ` Urg=${h.urgentPointer}`;
    s += ` Len=${payloadLength}`;
    return s + optionText(h.options, this.#reverseBase);
  }

  /**
   * Advances the state by one segment and returns its conversation fields (`state`, reused).
   * `shift`: on a SYN, its window scale option's shift, or -1 when it has none.
   */
  segment(src: string, srcport: number, dst: string, dstport: number, seq: number, ackNumber: number, flags: number, window: number, shift: number | undefined, payloadLength: number, frame: number, time: bigint, analyze = true): TcpState {
    this.#cached = undefined;
    return this.#segment(src, srcport, dst, dstport, seq, ackNumber, flags, window, shift, payloadLength, frame, time, analyze);
  }

  // The connection of the last segmentV4 call and its 4-tuple (as numbers): consecutive segments of
  // one connection (most of a capture) skip building the text key. Any other call forgets it (a
  // SYN on the same 4-tuple may have started a new connection there).
  #cached: Connection | undefined;
  /** The SACK option of the segment `info` is reading: the bytes its blocks cover, or -1 for none; and whether it is a SYN with a Fast Open cookie. */
  #sack = -1;
  #tfoCookie = false;
  #cachedSrc = 0;
  #cachedDst = 0;
  #cachedPorts = 0;
  #cachedForward = false;
  #lastConnection: Connection | undefined;
  #lastForward = false;

  /** `segment` for IPv4 addresses given as numbers (the NDJSON fast path, which has no address text). */
  segmentV4(src: number, srcport: number, dst: number, dstport: number, seq: number, ackNumber: number, flags: number, window: number, shift: number | undefined, payloadLength: number, frame: number, time: bigint): TcpState {
    const conn = this.#cached;
    if (conn !== undefined && !(flags & SYN)) {
      const ports = srcport * 65536 + dstport;
      if (src === this.#cachedSrc && dst === this.#cachedDst && ports === this.#cachedPorts) return this.#advance(conn, this.#cachedForward, seq, ackNumber, flags, window, shift, payloadLength, frame, time, 0);
      if (src === this.#cachedDst && dst === this.#cachedSrc && ports === dstport * 65536 + srcport) return this.#advance(conn, !this.#cachedForward, seq, ackNumber, flags, window, shift, payloadLength, frame, time, 0);
    }
    const st = this.#segment(ipv4Text(src), srcport, ipv4Text(dst), dstport, seq, ackNumber, flags, window, shift, payloadLength, frame, time);
    this.#cached = this.#lastConnection;
    this.#cachedSrc = src;
    this.#cachedDst = dst;
    this.#cachedPorts = srcport * 65536 + dstport;
    this.#cachedForward = this.#lastForward;
    return st;
  }

  #segment(src: string, srcport: number, dst: string, dstport: number, seq: number, ackNumber: number, flags: number, window: number, shift: number | undefined, payloadLength: number, frame: number, time: bigint, analyze = true): TcpState {
    const here = `${src} ${srcport}`;
    const there = `${dst} ${dstport}`;
    const forward = here <= there;
    const key = forward ? `${here} ${there}` : `${there} ${here}`;
    let conn = this.#connections.get(key);
    const syn = (flags & SYN) !== 0;
    const ack = (flags & ACK) !== 0;
    let reused = 0;
    if (conn !== undefined && syn && !ack) {
      const fwd = forward ? conn.a : conn.b;
      if (fwd.baseSet && fwd.base !== seq) {
        conn = undefined;
        reused = TcpAnalysis.REUSED_PORTS;
      }
    }
    if (conn === undefined) {
      conn = newConnection(this.#streams++);
      this.#connections.set(key, conn);
    }
    this.#lastConnection = conn;
    this.#lastForward = forward;
    return this.#advance(conn, forward, seq, ackNumber, flags, window, shift, payloadLength, frame, time, analyze ? reused : -1);
  }

  /** `reused`: TcpAnalysis.REUSED_PORTS or 0, or -1 for a segment tshark does not analyse. */
  #advance(conn: Connection, forward: boolean, seq: number, ackNumber: number, flags: number, window: number, shift: number | undefined, payloadLength: number, frame: number, time: bigint, reused: number): TcpState {
    const syn = (flags & SYN) !== 0;
    const ack = (flags & ACK) !== 0;
    const fwd = forward ? conn.a : conn.b;
    const rev = forward ? conn.b : conn.a;
    if (!fwd.baseSet) {
      fwd.baseSet = true;
      fwd.base = syn ? seq : u32(seq - 1);
    }
    if (ack && !rev.baseSet) {
      rev.baseSet = true;
      rev.base = u32(ackNumber - 1);
    }
    if (syn) this.#negotiate(fwd, rev, shift ?? SCALE_UNKNOWN, ack);
    const st = this.state;
    st.stream = conn.stream;
    st.seq = u32(seq - fwd.base);
    st.nxtseq = u32(st.seq + payloadLength + (syn ? 1 : 0) + (flags & 1));
    st.ack = ack ? u32(ackNumber - rev.base) : ackNumber;
    st.window = !syn && fwd.scale >= 0 ? window * 2 ** fwd.scale : window;
    st.scaleFactor = syn ? undefined : fwd.scale >= 0 ? 2 ** fwd.scale : fwd.scale === SCALE_NONE ? -2 : -1;
    this.#reverseBase = rev.base;
    st.tfo = this.#tfoCookie ? TFO_SYN : 0;
    this.#tfoCookie = false;
    if (syn && !ack) {
      conn.synSeq = seq;
      conn.synData = payloadLength;
    } else if (syn && conn.synData > 0) {
      // A SYN-ACK after a SYN with data: it takes the data, or acknowledges the SYN alone.
      if (ackNumber === u32(conn.synSeq + 1 + conn.synData)) st.tfo |= TFO_ACK;
      else if (ackNumber === u32(conn.synSeq + 1)) st.tfo |= TFO_IGNORED;
    }
    if (reused === -1) {
      // A header the capture cut: tshark never reaches its analysis (no flags, no state change).
      this.#sack = -1;
      st.analysis = 0;
      st.analyzed = false;
      return st;
    }
    // The initial RTT: from the last SYN (not SYN-ACK) to the first segment with ACK and without SYN.
    if (syn && !ack) conn.synTime = time;
    else if (!syn && ack && conn.synTime >= 0n && conn.firstRtt === 0n) conn.firstRtt = time - conn.synTime;
    st.analysis = reused | this.#analyze(conn, fwd, rev, seq, ackNumber, flags, window, payloadLength, frame, time);
    if (st.analysis !== 0) st.analyzed = true;
    st.initialRtt = st.analyzed ? conn.firstRtt : 0n;
    return st;
  }

  /**
   * tshark's sequence analysis of one segment (absolute numbers, raw window, seglen its payload
   * length): its flags, the direction's state advanced.
   */
  #analyze(conn: Connection, fwd: Direction, rev: Direction, seq: number, ack: number, flags: number, window: number, seglen: number, frame: number, time: bigint): number {
    const st = this.state;
    fwd.sacked = this.#sack >= 0 ? this.#sack : 0;
    this.#sack = -1;
    st.analyzed = false;
    st.acksFrame = st.bytesInFlight = st.pushBytesSent = st.rtoFrame = 0;
    st.ackRtt = st.rto = 0n;
    const plain = (flags & (SYN | FIN | RST)) === 0;
    if (flags & ACK) rev.validBif = true;
    let a = 0;
    if (seglen === 1 && seq === fwd.nextSeq && rev.window === 0) {
      // One byte at the next sequence number into a closed window.
      a = TcpAnalysis.ZERO_WINDOW_PROBE;
    } else {
      if (window === 0 && plain) a |= TcpAnalysis.ZERO_WINDOW;
      if (fwd.nextSeq !== 0 && gtSeq(seq, fwd.nextSeq) && !(flags & RST)) {
        a |= TcpAnalysis.LOST_PACKET;
        fwd.validBif = false;
      }
      if (seglen <= 1 && seq === u32(fwd.nextSeq - 1) && plain) a |= TcpAnalysis.KEEP_ALIVE;
      const repeats = seglen === 0 && seq === fwd.nextSeq && ack === fwd.lastAck && plain;
      if (repeats && window !== 0 && window !== fwd.window) a |= TcpAnalysis.WINDOW_UPDATE;
      if (seglen > 0 && rev.scale !== SCALE_UNKNOWN && plain && rev.window >= 0) {
        const edge = u32(rev.lastAck + rev.window * 2 ** (rev.firstAck || rev.scale === SCALE_NONE ? 0 : rev.scale));
        if (u32(seq + seglen) === edge) a |= TcpAnalysis.WINDOW_FULL;
      }
      if (repeats && window !== 0 && window === fwd.window && rev.lastFlags & TcpAnalysis.KEEP_ALIVE) {
        a |= TcpAnalysis.KEEP_ALIVE_ACK;
      } else if (repeats && window === 0 && fwd.window === 0 && rev.lastFlags & TcpAnalysis.ZERO_WINDOW_PROBE) {
        a |= TcpAnalysis.ZERO_WINDOW_PROBE_ACK;
      } else if (repeats && window !== 0 && window === fwd.window) {
        fwd.dupAcks = fwd.dupAcks === -1 ? 1 : fwd.dupAcks + 1;
        a |= TcpAnalysis.DUP_ACK;
        st.dupAckNum = fwd.dupAcks;
        st.dupAckFrame = fwd.lastNonDupAck;
      }
    }
    // A new ACK number starts the duplicate count again.
    if (ack !== fwd.lastAck) {
      fwd.lastNonDupAck = frame;
      fwd.dupAcks = 0;
    }
    // Acknowledging what the other direction was never seen to send, reported once per hole: a
    // bound behind what the other side sent moves up to it, and one already there marks the hole
    // reported through the other side's duplicate ACK count (as tshark 4.0 behaves on the crafted
    // cases; plain unsigned numbers compared, as packet-tcp.c compares them).
    if (rev.maxSeqToBeAcked !== 0 && gtSeq(ack, rev.maxSeqToBeAcked) && flags & ACK) {
      if (rev.maxSeqToBeAcked < rev.nextSeq) {
        rev.maxSeqToBeAcked = rev.nextSeq;
        a |= TcpAnalysis.ACK_LOST_PACKET;
      } else {
        if (rev.dupAcks === 0) a |= TcpAnalysis.ACK_LOST_PACKET;
        rev.dupAcks = -1;
      }
    }
    // Data (or SYN, FIN) that does not advance the sequence: a retransmission of some kind.
    if ((seglen > 0 || flags & (SYN | FIN)) && !(a & TcpAnalysis.KEEP_ALIVE)) {
      // One byte short of the next sequence number and longer than one byte: new data after a probe.
      const notAdvanced = fwd.nextSeq !== 0 && ltSeq(seq, fwd.nextSeq) && !(seglen > 1 && u32(fwd.nextSeq - 1) === seq);
      const end = u32(seq + seglen + (flags & (SYN | FIN) ? 1 : 0));
      if (seglen > 0 && rev.lastAck !== 0 && leSeq(u32(seq + seglen), rev.lastAck)) {
        // Bytes the receiver had already acknowledged.
        a |= TcpAnalysis.SPURIOUS_RETRANSMISSION;
      } else if (notAdvanced && rev.dupAcks >= 2 && rev.lastAck === seq && within(rev.lastAckTime, time, FAST_RETRANSMISSION_NS)) {
        a |= TcpAnalysis.FAST_RETRANSMISSION;
      } else if (notAdvanced && within(fwd.nextSeqTime, time, conn.firstRtt === 0n ? DEFAULT_OOO_NS : conn.firstRtt) && fwd.nextSeq !== end) {
        a |= TcpAnalysis.OUT_OF_ORDER;
      } else if (notAdvanced) {
        a |= TcpAnalysis.RETRANSMISSION;
        // Measured from the oldest segment not yet acknowledged, else the highest one sent.
        const oldest = fwd.unacked[0];
        st.rto = time - (oldest?.time ?? fwd.nextSeqTime);
        st.rtoFrame = oldest?.frame ?? fwd.nextSeqFrame;
      }
    }
    let next = u32(seq + seglen);
    if ((seglen > 0 || flags & (SYN | FIN)) && fwd.unacked.length < MAX_UNACKED) {
      if (flags & (SYN | FIN)) next = u32(next + 1);
      const from = u32(seq - fwd.base);
      const to = u32(next - fwd.base);
      if (fwd.unacked.length === 0) {
        fwd.spanFirst = from;
        fwd.spanLast = to;
        fwd.spanStale = false;
      } else {
        if (from < fwd.spanFirst) fwd.spanFirst = from;
        if (to > fwd.spanLast) fwd.spanLast = to;
      }
      fwd.unacked.push({ frame, seq, nextSeq: next, time });
    }
    if (!(a & TcpAnalysis.ZERO_WINDOW_PROBE)) {
      if (fwd.nextSeq === 0 || gtSeq(next, fwd.nextSeq)) {
        fwd.nextSeq = next;
        fwd.nextSeqTime = time;
        fwd.nextSeqFrame = frame;
      }
      if (fwd.maxSeqToBeAcked === 0 || seq === fwd.maxSeqToBeAcked) fwd.maxSeqToBeAcked = fwd.nextSeq;
    }
    fwd.window = window;
    fwd.lastAck = ack;
    fwd.lastAckTime = time;
    fwd.lastFlags = a;
    if (!(flags & SYN)) fwd.firstAck = false;
    this.#acknowledge(rev, ack, time);
    this.#inFlight(fwd, rev, flags, seglen);
    return a;
  }

  /**
   * The other direction's segments this ACK number covers leave its list; the last one it
   * acknowledges exactly (tshark walks newest first, so the oldest such) gives acks_frame and ack_rtt.
   */
  #acknowledge(rev: Direction, ack: number, time: bigint): void {
    const list = rev.unacked;
    if (list.length === 0) return;
    const st = this.state;
    let kept = list.length;
    for (let i = list.length - 1; i >= 0; i--) {
      const u = list[i]!;
      if (ack === u.nextSeq) {
        st.analyzed = true;
        st.acksFrame = u.frame;
        st.ackRtt = time - u.time;
      } else if (gtSeq(ack, u.seq) && leSeq(ack, u.nextSeq)) {
        // Part of it acknowledged: what is left starts at the ACK.
        u.seq = ack;
        rev.spanStale = true;
        continue;
      } else if (gtSeq(u.nextSeq, ack)) {
        continue;
      }
      list[i] = undefined as unknown as Unacked;
      kept--;
    }
    if (kept !== list.length) {
      rev.unacked = list.filter((u) => u !== undefined);
      rev.spanStale = true;
    }
  }

  /** Bytes in flight after a segment with data: the span of the sender's unacknowledged segments, and the bytes since its last PSH. */
  #inFlight(fwd: Direction, rev: Direction, flags: number, seglen: number): void {
    const list = fwd.unacked;
    if (seglen === 0 || list.length === 0 || !fwd.validBif) return;
    const st = this.state;
    if (fwd.spanStale) {
      fwd.spanFirst = u32(list[0]!.seq - fwd.base);
      fwd.spanLast = u32(list[0]!.nextSeq - fwd.base);
      for (const u of list) {
        const from = u32(u.seq - fwd.base);
        const to = u32(u.nextSeq - fwd.base);
        if (to > fwd.spanLast) fwd.spanLast = to;
        if (from < fwd.spanFirst) fwd.spanFirst = from;
      }
      fwd.spanStale = false;
    }
    // Less what the receiver's last SACK option reported it holds.
    const inFlight = u32(fwd.spanLast - fwd.spanFirst - rev.sacked);
    st.analyzed = true;
    if (inFlight > 0 && inFlight < 2_000_000_000) st.bytesInFlight = inFlight - (flags & (SYN | FIN) ? 1 : 0);
    // Counting starts again after a segment with PSH.
    fwd.pushBytes = fwd.pushSetLast ? seglen : fwd.pushBytes + seglen;
    fwd.pushSetLast = (flags & PSH) !== 0;
    st.pushBytesSent = fwd.pushBytes;
  }

  /**
   * A TCP header quoted by an ICMP error: tshark looks its conversation up, so a 5-tuple no
   * connection has had yet takes the next stream number here.
   */
  quoted(src: string, srcport: number, dst: string, dstport: number): void {
    const here = `${src} ${srcport}`;
    const there = `${dst} ${dstport}`;
    const key = here <= there ? `${here} ${there}` : `${there} ${here}`;
    this.#cached = undefined;
    if (!this.#connections.has(key)) this.#connections.set(key, newConnection(this.#streams++));
  }

  /** tshark's verify_tcp_window_scaling: scaling holds only when both SYNs offer it. */
  #negotiate(fwd: Direction, rev: Direction, shift: number, synAck: boolean): void {
    fwd.scale = shift;
    if (shift === SCALE_UNKNOWN) {
      fwd.scale = SCALE_NONE;
      rev.scale = SCALE_NONE;
    } else if (synAck && rev.scale === SCALE_NONE) {
      fwd.scale = SCALE_NONE;
    }
  }
}
