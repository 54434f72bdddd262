// TCP info-column text as tshark 4.0 prints it by default (packet-tcp.c): relative sequence and
// acknowledgement numbers and the scaled window. Both need per-connection state, kept here the way
// tshark keeps it in its single pass:
// - the base of each direction is its SYN's sequence number, or one less than the first sequence
//   number seen (mid-stream captures start at Seq=1), or, when an ACK is seen before the other
//   direction sends, one less than that ACK (so it reads Ack=1);
// - window scaling applies to a direction once its SYN carried a WS option and the peer's SYN did
//   too (RFC 7323 2.2); windows of SYN segments are never scaled;
// - a SYN with a new sequence number on a known 4-tuple starts a new connection (port reuse).
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
  /** Direction from the endpoint whose key sorts first. */
  a: Direction;
  b: Direction;
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

/** Per-connection state for tshark-style relative numbers and window scaling. */
export class TcpTracker {
  readonly #connections = new Map<string, Connection>();

  /**
   * The info text for one segment: `56214 → 8080 [PSH, ACK] Seq=1 Ack=1 Win=65536 Len=79 TSval=...`.
   * Must be called for every TCP segment in capture order (state advances).
   */
  info(src: string, dst: string, h: TcpHeader, payloadLength: number): string {
    const here = `${src} ${h.srcport}`;
    const there = `${dst} ${h.dstport}`;
    const forward = here <= there;
    const key = forward ? `${here} ${there}` : `${there} ${here}`;
    let conn = this.#connections.get(key);
    const syn = (h.flags & SYN) !== 0;
    const ack = (h.flags & ACK) !== 0;
    if (conn !== undefined && syn && !ack) {
      const fwd = forward ? conn.a : conn.b;
      if (fwd.baseSet && fwd.base !== h.seq) conn = undefined;
    }
    if (conn === undefined) {
      conn = { a: newDirection(), b: newDirection() };
      this.#connections.set(key, conn);
    }
    const fwd = forward ? conn.a : conn.b;
    const rev = forward ? conn.b : conn.a;
    if (!fwd.baseSet) {
      fwd.baseSet = true;
      fwd.base = syn ? h.seq : u32(h.seq - 1);
    }
    if (ack && !rev.baseSet) {
      rev.baseSet = true;
      rev.base = u32(h.ack - 1);
    }
    if (syn) this.#negotiate(fwd, rev, h, ack);
    const window = !syn && fwd.scale >= 0 ? h.window * 2 ** fwd.scale : h.window;

    let s = `${h.srcport} \u2192 ${h.dstport} [${tcpFlagNames(h.flags)}] Seq=${u32(h.seq - fwd.base)}`;
    if (ack) s += ` Ack=${u32(h.ack - rev.base)}`;
    s += ` Win=${window}`;
    if (h.flags & URG) s += ` Urg=${h.urgentPointer}`;
    s += ` Len=${payloadLength}`;
    return s + optionText(h.options, rev.base);
  }

  /** tshark's verify_tcp_window_scaling: scaling holds only when both SYNs offer it. */
  #negotiate(fwd: Direction, rev: Direction, h: TcpHeader, synAck: boolean): void {
    let shift = SCALE_UNKNOWN;
    for (const o of h.options) if (o.kind === 'wscale') shift = Math.min(o.shift, MAX_SHIFT);
    fwd.scale = shift;
    if (shift === SCALE_UNKNOWN) {
      fwd.scale = SCALE_NONE;
      rev.scale = SCALE_NONE;
    } else if (synAck && rev.scale === SCALE_NONE) {
      fwd.scale = SCALE_NONE;
    }
  }
}
