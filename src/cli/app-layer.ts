// HTTP, TLS and WebSocket in `wirekit decode`, shown as tshark 4.0 shows them with its default
// preferences. A TcpReassembler runs beside the decode loop; its onData callbacks fire during the
// push of the packet that made the bytes available, so whatever PDU they complete belongs to that
// packet, as tshark puts a PDU on the frame that completes it.
//
// Which decoder a connection gets follows packet-tcp.c's decode_tcp_ports: the server port (the
// SYN's destination), then the lower port, then the higher one, in tshark's tcp.port table for
// http and tls (`tshark -G decodes`); then the heuristics it enables by default: HTTP when a
// segment's first line starts or ends with "HTTP/1." (packet-http.c), TLS when a segment starts
// with a handshake or application data record header of SSL 3.0 to TLS 1.2 and a sane length
// (packet-tls.c is_sslv3_or_tls). WebSocket follows an HTTP 101 whose Upgrade is websocket.
//
// Segments that hold only part of a PDU read as tshark's TCP reassembly shows them: where the
// dissector knew how many bytes it still needed (a Content-Length body, a body read until the
// close, a TLS record or WebSocket frame whose header was whole) TCP does not call it again, and the
// line is TCP's with " [TCP segment of a reassembled PDU]"; where it did not (HTTP headers, a
// chunked body) the dissector sees the segment again and its own text stays in front.
import {
  decodePacket,
  type CaptureRecord,
  type DecodeOptions,
  decodeDns,
  dns,
  dnsInfo,
  Http1Conversation,
  TSHARK_HTTP_METHODS,
  TcpReassembler,
  TlsConnectionDecoder,
  WebSocketParser,
  httpHeader,
  tlsRecordFields,
  websocketFields,
  type DnsHeader,
  type FieldSink,
  type HttpMessage,
  type Ipv4Header,
  type Ipv6Header,
  type Packet,
  type TcpConnection,
  type TcpHeader,
  type TlsRecord,
  type WebSocketFrame,
} from 'wirekit';
import { Http2Session } from './app-http2.js';
import { ocspResponseProtocols, x509Protocols } from './x509-protocols.js';
import { IMAGE_HEAD, imageText, isJsonMedia, mediaNode, type BodyStart } from './media-types.js';
import { decodeContentCoding, isEncoded } from './content-coding.js';
import { HttpExchanges, httpMessageFields, type HttpMessageLinks } from './http-fields.js';

/** tcp.port entries of tshark 4.0's http and tls dissectors (`tshark -G decodes`). */
const HTTP_PORTS = new Set([80, 631, 1900, 2710, 2869, 3128, 3132, 3689, 5985, 8080, 8088, 11371]);
const TLS_PORTS = new Set([261, 324, 443, 465, 563, 585, 614, 636, 802, 853, 989, 990, 992, 993, 994, 995, 1300, 2221, 2443, 3249, 3250, 3251, 3252, 3496, 5061, 5671, 5684, 5868, 8883, 11207, 19999, 27017]);

/** tshark's tcp.port table for DNS (`tshark -G decodes`). */
const DNS_PORTS = new Set([53, 5353]);

export const REASSEMBLED_SEGMENT = '[TCP segment of a reassembled PDU]';

const TLS_VERSION_NAMES: Record<number, string> = { 0x0300: 'SSLv3', 0x0301: 'TLSv1', 0x0302: 'TLSv1.1', 0x0303: 'TLSv1.2', 0x0304: 'TLSv1.3' };

const HANDSHAKE_NAMES: Record<number, string> = {
  0: 'Hello Request', 1: 'Client Hello', 2: 'Server Hello', 3: 'Hello Verify Request', 4: 'New Session Ticket', 5: 'End of Early Data',
  6: 'Hello Retry Request', 8: 'Encrypted Extensions', 11: 'Certificate', 12: 'Server Key Exchange', 13: 'Certificate Request',
  14: 'Server Hello Done', 15: 'Certificate Verify', 16: 'Client Key Exchange', 20: 'Finished', 21: 'Certificate URL',
  22: 'Certificate Status', 23: 'Supplemental Data', 24: 'Key Update', 25: 'Compressed Certificate', 254: 'Message Hash',
};

const ALERT_DESCRIPTIONS: Record<number, string> = {
  0: 'Close Notify', 10: 'Unexpected Message', 20: 'Bad Record MAC', 21: 'Decryption Failed', 22: 'Record Overflow',
  30: 'Decompression Failure', 40: 'Handshake Failure', 41: 'No Certificate', 42: 'Bad Certificate', 43: 'Unsupported Certificate',
  44: 'Certificate Revoked', 45: 'Certificate Expired', 46: 'Certificate Unknown', 47: 'Illegal Parameter', 48: 'Unknown CA',
  49: 'Access Denied', 50: 'Decode Error', 51: 'Decrypt Error', 60: 'Export Restriction', 70: 'Protocol Version',
  71: 'Insufficient Security', 80: 'Internal Error', 86: 'Inappropriate Fallback', 90: 'User Canceled', 100: 'No Renegotiation',
  109: 'Missing Extension', 110: 'Unsupported Extension', 111: 'Certificate Unobtainable', 112: 'Unrecognized Name',
  113: 'Bad Certificate Status Response', 114: 'Bad Certificate Hash Value', 115: 'Unknown PSK Identity', 116: 'Certificate Required',
  120: 'No application Protocol',
};

const WS_OPCODES: Record<number, string> = { 0: 'Continuation', 1: 'Text', 2: 'Binary', 8: 'Connection Close', 9: 'Ping', 10: 'Pong' };

/** Whether a message's body is an OCSP response (application/ocsp-response). */
function isOcspResponse(m: HttpMessage): boolean {
  return (httpHeader(m.headers, 'content-type') ?? '').split(';')[0]!.trim().toLowerCase() === 'application/ocsp-response';
}

/** What the Certificate messages of these records add to frame.protocols (x509-protocols.ts). */
function certificateProtocols(records: readonly TlsRecord[]): string[] {
  const out: string[] = [];
  for (const r of records) for (const m of r.messages ?? []) for (const cert of m.certificate?.certificates ?? []) out.push(...x509Protocols(cert));
  return out;
}

/**
 * What tshark appends to an HTTP message's line for a body of this media type (measured on 4.0),
 * or (`replace`) the text its dissector puts in place of the line: OCSP's `Request` and `Response`.
 */
function mediaSuffix(type: string, body: BodyStart): { protocol?: string; text: string; replace?: string } {
  if (type === 'application/octet-stream' || type.startsWith('multipart/') || type === 'application/grpc') return { text: '' };
  if (type === 'application/ocsp-request') return { protocol: 'OCSP', text: '', replace: 'Request' };
  if (type === 'application/ocsp-response') return { protocol: 'OCSP', text: '', replace: 'Response' };
  if (isJsonMedia(type)) {
    return { protocol: 'HTTP/JSON', text: `, JavaScript Object Notation (${type})` };
  }
  const node = mediaNode(type, body);
  if (node === 'xml') return { protocol: 'HTTP/XML', text: '' };
  // An image its dissector takes names its format instead ("PNG", "GIF89a", "JPEG JFIF image").
  return { text: ` (${imageText(node, body) ?? type})` };
}

/**
 * What a message's body is to tshark's HTTP dissector: `none` (no bytes, or a coding that decoded
 * to none), `data` (a Content-Encoding that did not decode), or `media` for its media type's
 * dissector. Takes the direction's kept encoded bytes.
 */
function bodyOutcome(dir: Direction, m: HttpMessage): { kind: 'none' | 'data' | 'media'; start: BodyStart } {
  // (Bytes kept for another message, one that ended in an error, are not this one's.)
  const mine = dir.bodyOf === m;
  const coded = mine ? dir.coded : [];
  const start: BodyStart = { head: mine ? dir.head : EMPTY_HEAD, length: m.bodyLength };
  dir.bodyOf = undefined;
  dir.coded = [];
  dir.codedBytes = 0;
  dir.head = EMPTY_HEAD;
  if (m.bodyLength === 0) return { kind: 'none', start };
  const coding = httpHeader(m.headers, 'content-encoding');
  if (!isEncoded(coding)) {
    if (coded.length > 0) start.whole = coded.length === 1 ? coded[0]! : Buffer.concat(coded);
    return { kind: 'media', start };
  }
  const bytes = coded.length === 1 ? coded[0]! : Buffer.concat(coded);
  const decoded = decodeContentCoding(coding, bytes);
  if (decoded === undefined) return { kind: 'data', start };
  return { kind: decoded.length === 0 ? 'none' : 'media', start: { head: decoded.subarray(0, IMAGE_HEAD), length: decoded.length } };
}

/** One packet's application columns, and the PDUs it completed (for --json and stats). */
export class AppColumns {
  /** `pdu`: the packet completes PDUs; `segment`: it carries only part of one. */
  kind: 'none' | 'pdu' | 'segment' = 'none';
  protocol = '';
  /** The info text (for `segment`: the text in front of the marker, '' for TCP's own line). */
  info = '';
  /** `segment`: the dissector's text replaces TCP's (TLS clears the column). */
  replaces = false;
  /** frame.protocols names to append (`http`, `tls`, `websocket`). */
  layers: string[] = [];
  http: HttpMessage[] = [];
  /** What pairs each of `http` with the other messages of its connection (undefined: frame unknown). */
  httpLinks: (HttpMessageLinks | undefined)[] = [];
  tls: TlsRecord[] = [];
  websocket: WebSocketFrame[] = [];
  /** HTTP/2: the session whose frames and gRPC messages the packet completed. */
  http2: Http2Session | undefined;
  /** DNS over TCP: the messages the packet completed (the column and fields replace the packet's own DNS decode). */
  dns: DnsHeader[] = [];
  /** The columns are DNS over TCP's, put together across segments (not the packet's own DNS decode). */
  dnsOverTcp = false;
  /**
   * The protocols tshark's tree shows above TCP for the PDUs this packet completed, in order, as
   * `tshark -z io,phs` nests them: `http` and the body's media dissector (`data-text-lines`,
   * `json`, `data`...), `tls`, `websocket` and its payload, `dns`; `tcp.segments` after the first
   * PDU when it was put together from earlier segments (before it, for a body the FIN completes).
   */
  nodes: string[] = [];
  /**
   * The dissectors tshark's frame.protocols lists above TCP: as `nodes` without `tcp.segments`,
   * with `http` under WebSocket and HTTP/2 found through HTTP, and `data` for an HTTP body without
   * a media type (which stays inside HTTP's tree).
   */
  protocols: string[] = [];
  /** The packet's TCP connection is read by an application decoder (its payload is not `data`). */
  carried = false;
  /** The message the columns name was cut short by the snaplen in this packet (tshark's "[Packet size limited during capture]"). */
  cut = false;

  reset(): void {
    this.cut = false;
    this.nodes.length = 0;
    this.protocols.length = 0;
    this.carried = false;
    this.dns.length = 0;
    this.dnsOverTcp = false;
    this.kind = 'none';
    this.protocol = '';
    this.info = '';
    this.replaces = false;
    this.layers.length = 0;
    this.http.length = 0;
    this.httpLinks.length = 0;
    this.tls.length = 0;
    this.websocket.length = 0;
    this.http2 = undefined;
  }

  /** The protocol and info columns over TCP's (`tcpInfo`). */
  apply(protocol: string, tcpInfo: string): [string, string] {
    if (this.kind === 'pdu') return [this.protocol, this.info];
    if (this.kind === 'segment') {
      const front = this.replaces ? this.info : tcpInfo;
      return ['TCP', front === '' ? REASSEMBLED_SEGMENT : `${front} ${REASSEMBLED_SEGMENT}`];
    }
    return [protocol, tcpInfo];
  }

  /** Fields of the PDUs, as far as they are named (HTTP messages, TLS records, WebSocket frames, HTTP/2, DNS). */
  fields(out: FieldSink): void {
    for (let i = 0; i < this.http.length; i++) httpMessageFields(this.http[i]!, this.httpLinks[i], out);
    for (const r of this.tls) tlsRecordFields(r, out);
    for (const f of this.websocket) {
      const ws = websocketFields(f);
      for (const k in ws) out.add(k, ws[k]!);
    }
    this.http2?.fields(out);
    for (const m of this.dns) dns.fields(m, out, { name: 'dns', header: m, offset: 0, length: 0, payloadOffset: 0, payloadLength: 0 });
  }
}

interface Direction {
  /** The PDU in progress had a known length at the end of the last segment (TCP will not call the dissector until it is whole). */
  exact: boolean;
  /** TLS: the plaintext handshake bytes seen so far (for message names of fragments); dropped once encrypted. */
  hsType: number;
  hsRemaining: number;
  hsHeader: number[];
  /** TLS: stream offset after the last whole record. */
  recordEnd: number;
  /** WebSocket: the opcode of the message in progress (1 text, 2 binary), and the bytes its parser was given. */
  wsOpcode: number;
  wsPushed: number;
  /** Stream offset after the bytes handed on so far (-1 before any): a later chunk past it follows a hole. */
  next: number;
  /**
   * HTTP: the body so far (its first MAX_CODED_BODY bytes) of a message sent with a Content-Encoding,
   * to decode as tshark does, or of an OCSP response, whose contents frame.protocols names.
   */
  coded: Uint8Array[];
  codedBytes: number;
  /** HTTP: the first IMAGE_HEAD bytes of the body in progress (what the image dissectors check). */
  head: Uint8Array;
  /** HTTP: the message whose body `head` and `coded` hold, and whether `coded` keeps its bytes. */
  bodyOf: HttpMessage | undefined;
  bodyKept: boolean;
}

type Kind = 'unknown' | 'http' | 'tls' | 'websocket' | 'http2' | 'dns';

/**
 * One direction of DNS over TCP (RFC 1035 4.2.2: each message after its 2-byte length), as
 * tshark's tcp_dissect_pdus reads it: the bytes of a message not yet whole wait in `pending`.
 */
interface DnsFraming {
  pending: Uint8Array;
  /** Messages the packet being pushed completed, and whether its bytes were exactly one message, from a boundary (decodePacket shows that one itself). */
  done: DnsHeader[];
  whole: boolean;
  /** The first message completed by the packet began in an earlier segment. */
  joined: boolean;
  failed: boolean;
}

/** What `-d tcp.port==N,PROTOCOL` can name (tshark's Decode As). */
export type DecodeAsProtocol = 'http' | 'tls' | 'http2';

interface Connection {
  kind: Kind;
  http: Http1Conversation | undefined;
  tls: TlsConnectionDecoder | undefined;
  ws: [WebSocketParser, WebSocketParser] | undefined;
  /** HTTP/2: by Decode As, the preface on an HTTP connection, or an h2c upgrade (then `http` stays, tunneling). */
  h2: Http2Session | undefined;
  /** The next HTTP/2 push is the packet's first. */
  h2First: boolean;
  /** HTTP/2 was found on an HTTP connection (the preface), not named by Decode As. */
  h2ViaHttp: boolean;
  /** The direction whose bytes are being pushed now. */
  now: 0 | 1;
  /** HTTP/1.x: the requests and responses so far, to pair them as tshark does. */
  exchanges: HttpExchanges | undefined;
  /**
   * TLS: bytes that are no record are continuation data (a record was seen, or the capture began
   * mid-connection); otherwise, as tshark, they are left to TCP. Either way a later segment that
   * starts a record picks TLS up again.
   */
  tlsResync: boolean;
  dirs: [Direction, Direction];
  /** TLS: the bytes of the record being pushed, by stream offset, kept only while plaintext handshakes flow. */
  tlsBytes: [Uint8Array[], Uint8Array[]];
  tlsBase: [number, number];
  /** The HTTP response that switched to WebSocket was seen. */
  upgradeToWebsocket: boolean;
  /** Bytes of this packet passed over by HTTP (not a message). */
  skipped: boolean;
  /** HTTP: the packet's bytes start with a byte no text protocol starts with, outside a message (shown as TCP). */
  binary: boolean;
  /** The packet pushed bytes into the decoder. */
  pushed: boolean;
  /** HTTP stopped on an error during this packet; the packet's first line, if it was a start line. */
  failed: boolean;
  startLine: string;
  /** DNS over TCP, each direction's framing. */
  dns: [DnsFraming, DnsFraming] | undefined;
}

const newDirection = (): Direction => ({ exact: false, hsType: -1, hsRemaining: 0, hsHeader: [], recordEnd: 0, wsOpcode: 0, wsPushed: 0, next: -1, coded: [], codedBytes: 0, head: EMPTY_HEAD, bodyOf: undefined, bodyKept: false });

const EMPTY_HEAD = new Uint8Array(0);

/** Bytes of an HTTP body kept (to decode: a prefix decides the outcome as well as the whole, content-coding.ts; or an OCSP response). */
const MAX_CODED_BODY = 4 * 1024 * 1024;

const endpoint = (address: string, port: number) => (address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`);

/** The "src>dst" key of a packet's TCP segment (the IP layer right below it). */
function tupleOf(packet: Packet, tcp: TcpHeader): string {
  const layers = packet.layers;
  let ip: Ipv4Header | Ipv6Header | undefined;
  for (const l of layers) {
    if (l.name === 'ip' || l.name === 'ipv6') ip = l.header as Ipv4Header | Ipv6Header;
    if (l.header === tcp) break;
  }
  return ip === undefined ? '' : `${endpoint(ip.src, tcp.srcport)}>${endpoint(ip.dst, tcp.dstport)}`;
}

/**
 * Whether a record may hold a TCP segment (or an IP fragment of one): a cheap test on its bytes so
 * that captures of UDP and other traffic never decode a packet twice or make a reassembler.
 */
export function mayCarryTcp(record: { linkType: number; data: Uint8Array }): boolean {
  const b = record.data;
  if (record.linkType !== 1 || b.length < 34) return true;
  const type = (b[12]! << 8) | b[13]!;
  if (type === 0x0800 && (b[14]! & 0xf0) === 0x40) {
    // Not TCP, not a fragment, not a tunnel: nothing for the reassembler.
    const proto = b[23]!;
    const fragment = ((b[20]! << 8) | b[21]!) & 0x3fff;
    if (proto === 17 && fragment === 0) return udpTunnel(b, 14 + (b[14]! & 0x0f) * 4);
    return proto === 6 || fragment !== 0 || proto === 4 || proto === 41 || proto === 47;
  }
  if (type === 0x86dd && b.length >= 54) {
    const next = b[20]!;
    if (next === 17) return udpTunnel(b, 54);
    return next !== 58;
  }
  if (type === 0x0806) return false;
  return true;
}

/** A UDP header at `at` to or from an overlay port (VXLAN 4789, Geneve 6081), whose inner frame may carry TCP. */
function udpTunnel(b: Uint8Array, at: number): boolean {
  if (b.length < at + 8) return false;
  const src = (b[at]! << 8) | b[at + 1]!;
  const dst = (b[at + 2]! << 8) | b[at + 3]!;
  return src === 4789 || dst === 4789 || src === 6081 || dst === 6081;
}

/** HTTP heuristic: the segment's first line starts or ends with "HTTP/1." (as packet-http.c tests it). */
function looksLikeHttp(d: Uint8Array): boolean {
  let end = -1;
  for (let i = 0; i < d.length; i++) {
    if (d[i] === 0x0a || d[i] === 0x0d) {
      end = i;
      break;
    }
  }
  if (end < 0 || end === 8) return false;
  const at = (k: number) => k >= 0 && k + 7 <= end && d[k] === 0x48 && d[k + 1] === 0x54 && d[k + 2] === 0x54 && d[k + 3] === 0x50 && d[k + 4] === 0x2f && d[k + 5] === 0x31 && d[k + 6] === 0x2e;
  return at(0) || at(end - 8);
}

/** The segment starts with the HTTP/2 client preface (RFC 9113 3.4). */
function isPreface(d: Uint8Array): boolean {
  if (d.length < 24 || d[0] !== 0x50) return false;
  const preface = 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n';
  for (let i = 0; i < 24; i++) if (d[i] !== preface.charCodeAt(i)) return false;
  return true;
}

/** The first line of a segment, as text (one char per byte). */
function firstLine(d: Uint8Array): string {
  let s = '';
  for (let i = 0; i < d.length && d[i] !== 0x0d && d[i] !== 0x0a; i++) s += String.fromCharCode(d[i]!);
  return s;
}

/** TLS heuristic (is_sslv3_or_tls): a handshake or application data record header with a sane length. */
/** Whether a segment starts with what could be a TLS record header (content type 20-24, version 3.0 to 1.3). */
function startsRecord(d: Uint8Array): boolean {
  return d.length >= 3 && d[0]! >= 20 && d[0]! <= 24 && d[1] === 3 && d[2]! <= 4;
}

function looksLikeTls(d: Uint8Array): boolean {
  if (d.length < 5) return false;
  if (d[0] !== 22 && d[0] !== 23) return false;
  const version = (d[1]! << 8) | d[2]!;
  if (version !== 0x0300 && version !== 0x0301 && version !== 0x0302 && version !== 0x0303 && version !== 0x0101) return false;
  const length = (d[3]! << 8) | d[4]!;
  return length > 0 && length < 16384 + 2048;
}

/** The application layer of `decode`: feed it every packet, in order, and read `columns`. */
export class AppLayer {
  readonly columns = new AppColumns();
  #reassembler: TcpReassembler | undefined;
  readonly #connections = new Map<TcpConnection, Connection>();
  /** Connections by "src>dst" endpoints, with the direction that key is: for FIN segments, which carry no data. */
  readonly #byTuple = new Map<string, [Connection, 0 | 1]>();
  /** "src>dst" keys of directions whose decoder stopped. */
  readonly #dead = new Set<string>();
  /** Per packet: texts of the completed PDUs, by protocol. */
  #texts: string[] = [];
  #protocol = '';
  #current: Connection | undefined;
  /** The packet being pushed: its TCP source, and whether bytes of its own direction, or only of the other one (released by its ACK), were handed on. */
  #srcAddr = '';
  #srcPort = -1;
  #own = false;
  /** Stream offset of the bytes being pushed to a decoder (Infinity for a body the FIN ends), and whether a FIN is ending one. */
  #chunkStart = 0;
  #fin = false;
  /** The packet's tree nodes above TCP so far (AppColumns.nodes). */
  readonly #nodes: string[] = [];
  /** The packet's frame.protocols entries above TCP so far (AppColumns.protocols). */
  readonly #protocols: string[] = [];
  readonly #decodeAs: ReadonlyMap<number, DecodeAsProtocol> | undefined;
  /** The packet being pushed was cut by the snaplen. */
  #cut = false;
  /** The record being pushed: its number (1-based, 0 before pushRecord) and capture time. */
  #record = 0;
  #recordTime = 0n;

  /** @param decodeAs TCP ports whose connections are read as a protocol (`-d tcp.port==N,http2`), before tshark's port table. */
  constructor(decodeAs?: ReadonlyMap<number, DecodeAsProtocol>) {
    this.#decodeAs = decodeAs !== undefined && decodeAs.size > 0 ? decodeAs : undefined;
  }

  /**
   * True when the record is an Ethernet/IPv4 TCP segment (no SYN) of a direction whose decoder has
   * stopped: it needs no decoding here (the columns are reset). A test on the bytes, for speed.
   */
  skipRecord(record: { linkType: number; data: Uint8Array }): boolean {
    if (this.#dead.size === 0) return false;
    const b = record.data;
    if (record.linkType !== 1 || b.length < 54 || b[12] !== 0x08 || b[13] !== 0x00 || b[23] !== 6) return false;
    const ihl = (b[14]! & 0x0f) * 4;
    const t = 14 + ihl;
    if (ihl < 20 || b.length < t + 14 || ((b[20]! << 8) | b[21]!) & 0x3fff || b[t + 13]! & 2) return false;
    const key = `${b[26]}.${b[27]}.${b[28]}.${b[29]}:${(b[t]! << 8) | b[t + 1]!}>${b[30]}.${b[31]}.${b[32]}.${b[33]}:${(b[t + 2]! << 8) | b[t + 3]!}`;
    if (!this.#dead.has(key)) return false;
    this.columns.reset();
    return true;
  }

  /**
   * A record as `decode` and `stats` read it: decoded (with `options`, its link type among them)
   * and pushed when it may carry TCP, the packet returned for the caller to reuse; else the
   * columns cleared and undefined returned.
   */
  pushRecord(record: CaptureRecord, options: DecodeOptions): Packet | undefined {
    this.#record++;
    this.#recordTime = record.timestamp;
    if (!mayCarryTcp(record) || this.skipRecord(record)) {
      this.columns.reset();
      return undefined;
    }
    const decoded = decodePacket(record.data, options);
    this.push(decoded, record.timestamp, record.originalLength);
    return decoded;
  }

  /** Pushes one packet (as decoded, before IP defragmentation: the reassembler defragments). */
  push(packet: Packet, timestamp: bigint, frameLength: number): void {
    const c = this.columns;
    c.reset();
    this.#cut = frameLength > packet.bytes.length;
    // Only packets with a TCP layer reach the reassembler; captures without TCP never make one.
    const layers = packet.layers;
    let tcp: TcpHeader | undefined;
    let payload = 0;
    let src = '';
    for (let i = 0; i < layers.length; i++) {
      const l = layers[i]!;
      if (l.name === 'icmp' || l.name === 'icmpv6') return;
      if (l.name === 'ip' || l.name === 'ipv6') src = (l.header as Ipv4Header | Ipv6Header).src;
      if (l.name === 'tcp') {
        tcp = l.header as TcpHeader;
        payload = l.payloadLength;
        break;
      }
    }
    if (tcp === undefined) {
      // A fragment the defragmenter may complete later still goes in.
      if (this.#reassembler === undefined || !layers.some((l) => l.name === 'ip' || l.name === 'ipv6')) return;
    }
    // A direction whose decoder stopped on an error shows TCP from then on: its segments need no
    // reassembly (a SYN may start a new connection on the 4-tuple, so it always goes in).
    if (tcp !== undefined && this.#dead.size > 0 && !(tcp.flags & 2) && this.#dead.has(tupleOf(packet, tcp))) return;
    this.#reassembler ??= this.#make();
    this.#texts.length = 0;
    this.#nodes.length = 0;
    this.#protocols.length = 0;
    this.#current = undefined;
    this.#srcAddr = src;
    this.#srcPort = tcp === undefined ? -1 : tcp.srcport;
    this.#own = false;
    this.#reassembler.push(packet, timestamp, frameLength);
    let conn = this.#current as Connection | undefined;
    // A FIN ends a body read until the close (the FIN packet completes it, as in tshark).
    if (tcp !== undefined && tcp.flags & 1) {
      if (conn === undefined) {
        const found = this.#byTuple.get(tupleOf(packet, tcp));
        if (found !== undefined) {
          conn = found[0];
          conn.now = found[1];
        }
      }
      const p = conn?.kind === 'http' ? conn.http!.parsers[conn.now] : undefined;
      if (p !== undefined && p.current !== undefined && p.current.framing === 'close' && p.current.headerEnd > p.current.start) {
        conn!.pushed = true;
        this.#own = true;
        this.#chunkStart = Infinity;
        this.#fin = true;
        try {
          p.end();
        } catch {
          // a message cut short: nothing to show
        }
        this.#fin = false;
      }
    }
    if (conn === undefined) {
      if (tcp !== undefined && payload > 0) this.#held(tcp, payload);
      return;
    }
    this.#finish(conn);
    // Bytes of the other direction this packet's ACK released (the capture missed what was before
    // them): tshark showed them on their own packets as they came, not here.
    if (!this.#own) this.columns.reset();
    const stopped = this.#stopped(conn);
    c.carried = conn.kind !== 'unknown' && !stopped;
    if (c.kind !== 'none' && this.#nodes.length > 0) c.nodes.push(...this.#nodes);
    else if (c.kind === 'pdu' && c.protocol === 'HTTP') c.nodes.push('http');
    if (c.kind !== 'none' && this.#protocols.length > 0) c.protocols.push(...this.#protocols);
    else if (c.kind === 'pdu' && c.protocol === 'HTTP') c.protocols.push('http');
    // (A TLS direction is never given up: it picks its records up at a segment that starts one.)
    if (tcp !== undefined && stopped && conn.kind !== 'tls') this.#dead.add(tupleOf(packet, tcp));
  }

  /**
   * A segment the reassembler holds (it came after bytes the capture has not shown yet). tshark
   * does not reorder: it puts a segment that falls inside a PDU of known length into that PDU as it
   * comes, so the packet reads as one of its segments.
   */
  #held(tcp: TcpHeader, payload: number): void {
    const tc = this.#reassembler?.lastConnection;
    if (tc === undefined) return;
    const d = tc.ports[0] === this.#srcPort && tc.addresses[0] === this.#srcAddr ? 0 : 1;
    const conn = this.#connections.get(tc);
    if (conn !== undefined && conn.kind !== 'unknown') this.columns.carried = true;
    if (conn === undefined || !conn.dirs[d].exact) return;
    // Where the segment starts against the next byte expected: ahead of it (held), or behind it (a
    // copy of bytes seen, which tshark flags out of order when it comes soon after them).
    const at = (tcp.seq - tc.directions[d].next) | 0;
    const [before, after] = this.#pduSpan(conn, d);
    // A copy of the PDU's first segment is tshark's "retransmitted TCP segment data": no marker.
    if (at <= -before || at + payload > after) return;
    this.columns.kind = 'segment';
  }

  /**
   * Direction d's PDU in progress around the next byte expected: the bytes of it already here, and
   * those still to come (Infinity for a body read until the close). [0, 0] when there is none.
   */
  #pduSpan(conn: Connection, d: 0 | 1): [number, number] {
    if (conn.kind === 'tls') {
      const t = conn.tls!.directions[d];
      return [t.recordConsumed, t.recordRemaining];
    }
    if (conn.ws !== undefined && (conn.kind === 'websocket' || conn.http?.parsers[d].tunneling)) return [conn.ws[d].frameConsumed, conn.ws[d].frameRemaining];
    if (conn.kind !== 'http') return [0, 0];
    const m = conn.http!.parsers[d].current;
    if (m === undefined || m.headerEnd <= m.start) return [0, 0];
    const here = m.headerEnd - m.start + m.bodyLength;
    if (m.framing === 'close') return [here, Infinity];
    return m.framing === 'length' ? [here, (m.contentLength ?? 0) - m.bodyLength] : [0, 0];
  }

  /** Whether the decoder of the direction just pushed has stopped for good. */
  #stopped(conn: Connection): boolean {
    const d = conn.now;
    // TLS bytes it cannot place are the payload's own unless claimed as continuation data.
    if (conn.kind === 'tls') return conn.tls!.directions[d].error !== undefined && !conn.tlsResync;
    if (conn.kind === 'http2') return conn.h2!.stopped(d);
    if (conn.kind === 'http') {
      if (conn.h2 !== undefined && conn.http!.parsers[d].tunneling) return conn.h2.stopped(d);
      return conn.ws === undefined ? conn.http!.errors[d] !== undefined : conn.ws[d].error !== undefined;
    }
    return false;
  }

  #make(): TcpReassembler {
    return new TcpReassembler(
      {
        onData: (tc, direction, data, info) => this.#data(tc, direction, data, info.offset),
        onClose: (tc) => {
          this.#connections.delete(tc);
          this.#byTuple.delete(`${tc.endpoint(0)}>${tc.endpoint(1)}`);
          this.#byTuple.delete(`${tc.endpoint(1)}>${tc.endpoint(0)}`);
        },
      },
      { overlap: 'tshark' },
    );
  }

  #data(tc: TcpConnection, direction: 0 | 1, data: Uint8Array, offset: number): void {
    let conn = this.#connections.get(tc);
    if (conn === undefined) {
      conn = { kind: 'unknown', http: undefined, tls: undefined, ws: undefined, h2: undefined, h2First: false, h2ViaHttp: false, now: direction, exchanges: undefined, tlsResync: false, dirs: [newDirection(), newDirection()], tlsBytes: [[], []], tlsBase: [0, 0], upgradeToWebsocket: false, skipped: false, binary: false, pushed: false, failed: false, startLine: '', dns: undefined };
      this.#connections.set(tc, conn);
      this.#byTuple.set(`${tc.endpoint(0)}>${tc.endpoint(1)}`, [conn, 0]);
      this.#byTuple.set(`${tc.endpoint(1)}>${tc.endpoint(0)}`, [conn, 1]);
    }
    if (data.length === 0) return;
    // (A fragment that completes a datagram has no TCP layer yet: its bytes are its own.)
    const own = this.#srcPort === -1 || (tc.ports[direction] === this.#srcPort && tc.addresses[direction] === this.#srcAddr);
    if (own) this.#own = true;
    else {
      // Bytes of the other direction this packet's ACK released: decoded, but what they complete
      // shows on no line (tshark showed them on their own packets as they came).
      const c = this.columns;
      const mark = [this.#texts.length, this.#nodes.length, this.#protocols.length, c.tls.length, c.http.length, c.httpLinks.length, c.websocket.length];
      const protocol = this.#protocol;
      this.#dispatch(tc, conn, direction, data, offset);
      this.#protocol = protocol;
      this.#texts.length = mark[0]!;
      this.#nodes.length = mark[1]!;
      this.#protocols.length = mark[2]!;
      c.tls.length = mark[3]!;
      c.http.length = mark[4]!;
      c.httpLinks.length = mark[5]!;
      c.websocket.length = mark[6]!;
      return;
    }
    this.#dispatch(tc, conn, direction, data, offset);
  }

  /** Hands a chunk of a connection's stream to its decoder (chosen at its first bytes). */
  #dispatch(tc: TcpConnection, conn: Connection, direction: 0 | 1, data: Uint8Array, offset: number): void {
    conn.now = direction;
    if (tc.midstream) conn.tlsResync = true;
    if (!conn.pushed) {
      conn.startLine = '';
      conn.h2First = true;
      conn.h2?.reset();
    }
    conn.pushed = true;
    this.#current = conn;
    this.#chunkStart = offset;
    const at = conn.dirs[direction];
    if (at.next >= 0 && offset > at.next) this.#hole(conn, direction, offset - at.next);
    at.next = offset + data.length;
    if (conn.kind === 'unknown') this.#classify(tc, conn, data);
    // On an HTTP connection a segment that starts with the HTTP/2 preface turns it to HTTP/2 (the
    // http2 heuristic tshark's HTTP dissector runs; an ephemeral port never gets that far).
    if (conn.kind === 'http' && conn.h2 === undefined && isPreface(data) && !conn.http!.parsers[direction].tunneling) {
      conn.kind = 'http2';
      conn.h2ViaHttp = true;
      conn.h2 = new Http2Session(direction);
      conn.h2.reset();
    }
    if (conn.kind === 'http2') this.#http2(conn, direction, data);
    else if (conn.kind === 'http') {
      if (conn.startLine === '' && looksLikeHttp(data)) conn.startLine = firstLine(data);
      const p = conn.http!.parsers[direction];
      // Binary bytes where a start line would be: tshark's HTTP leaves them to TCP (the frames
      // an HTTP/2 server sends before the client's preface on an HTTP port, for one).
      if (p.current === undefined && !p.tunneling && data[0]! < 0x20 && data[0] !== 0x0d && data[0] !== 0x0a && data[0] !== 0x09) conn.binary = true;
      conn.http!.push(direction, data);
    }
    else if (conn.kind === 'tls') this.#tls(conn, direction, data);
    else if (conn.kind === 'websocket') this.#websocket(conn, direction, data);
    else if (conn.kind === 'dns') this.#dns(conn.dns![direction], data);
  }

  /**
   * Bytes missing before the chunk being pushed (lost, or cut by the snaplen): HTTP drops the
   * message they cut and looks for the next start line; TLS skips them inside a record (and picks
   * records up again at a segment that starts one).
   */
  #hole(conn: Connection, d: 0 | 1, size: number): void {
    if (conn.kind === 'http' && conn.ws === undefined && conn.h2 === undefined) {
      try {
        conn.http!.gap(d, size);
      } catch {
        // the direction has stopped: nothing more to read
      }
    } else if (conn.kind === 'tls') {
      for (const r of conn.tls!.gap(d, size)) this.#tlsRecord(conn, d, r);
    }
  }

  /** DNS over TCP: the messages these bytes complete, each decoded once whole. */
  #dns(f: DnsFraming, data: Uint8Array): void {
    if (f.failed) return;
    const fresh = f.pending.length === 0 && f.done.length === 0;
    const carriedOver = f.pending.length > 0;
    let bytes = data;
    if (f.pending.length > 0) {
      bytes = new Uint8Array(f.pending.length + data.length);
      bytes.set(f.pending);
      bytes.set(data, f.pending.length);
    }
    let at = 0;
    let count = 0;
    while (bytes.length - at >= 2) {
      const length = (bytes[at]! << 8) | bytes[at + 1]!;
      if (bytes.length - at - 2 < length) break;
      try {
        const m = decodeDns(bytes.subarray(at + 2, at + 2 + length));
        m.length = length;
        if (f.done.length === 0) f.joined = count === 0 && carriedOver;
        f.done.push(m);
      } catch {
        // A message that does not decode: the direction shows as TCP from here (tshark marks it malformed).
        f.failed = true;
        f.pending = new Uint8Array(0);
        return;
      }
      at += 2 + length;
      count++;
    }
    f.whole = fresh && count === 1 && at === bytes.length;
    f.pending = bytes.slice(at);
  }

  #http2(conn: Connection, d: 0 | 1, bytes: Uint8Array): void {
    const h = conn.h2!;
    if (h.stopped(d)) return;
    h.push(d, bytes, conn.h2First);
    conn.h2First = false;
  }

  #classify(tc: TcpConnection, conn: Connection, data: Uint8Array): void {
    const server = tc.client === undefined ? undefined : tc.ports[1 - tc.client]!;
    const low = Math.min(tc.ports[0], tc.ports[1]);
    const high = Math.max(tc.ports[0], tc.ports[1]);
    let kind: Kind = 'unknown';
    for (const port of server === undefined ? [low, high] : [server, low, high]) {
      // Decode As replaces the port's entry in tshark's tcp.port table.
      const chosen = this.#decodeAs?.get(port);
      if (chosen !== undefined) kind = chosen;
      else if (HTTP_PORTS.has(port)) kind = 'http';
      else if (TLS_PORTS.has(port)) kind = 'tls';
      else if (DNS_PORTS.has(port)) kind = 'dns';
      if (kind !== 'unknown') break;
    }
    if (kind === 'unknown') {
      if (looksLikeHttp(data)) kind = 'http';
      else if (looksLikeTls(data)) kind = 'tls';
    }
    if (kind === 'http') {
      conn.http = new Http1Conversation(
        {
          onBody: (d, m, data) => {
            const dir = conn.dirs[d];
            if (dir.bodyOf !== m) {
              // A new message's body (one that ended in an error left its bytes behind).
              dir.bodyOf = m;
              // Kept: a body to decode, or an OCSP response (frame.protocols names what it holds).
              dir.bodyKept = isEncoded(httpHeader(m.headers, 'content-encoding')) || isOcspResponse(m);
              dir.head = EMPTY_HEAD;
              dir.coded = [];
              dir.codedBytes = 0;
            }
            if (dir.head.length < IMAGE_HEAD) dir.head = Buffer.concat([dir.head, data.subarray(0, IMAGE_HEAD - dir.head.length)]);
            if (!dir.bodyKept || dir.codedBytes >= MAX_CODED_BODY) return;
            const part = data.subarray(0, MAX_CODED_BODY - dir.codedBytes);
            dir.coded.push(part);
            dir.codedBytes += part.length;
          },
          onMessage: (d, m) => this.#httpMessage(conn, d, m),
          onSkip: () => {
            conn.skipped = true;
          },
          onError: () => {
            conn.failed = true;
          },
          onTunnel: (d, bytes) => {
            if (conn.upgradeToWebsocket) this.#websocket(conn, d, bytes);
            else if (conn.h2 !== undefined) this.#http2(conn, d, bytes);
          },
        },
        // tshark's methods only: a line with another is its continuation.
        { client: tc.client, resync: true, methods: TSHARK_HTTP_METHODS },
      );
    } else if (kind === 'tls') {
      conn.tls = new TlsConnectionDecoder();
    } else if (kind === 'http2') {
      conn.h2 = new Http2Session();
      conn.h2.reset();
    } else if (kind === 'dns') {
      const framing = (): DnsFraming => ({ pending: new Uint8Array(0), done: [], whole: false, joined: false, failed: false });
      conn.dns = [framing(), framing()];
    }
    conn.kind = kind;
  }

  #httpMessage(conn: Connection, d: 0 | 1, m: HttpMessage): void {
    const c = this.columns;
    let text = `${m.startLine} `;
    let protocol = 'HTTP';
    const type = httpHeader(m.headers, 'content-type');
    // The body the media dissector sees: decoded when sent with a Content-Encoding (none when that fails).
    const body = bodyOutcome(conn.dirs[d], m);
    if (type !== undefined && body.kind === 'media') {
      const media = mediaSuffix(type.split(';')[0]!.trim().toLowerCase(), body.start);
      text = media.replace ?? text + media.text;
      if (media.protocol !== undefined) protocol = media.protocol;
    }
    if (m.type === 'response' && m.status === 101 && (httpHeader(m.headers, 'upgrade') ?? '').toLowerCase() === 'websocket') {
      conn.upgradeToWebsocket = true;
      conn.ws = [new WebSocketParser({ onFrame: (f) => this.#frame(f, conn.dirs[0]) }), new WebSocketParser({ onFrame: (f) => this.#frame(f, conn.dirs[1]) })];
    } else if (m.type === 'response' && m.status === 101 && (httpHeader(m.headers, 'upgrade') ?? '').toLowerCase() === 'h2c') {
      // RFC 7540 3.2: the server's frames follow the 101; the client then sends the preface.
      conn.h2 = new Http2Session((1 - d) as 0 | 1);
      conn.h2.reset();
    }
    this.#texts.push(text);
    this.#protocol = protocol;
    const joined = m.start < this.#chunkStart;
    if (joined && this.#fin) this.#joined();
    this.#nodes.push('http');
    this.#protocols.push('http');
    // A body without a media type, or one that did not decode, is data inside HTTP's own tree (not a node of its own).
    const media = body.kind === 'none' ? undefined : type === undefined || body.kind === 'data' ? 'data' : mediaNode(type.split(';')[0]!.trim().toLowerCase(), body.start);
    if (media !== undefined) {
      if (type !== undefined && body.kind === 'media') this.#nodes.push(media);
      this.#protocols.push(media);
      // An OCSP response goes on into its basic response, responder name and certificates.
      if (media === 'ocsp' && body.start.whole !== undefined && isOcspResponse(m)) this.#protocols.push(...ocspResponseProtocols(body.start.whole));
    }
    if (joined) this.#joined();
    c.http.push(m);
    c.httpLinks.push(this.#record === 0 ? undefined : (conn.exchanges ??= new HttpExchanges()).link(m, this.#record, this.#recordTime));
    if (!c.layers.includes('http')) c.layers.push('http');
  }

  #frame(f: WebSocketFrame, dir: Direction): void {
    const c = this.columns;
    // tshark's tree: the frame, then its payload's dissector once a message is whole (a text
    // message as lines, binary as data; a fragmented one through websocket.fragments).
    this.#nodes.push('websocket');
    // frame.protocols: HTTP hands the frames on after the upgrade, and one WebSocket dissector call
    // reads every frame of the segment (listed once).
    if (!this.#protocols.includes('http')) this.#protocols.push('http');
    if (!this.#protocols.includes('websocket')) this.#protocols.push('websocket');
    if (f.opcode === 1 || f.opcode === 2) dir.wsOpcode = f.opcode;
    const message = f.opcode === 1 ? 'data-text-lines' : 'data';
    if (f.opcode === 0) {
      if (!f.fin) this.#nodes.push('websocket.payload.continue');
      else {
        const whole = dir.wsOpcode === 1 ? 'data-text-lines' : 'data';
        this.#nodes.push('websocket.fragments', whole);
        this.#protocols.push(whole);
      }
    } else if ((f.opcode === 1 || f.opcode === 2) && f.fin && f.payloadLength > 0) {
      this.#nodes.push(message);
      this.#protocols.push(message);
    }
    if (f.offset < this.#chunkStart) this.#joined();
    // Each frame sets the column anew (packet-websocket.c col_set_str): the packet's last frame shows.
    this.#texts.length = 0;
    this.#texts.push(`WebSocket ${WS_OPCODES[f.opcode] ?? 'Unknown Opcode'}${f.fin ? ' [FIN]' : '[FRAGMENT] '}${f.masked ? ' [MASKED]' : ' '}`);
    this.#protocol = 'WebSocket';
    c.websocket.push(f);
    if (!c.layers.includes('websocket')) c.layers.push('websocket');
  }

  #websocket(conn: Connection, d: 0 | 1, bytes: Uint8Array): void {
    const ws = conn.ws?.[d];
    if (ws === undefined || ws.error !== undefined) return;
    // Frame offsets count from the first byte after the upgrade.
    const dir = conn.dirs[d];
    this.#chunkStart = dir.wsPushed;
    dir.wsPushed += bytes.length;
    try {
      ws.push(bytes);
    } catch {
      // the direction stops; later bytes show as TCP
    }
  }

  #tls(conn: Connection, d: 0 | 1, data: Uint8Array): void {
    const dec = conn.tls!;
    const stream = dec.directions[d];
    if (stream.error !== undefined) {
      // Stopped (bytes that were no record, or lost): tshark takes a segment that does not start a
      // record for continuation data, and reads on from one that does.
      if (!startsRecord(data)) {
        if (conn.tlsResync) this.#tlsContinuation(conn);
        return;
      }
      stream.restart(this.#chunkStart);
      const dir = conn.dirs[d];
      dir.recordEnd = this.#chunkStart;
      dir.hsType = -1;
      dir.hsRemaining = 0;
      dir.hsHeader = [];
      conn.tlsBytes[d] = [];
      conn.tlsBase[d] = this.#chunkStart;
    }
    const keep = !dec.directions[d].encrypted && dec.directions[d].error === undefined;
    if (keep) conn.tlsBytes[d].push(data.slice());
    const records = dec.push(d, data);
    if (records.length > 0) conn.tlsResync = true;
    for (const r of records) this.#tlsRecord(conn, d, r);
    // The segment's first bytes were no record: continuation data to tshark.
    if (conn.tlsResync && records.length === 0 && stream.error !== undefined && stream.error.offset === this.#chunkStart) this.#tlsContinuation(conn);
    if (records.length > 0) {
      // One TLS tree for the records of a call: the record TCP put together, then the rest.
      const joined = records[0]!.offset < this.#chunkStart;
      if (joined || this.#nodes[this.#nodes.length - 1] !== 'tls') {
        this.#nodes.push('tls');
        this.#protocols.push('tls');
      }
      // The certificates a call's records complete: frame.protocols names the dissectors tshark
      // hands their names, keys and extensions to, after that call's tls.
      const again = joined && !this.#nodes.includes('tcp.segments');
      this.#protocols.push(...certificateProtocols(again ? records.slice(0, 1) : records));
      if (again) {
        this.#joined();
        // TLS is called again on the rest of the segment: more records, or the start of one.
        if (records.length > 1 || dec.directions[d].position > conn.dirs[d].recordEnd) {
          this.#nodes.push('tls');
          this.#protocols.push('tls');
          this.#protocols.push(...certificateProtocols(records.slice(1)));
        }
      }
    }
    if (!keep || dec.directions[d].encrypted) {
      conn.tlsBytes[d] = [];
      conn.tlsBase[d] = dec.directions[d].position;
    } else if (records.length > 0) {
      // Keep only the bytes of the record in progress.
      const last = records[records.length - 1]!;
      this.#dropTlsBytes(conn, d, last.fragmentOffset + last.length);
    }
  }

  /** tshark's line for TLS bytes it cannot place in a record: the version's name (SSL before one is known), "Continuation Data". */
  #tlsContinuation(conn: Connection): void {
    this.#texts.push('Continuation Data');
    const version = conn.tls!.session.version;
    this.#protocol = version === undefined ? 'SSL' : TLS_VERSION_NAMES[version] ?? 'TLS';
    if (!this.columns.layers.includes('tls')) this.columns.layers.push('tls');
    this.#nodes.push('tls');
    this.#protocols.push('tls');
  }

  #dropTlsBytes(conn: Connection, d: 0 | 1, upTo: number): void {
    const chunks = conn.tlsBytes[d];
    while (chunks.length > 0 && conn.tlsBase[d] + chunks[0]!.length <= upTo) conn.tlsBase[d] += chunks.shift()!.length;
  }

  /** The bytes [from, to) of direction d's stream, from the kept chunks. */
  #tlsSlice(conn: Connection, d: 0 | 1, from: number, to: number): Uint8Array | undefined {
    let at = conn.tlsBase[d];
    const out = new Uint8Array(to - from);
    let filled = 0;
    for (const ch of conn.tlsBytes[d]) {
      const s = Math.max(from, at);
      const e = Math.min(to, at + ch.length);
      if (e > s) {
        out.set(ch.subarray(s - at, e - at), s - from);
        filled += e - s;
      }
      at += ch.length;
    }
    return filled === out.length ? out : undefined;
  }

  #tlsRecord(conn: Connection, d: 0 | 1, r: TlsRecord): void {
    const c = this.columns;
    c.tls.push(r);
    conn.dirs[d].recordEnd = r.fragmentOffset + r.length;
    if (!c.layers.includes('tls')) c.layers.push('tls');
    const names: string[] = [];
    switch (r.contentType) {
      case 20:
        names.push('Change Cipher Spec');
        break;
      case 21:
        if (r.encrypted || r.alerts === undefined) names.push('Encrypted Alert');
        else for (const a of r.alerts) names.push(`Alert (Level: ${a.level === 1 ? 'Warning' : a.level === 2 ? 'Fatal' : 'Unknown'}, Description: ${ALERT_DESCRIPTIONS[a.description] ?? 'Unknown'})`);
        break;
      case 22:
        if (r.encrypted) names.push('Encrypted Handshake Message');
        else this.#handshakeNames(conn, d, r, names);
        break;
      case 23:
        names.push('Application Data');
        break;
      case 24:
        names.push(r.encrypted ? 'Encrypted Heartbeat' : 'Heartbeat');
        break;
    }
    this.#texts.push(names.join(', '));
    const session = conn.tls!.session.version;
    this.#protocol = TLS_VERSION_NAMES[session ?? r.version] ?? 'TLS';
  }

  /** Names of the handshake messages in a plaintext record, a part of one as "[Name Fragment]". */
  #handshakeNames(conn: Connection, d: 0 | 1, r: TlsRecord, names: string[]): void {
    const dir = conn.dirs[d];
    const bytes = this.#tlsSlice(conn, d, r.fragmentOffset, r.fragmentOffset + r.length);
    if (bytes === undefined) {
      for (const m of r.messages ?? []) names.push(HANDSHAKE_NAMES[m.type] ?? 'Unknown Handshake Message');
      return;
    }
    let i = 0;
    const name = (t: number) => (t === 2 && (r.messages ?? []).some((m) => m.serverHello?.helloRetryRequest === true) ? 'Hello Retry Request' : HANDSHAKE_NAMES[t] ?? 'Unknown Handshake Message');
    while (i < bytes.length) {
      if (dir.hsRemaining === 0 && dir.hsType < 0) {
        while (dir.hsHeader.length < 4 && i < bytes.length) dir.hsHeader.push(bytes[i++]!);
        if (dir.hsHeader.length < 4) break;
        const [t, a, b, e] = dir.hsHeader as [number, number, number, number];
        dir.hsHeader = [];
        dir.hsType = t;
        dir.hsRemaining = (a << 16) | (b << 8) | e;
      }
      const take = Math.min(dir.hsRemaining, bytes.length - i);
      i += take;
      dir.hsRemaining -= take;
      if (dir.hsRemaining === 0) {
        names.push(name(dir.hsType));
        dir.hsType = -1;
      } else {
        names.push(`[${name(dir.hsType)} Fragment]`);
      }
    }
  }

  /** The PDU just read began in an earlier segment: TCP's reassembled-segments tree, once a packet. */
  #joined(): void {
    if (!this.#nodes.includes('tcp.segments')) this.#nodes.push('tcp.segments');
  }

  /** Sets the columns from what the packet's bytes did. */
  #finish(conn: Connection): void {
    const c = this.columns;
    const d = conn.now;
    const dir = conn.dirs[d];
    const wasExact = dir.exact;
    const pushed = conn.pushed;
    const skipped = conn.skipped;
    const binary = conn.binary;
    conn.binary = false;
    const failed = conn.failed;
    conn.pushed = false;
    conn.skipped = false;
    conn.failed = false;
    // Where the direction stands now: inside a PDU, whether its length is known, and the text the
    // dissector leaves in the info column for a PDU it could not finish.
    let inside = false;
    let exact = false;
    let front = '';
    let replaces = false;
    const h2 = pushed && conn.h2 !== undefined && (conn.kind === 'http2' || conn.http!.parsers[d].tunneling) ? conn.h2 : undefined;
    if (h2 !== undefined) {
      ({ inside, exact } = h2.standing());
      replaces = true;
      if (h2.completed) {
        dir.exact = exact;
        const { protocol, info } = h2.columns();
        c.kind = 'pdu';
        c.protocol = protocol;
        // An HTTP/1.1 message before the frames (the 101 of an h2c upgrade) comes first.
        c.info = this.#texts.length > 0 ? `${this.#texts.join('')}, ${info}` : info;
        c.http2 = h2;
        c.layers.push('http2');
        if (h2.messages.length > 0) c.layers.push('grpc');
        this.#nodes.push(...h2.nodes);
        // Found through HTTP (its port and the preface, or an upgrade), HTTP/2 follows http in frame.protocols.
        const viaHttp = conn.kind === 'http' || conn.h2ViaHttp;
        if (viaHttp && this.#protocols[this.#protocols.length - 1] !== 'http') this.#protocols.push('http');
        const split = h2.joinedDissectors;
        if (split === undefined) {
          this.#protocols.push('http2', ...h2.dissectors);
        } else {
          // The frames TCP put together, then (a second call) those that begin in this packet.
          this.#protocols.push('http2', ...h2.dissectors.slice(0, split));
          if (viaHttp) this.#protocols.push('http');
          this.#protocols.push('http2', ...h2.dissectors.slice(split));
        }
        return;
      }
    } else if (conn.kind === 'http') {
      const p = conn.http!.parsers[d];
      if (conn.ws !== undefined && p.tunneling) {
        inside = conn.ws[d].inFrame;
        exact = inside;
      } else if (p.current !== undefined && this.#cut && p.current.start >= this.#chunkStart) {
        // A message that starts in a packet the snaplen cut: tshark dissects what is there (its
        // start line) and stops at the cut, and the rest of it is continuation.
        c.kind = 'pdu';
        c.protocol = 'HTTP';
        c.info = `${p.current.startLine} `;
        c.cut = true;
        this.#nodes.push('http');
        this.#protocols.push('http');
        return;
      } else if (p.current !== undefined) {
        const m = p.current;
        inside = true;
        exact = m.headerEnd > m.start && (m.framing === 'length' || m.framing === 'close');
        front = `${m.startLine} `;
        replaces = true;
      } else if (p.seeking && p.messages > 0) {
        // Bytes after a message passed over, looking for a start line: tshark's Continuation.
        if (pushed && this.#texts.length === 0) conn.skipped = true;
      } else if (pushed && this.#texts.length === 0 && !skipped && !p.tunneling && p.error === undefined && p.partialLine) {
        // A start line not yet whole (whole lines that are none leave the segment TCP's).
        inside = true;
      }
    } else if (conn.kind === 'tls') {
      const t = conn.tls!.directions[d];
      inside = t.error === undefined && t.position > dir.recordEnd;
      exact = inside && t.position - dir.recordEnd >= 5;
      replaces = true;
    } else if (conn.kind === 'dns') {
      const f = conn.dns![d];
      const done = f.done;
      const whole = f.whole;
      const joined = f.joined;
      f.done = [];
      f.whole = false;
      f.joined = false;
      dir.exact = false;
      // One whole message from a boundary: decodePacket's own DNS layer shows it, as tshark does.
      if (!pushed || f.failed || whole) return;
      c.dnsOverTcp = done.length > 0 || f.pending.length > 0;
      if (done.length > 0) {
        // Each message sets the column anew: the last one shows.
        c.kind = 'pdu';
        c.protocol = 'DNS';
        c.info = dnsInfo(done[done.length - 1]!);
        c.dns.push(...done);
        c.layers.push('dns');
        for (let i = 0; i < done.length; i++) {
          this.#nodes.push('dns');
          // frame.protocols names DNS once for the messages of a segment.
          if (i === 0) this.#protocols.push('dns');
          if (i === 0 && joined) this.#joined();
        }
      } else if (f.pending.length > 0) {
        c.kind = 'segment';
      }
      return;
    }
    dir.exact = exact;
    if (this.#texts.length > 0) {
      c.kind = 'pdu';
      c.protocol = this.#protocol;
      c.info = this.#texts.join(conn.kind === 'tls' ? ', ' : '');
      // HTTP shows the start line of a message left incomplete after the ones it finished.
      if (inside && front !== '') c.info += front;
      return;
    }
    if (conn.kind === 'unknown' || !pushed || binary) return;
    if (failed && conn.startLine !== '') {
      // tshark's HTTP is laxer than the library's parser (which stops at smuggling-prone framing):
      // the message still shows its start line.
      c.kind = 'pdu';
      c.protocol = 'HTTP';
      c.info = `${conn.startLine} `;
      return;
    }
    if (conn.kind === 'http' && (skipped || conn.skipped) && !inside) {
      conn.skipped = false;
      c.kind = 'pdu';
      c.protocol = 'HTTP';
      c.info = 'Continuation';
      c.cut = this.#cut;
      // tshark hands the bytes to data (frame.protocols only: its tree shows them under http).
      if (this.#protocols.length === 0) this.#protocols.push('http', 'data');
      return;
    }
    if (!inside) return;
    c.kind = 'segment';
    if (wasExact) return;
    // TLS was handed the segment (a record starts in it) and put its tree in before asking for more.
    if (conn.kind === 'tls') {
      this.#nodes.push('tls');
      this.#protocols.push('tls');
    }
    c.replaces = replaces;
    c.info = front;
  }
}
