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
// tshark's analysis flags ([TCP Retransmission], [TCP Dup ACK], ...) are not reproduced.
import type { TcpHeader, TcpOption } from 'wirekit';

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
}

interface Connection {
  /** tshark's tcp.stream. */
  stream: number;
  /** Direction from the endpoint whose key sorts first. */
  a: Direction;
  b: Direction;
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
}

const newDirection = (): Direction => ({ baseSet: false, base: 0, scale: SCALE_UNKNOWN });

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
    }
  }
  return s;
}

/** Per-connection state for tshark-style relative numbers, window scaling and stream numbers. */
export class TcpTracker {
  readonly #connections = new Map<string, Connection>();
  #streams = 0;
  /** The last segment's fields, and the reverse direction's base (for SACK edges). */
  readonly state: TcpState = { stream: 0, seq: 0, nxtseq: 0, ack: 0, window: 0, scaleFactor: undefined };
  #reverseBase = 0;

  /**
   * The info text for one segment: `56214 → 8080 [PSH, ACK] Seq=1 Ack=1 Win=65536 Len=79 TSval=...`.
   * Must be called for every TCP segment in capture order (state advances); `state` then holds
   * the segment's conversation fields.
   */
  info(src: string, dst: string, h: TcpHeader, payloadLength: number): string {
    let shift: number | undefined;
    if (h.flags & SYN) {
      shift = SCALE_UNKNOWN;
      for (const o of h.options) if (o.kind === 'wscale') shift = Math.min(o.shift, MAX_SHIFT);
    }
    const st = this.segment(src, h.srcport, dst, h.dstport, h.seq, h.ack, h.flags, h.window, shift, payloadLength);
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
  segment(src: string, srcport: number, dst: string, dstport: number, seq: number, ackNumber: number, flags: number, window: number, shift: number | undefined, payloadLength: number): TcpState {
    this.#cached = undefined;
    return this.#segment(src, srcport, dst, dstport, seq, ackNumber, flags, window, shift, payloadLength);
  }

  // The connection of the last segmentV4 call and its 4-tuple (as numbers): consecutive segments of
  // one connection (most of a capture) skip building the text key. Any other call forgets it (a
  // SYN on the same 4-tuple may have started a new connection there).
  #cached: Connection | undefined;
  #cachedSrc = 0;
  #cachedDst = 0;
  #cachedPorts = 0;
  #cachedForward = false;
  #lastConnection: Connection | undefined;
  #lastForward = false;

  /** `segment` for IPv4 addresses given as numbers (the NDJSON fast path, which has no address text). */
  segmentV4(src: number, srcport: number, dst: number, dstport: number, seq: number, ackNumber: number, flags: number, window: number, shift: number | undefined, payloadLength: number): TcpState {
    const conn = this.#cached;
    if (conn !== undefined && !(flags & SYN)) {
      const ports = srcport * 65536 + dstport;
      if (src === this.#cachedSrc && dst === this.#cachedDst && ports === this.#cachedPorts) return this.#advance(conn, this.#cachedForward, seq, ackNumber, flags, window, shift, payloadLength);
      if (src === this.#cachedDst && dst === this.#cachedSrc && ports === dstport * 65536 + srcport) return this.#advance(conn, !this.#cachedForward, seq, ackNumber, flags, window, shift, payloadLength);
    }
    const st = this.#segment(ipv4Text(src), srcport, ipv4Text(dst), dstport, seq, ackNumber, flags, window, shift, payloadLength);
    this.#cached = this.#lastConnection;
    this.#cachedSrc = src;
    this.#cachedDst = dst;
    this.#cachedPorts = srcport * 65536 + dstport;
    this.#cachedForward = this.#lastForward;
    return st;
  }

  #segment(src: string, srcport: number, dst: string, dstport: number, seq: number, ackNumber: number, flags: number, window: number, shift: number | undefined, payloadLength: number): TcpState {
    const here = `${src} ${srcport}`;
    const there = `${dst} ${dstport}`;
    const forward = here <= there;
    const key = forward ? `${here} ${there}` : `${there} ${here}`;
    let conn = this.#connections.get(key);
    const syn = (flags & SYN) !== 0;
    const ack = (flags & ACK) !== 0;
    if (conn !== undefined && syn && !ack) {
      const fwd = forward ? conn.a : conn.b;
      if (fwd.baseSet && fwd.base !== seq) conn = undefined;
    }
    if (conn === undefined) {
      conn = { stream: this.#streams++, a: newDirection(), b: newDirection() };
      this.#connections.set(key, conn);
    }
    this.#lastConnection = conn;
    this.#lastForward = forward;
    return this.#advance(conn, forward, seq, ackNumber, flags, window, shift, payloadLength);
  }

  #advance(conn: Connection, forward: boolean, seq: number, ackNumber: number, flags: number, window: number, shift: number | undefined, payloadLength: number): TcpState {
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
    return st;
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
    if (!this.#connections.has(key)) this.#connections.set(key, { stream: this.#streams++, a: newDirection(), b: newDirection() });
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
