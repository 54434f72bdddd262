// TLS (SSL 3.0 to TLS 1.3) over a reassembled TCP byte stream: the record layer (RFC 8446 section 5,
// RFC 5246 section 6.2) and the handshake messages that travel in plaintext (RFC 8446 section 4,
// RFC 5246 section 7.4), with the hello extensions people look at, JA3/JA3S fingerprints, and
// tshark-named fields. Nothing is decrypted: once a side has changed keys its records are reported
// as encrypted, with their boundaries only.
//
// Streams are decoded incrementally, one direction per `TlsStreamDecoder`: feed chunks in any
// split (a byte at a time gives the same result) and get back the records that completed. A
// handshake message may span records and several may share one; a message is reported with the
// record its last byte arrived in, as tshark shows it. The two directions of a connection share
// what the handshake negotiated (`TlsConnectionDecoder`): in TLS 1.3 only the ServerHello says
// whether the client's ChangeCipherSpec starts encryption (TLS 1.2) or is the compatibility dummy
// of RFC 8446 appendix D.4 (TLS 1.3), and which records tshark names `opaque_type`.
//
// When is a record encrypted?
//   - Application data (23): always.
//   - TLS 1.2 and earlier: everything a side sends after its ChangeCipherSpec.
//   - TLS 1.3: the server's records after its ServerHello (not a HelloRetryRequest); TLS 1.3
//     protects every record as outer type 23, so a plaintext 20, 21 or 22 record is plaintext.
//   - A client's ChangeCipherSpec before the server's version is known (a direction decoded alone):
//     the next handshake record is taken for plaintext only if it holds exactly one ClientHello
//     (the second ClientHello after a HelloRetryRequest); otherwise encryption has begun.
//
// Hostile input: every length is checked against its parent, and every problem is a `WireError`
// (layer `tls`, `offset` in the direction's stream) after which the direction stops. Memory is
// bounded: the decoder holds at most one record's plaintext fragment (2^14 + 2048 bytes) and one
// handshake message, capped at `maxHandshakeLength` (64 KiB, as Go's crypto/tls) or, for
// Certificate and CompressedCertificate, `maxCertificateLength` (256 KiB, as Go; OpenSSL's default
// certificate list cap is 100 KiB); encrypted and application data records are counted, not kept.
import { WireError, type WireErrorCode } from '../errors.js';
import { bytesField, type FieldSink } from '../packet/fields.js';
import { u16, u32 } from '../packet/bytes.js';
import { md5 } from '../checksum/md5.js';

const LAYER = 'tls';

/** Record content types (RFC 8446 section 5.1, RFC 6520 for heartbeat). */
export const TlsContentType = {
  ChangeCipherSpec: 20,
  Alert: 21,
  Handshake: 22,
  ApplicationData: 23,
  Heartbeat: 24,
} as const;

/** Handshake message types (IANA "TLS HandshakeType"). */
export const TlsHandshakeType = {
  HelloRequest: 0,
  ClientHello: 1,
  ServerHello: 2,
  HelloVerifyRequest: 3,
  NewSessionTicket: 4,
  EndOfEarlyData: 5,
  EncryptedExtensions: 8,
  Certificate: 11,
  ServerKeyExchange: 12,
  CertificateRequest: 13,
  ServerHelloDone: 14,
  CertificateVerify: 15,
  ClientKeyExchange: 16,
  Finished: 20,
  CertificateUrl: 21,
  CertificateStatus: 22,
  KeyUpdate: 24,
  CompressedCertificate: 25,
  MessageHash: 254,
} as const;

/** Extension types this module decodes, and a few more (IANA "TLS ExtensionType Values"). */
export const TlsExtensionType = {
  ServerName: 0,
  MaxFragmentLength: 1,
  StatusRequest: 5,
  SupportedGroups: 10,
  EcPointFormats: 11,
  SignatureAlgorithms: 13,
  Heartbeat: 15,
  Alpn: 16,
  SignedCertificateTimestamp: 18,
  Padding: 21,
  EncryptThenMac: 22,
  ExtendedMasterSecret: 23,
  CompressCertificate: 27,
  RecordSizeLimit: 28,
  SessionTicket: 35,
  PreSharedKey: 41,
  EarlyData: 42,
  SupportedVersions: 43,
  Cookie: 44,
  PskKeyExchangeModes: 45,
  CertificateAuthorities: 47,
  PostHandshakeAuth: 49,
  SignatureAlgorithmsCert: 50,
  KeyShare: 51,
  RenegotiationInfo: 0xff01,
} as const;

/** Protocol versions as they appear on the wire. */
export const TlsVersion = { SSL3: 0x0300, TLS1_0: 0x0301, TLS1_1: 0x0302, TLS1_2: 0x0303, TLS1_3: 0x0304 } as const;

/** The largest record fragment accepted: 2^14 + 2048 (RFC 5246 section 6.2.3; RFC 8446 section 5.2 allows less). */
export const TLS_MAX_RECORD_LENGTH = 16384 + 2048;
/** Default cap on one handshake message's body. */
export const TLS_DEFAULT_MAX_HANDSHAKE_LENGTH = 65536;
/** Default cap on a Certificate or CompressedCertificate message's body (a chain may be long). */
export const TLS_DEFAULT_MAX_CERTIFICATE_LENGTH = 262144;

/** A ServerHello with this random is a HelloRetryRequest: SHA-256("HelloRetryRequest") (RFC 8446 section 4.1.3). */
export const TLS_HELLO_RETRY_REQUEST_RANDOM = Uint8Array.from([
  0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
  0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
]);

const TLS13 = 0x0304;
const RECORD_HEADER = 5;
const HANDSHAKE_HEADER = 4;

/** GREASE values (RFC 8701): 0x0a0a, 0x1a1a, ..., 0xfafa. */
export function isTlsGrease(value: number): boolean {
  return (value & 0x0f0f) === 0x0a0a && value >> 8 === (value & 0xff);
}

// ---------------------------------------------------------------------------------------------
// Decoded shapes

/** A plaintext alert (RFC 8446 section 6). */
export interface TlsAlert {
  /** 1 warning, 2 fatal. */
  level: number;
  description: number;
}

export interface TlsServerName {
  /** 0: host_name. */
  type: number;
  name: string;
}

export interface TlsKeyShare {
  group: number;
  keyExchange: Uint8Array;
}

/**
 * One extension: its type and bytes as sent, and, for the types this module knows, the values
 * read out of them. Which value is set depends on the type and on the message (a ClientHello's
 * supported_versions is a list, a ServerHello's one version).
 */
export interface TlsExtension {
  type: number;
  /** The extension's bytes as sent; the encoder writes them back as they are. */
  data: Uint8Array;
  /** server_name (0); empty in a ServerHello. */
  serverNames?: TlsServerName[];
  /** max_fragment_length (1): 1 to 4 for 2^9 to 2^12. */
  maxFragmentLength?: number;
  /** status_request (5) in a ClientHello: type 1 is OCSP, with its two vectors raw. */
  statusRequest?: { type: number; responderIds: Uint8Array; requestExtensions: Uint8Array };
  /** supported_groups (10). */
  groups?: number[];
  /** ec_point_formats (11). */
  ecPointFormats?: number[];
  /** signature_algorithms (13) and signature_algorithms_cert (50). */
  signatureAlgorithms?: number[];
  /** application_layer_protocol_negotiation (16): the offered list, or the one the server chose. */
  alpn?: string[];
  /** compress_certificate (27, RFC 8879). */
  certificateCompressionAlgorithms?: number[];
  /** record_size_limit (28, RFC 8449). */
  recordSizeLimit?: number;
  /** supported_versions (43) in a ClientHello. */
  versions?: number[];
  /** supported_versions (43) in a ServerHello or HelloRetryRequest: the version chosen. */
  selectedVersion?: number;
  /** cookie (44). */
  cookie?: Uint8Array;
  /** psk_key_exchange_modes (45). */
  pskModes?: number[];
  /** key_share (51): a ClientHello's entries, or a ServerHello's one entry. */
  keyShares?: TlsKeyShare[];
  /** key_share (51) in a HelloRetryRequest: the group the server asks for. */
  selectedGroup?: number;
  /** renegotiation_info (0xff01, RFC 5746): the renegotiated_connection bytes (empty on a first handshake). */
  renegotiatedConnection?: Uint8Array;
}

/** What an extension is decoded against: its values differ between the hellos. */
export type TlsExtensionContext = 'client_hello' | 'server_hello' | 'hello_retry_request';

export interface TlsClientHello {
  /** legacy_version (0x0303 for TLS 1.2 and 1.3). */
  version: number;
  random: Uint8Array;
  sessionId: Uint8Array;
  cipherSuites: number[];
  compressionMethods: number[];
  /** Absent when the hello ends after its compression methods (no extensions block at all). */
  extensions?: TlsExtension[];
}

export interface TlsServerHello {
  /** legacy_version; the version chosen is in supported_versions from TLS 1.3 on (`tlsServerHelloVersion`). */
  version: number;
  random: Uint8Array;
  sessionId: Uint8Array;
  cipherSuite: number;
  compressionMethod: number;
  extensions?: TlsExtension[];
  /** Its random is `TLS_HELLO_RETRY_REQUEST_RANDOM`: a HelloRetryRequest (RFC 8446 section 4.1.4). */
  helloRetryRequest: boolean;
}

/** A Certificate message (TLS 1.2 form: a list of DER certificates; TLS 1.3 adds a context and per-entry extensions). */
export interface TlsCertificateMessage {
  /** TLS 1.3: certificate_request_context. */
  context?: Uint8Array;
  /** DER-encoded certificates, the sender's first. */
  certificates: Uint8Array[];
  /** TLS 1.3: each entry's extensions block, raw. */
  entryExtensions?: Uint8Array[];
}

/** NewSessionTicket: RFC 5077 section 3.3 (TLS 1.2) or RFC 8446 section 4.6.1 (TLS 1.3, which adds age_add, nonce, extensions). */
export interface TlsNewSessionTicket {
  lifetime: number;
  ticket: Uint8Array;
  ageAdd?: number;
  nonce?: Uint8Array;
  extensions?: Uint8Array;
}

/**
 * An ECDHE ServerKeyExchange with a named curve (RFC 8422 section 5.4): the only form decoded; any
 * other key exchange (DHE, PSK, explicit curves) stays in the message's `body`.
 */
export interface TlsServerKeyExchange {
  /** 3: named_curve. */
  curveType: number;
  namedCurve: number;
  publicKey: Uint8Array;
  /** TLS 1.2 (RFC 5246 section 7.4.1.4.1): the signature's algorithm; absent before TLS 1.2. */
  signatureAlgorithm?: number;
  signature: Uint8Array;
}

/**
 * A ClientKeyExchange, when the session says which kind it is: after an ECDHE ServerKeyExchange the
 * client's point (RFC 8422 section 5.7); after a full handshake with no ServerKeyExchange the
 * RSA-encrypted premaster secret (RFC 5246 section 7.4.7.1).
 */
export interface TlsClientKeyExchange {
  publicKey?: Uint8Array;
  encryptedPreMasterSecret?: Uint8Array;
}

/** A handshake message, whole. `body` is always there; the decoded forms for the types that have one. */
export interface TlsHandshakeMessage {
  type: number;
  /** The body's length from the header. */
  length: number;
  /** Where the message's 4-byte header starts in the direction's stream. */
  offset: number;
  /** How many records carried it (more than one: reassembled). */
  records: number;
  /** The body, a copy. ServerKeyExchange, ClientKeyExchange, Finished and the rest are read from here. */
  body: Uint8Array;
  clientHello?: TlsClientHello;
  serverHello?: TlsServerHello;
  certificate?: TlsCertificateMessage;
  newSessionTicket?: TlsNewSessionTicket;
  serverKeyExchange?: TlsServerKeyExchange;
  clientKeyExchange?: TlsClientKeyExchange;
}

/** One record of a direction's stream. */
export interface TlsRecord {
  contentType: number;
  /** legacy_record_version. */
  version: number;
  /** The fragment's length. */
  length: number;
  /** Where the 5-byte header starts in the direction's stream. */
  offset: number;
  /** Where the fragment starts: it is bytes [fragmentOffset, fragmentOffset + length) of the stream. */
  fragmentOffset: number;
  /** The fragment is protected: not decoded. */
  encrypted: boolean;
  /** A TLS 1.3 protected record, whose type is the outer opaque_type (tshark's `tls.record.opaque_type`). */
  opaque: boolean;
  /** Plaintext Alert records: the alerts. */
  alerts?: TlsAlert[];
  /** Plaintext Handshake records: the messages whose last byte is in this record. */
  messages?: TlsHandshakeMessage[];
}

// ---------------------------------------------------------------------------------------------
// Errors. Decoding code throws `Fault` with an offset into whatever buffer it reads; the public
// entry points turn it into a WireError whose offset is in the caller's terms (the stream's, or
// the bytes they passed), so the message can say where.

class Fault {
  constructor(
    readonly code: WireErrorCode,
    readonly text: string,
    readonly at: number,
    readonly required?: number,
    readonly available?: number,
  ) {}
}

function fault(code: WireErrorCode, text: string, at: number, required?: number, available?: number): never {
  throw new Fault(code, text, at, required, available);
}

function toWireError(e: unknown, where: (at: number) => number, words = 'offset'): WireError {
  if (e instanceof WireError) return e;
  if (e instanceof Fault) {
    const offset = where(e.at);
    return new WireError(e.code, `${e.text} (at ${words} ${offset})`, { layer: LAYER, offset, required: e.required, available: e.available });
  }
  return new WireError('internal', `unexpected failure: ${e instanceof Error ? e.message : String(e)}`, { layer: LAYER, cause: e });
}

function guard<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw toWireError(e, (at) => at);
  }
}

// ---------------------------------------------------------------------------------------------
// Reading vectors: a cursor over [at, end) of a buffer; every vector's length checked against
// what its parent has left.

interface Cursor {
  readonly b: Uint8Array;
  at: number;
  readonly end: number;
}

function take(c: Cursor, n: number, what: string): number {
  const left = c.end - c.at;
  if (left < n) fault('truncated', `${what} needs ${n} bytes, ${left} left`, c.at, n, left);
  const at = c.at;
  c.at += n;
  return at;
}

function read8(c: Cursor, what: string): number {
  return c.b[take(c, 1, what)]!;
}

function read16(c: Cursor, what: string): number {
  return u16(c.b, take(c, 2, what));
}

function read24(c: Cursor, what: string): number {
  const at = take(c, 3, what);
  return (c.b[at]! << 16) | u16(c.b, at + 1);
}

/** A vector with a `size`-byte length (RFC 8446 section 3.4), as a cursor over its contents. */
function vector(c: Cursor, size: 1 | 2 | 3, what: string): Cursor {
  const lengthAt = c.at;
  const n = size === 1 ? read8(c, `${what} length`) : size === 2 ? read16(c, `${what} length`) : read24(c, `${what} length`);
  const left = c.end - c.at;
  if (n > left) fault('bad-length', `${what} of ${n} bytes runs past its parent (${left} bytes left)`, lengthAt, n, left);
  const v: Cursor = { b: c.b, at: c.at, end: c.at + n };
  c.at += n;
  return v;
}

function rest(c: Cursor): Uint8Array {
  const v = c.b.slice(c.at, c.end);
  c.at = c.end;
  return v;
}

function finish(c: Cursor, what: string): void {
  if (c.at !== c.end) fault('bad-length', `${c.end - c.at} bytes left over after ${what}`, c.at);
}

/** A vector's contents as 2-byte values; an odd length is an error (at the vector's length field). */
function values16(v: Cursor, size: 1 | 2, what: string): number[] {
  const n = v.end - v.at;
  if (n % 2 !== 0) fault('bad-length', `${what} of ${n} bytes is odd: not a list of 2-byte values`, v.at - size);
  const out: number[] = [];
  for (let i = v.at; i < v.end; i += 2) out.push(u16(v.b, i));
  v.at = v.end;
  return out;
}

function values8(v: Cursor): number[] {
  const out = Array.from(v.b.subarray(v.at, v.end));
  v.at = v.end;
  return out;
}

const utf8 = new TextDecoder('utf-8');
const utf8Encoder = new TextEncoder();

// ---------------------------------------------------------------------------------------------
// Extensions

function decodeExtensionValue(ext: TlsExtension, c: Cursor, context: TlsExtensionContext): void {
  const client = context === 'client_hello';
  switch (ext.type) {
    case TlsExtensionType.ServerName: {
      const names: TlsServerName[] = [];
      if (c.at < c.end) {
        const list = vector(c, 2, 'server_name list');
        while (list.at < list.end) {
          const type = read8(list, 'server name type');
          const name = vector(list, 2, 'server name');
          names.push({ type, name: utf8.decode(name.b.subarray(name.at, name.end)) });
        }
      }
      ext.serverNames = names;
      break;
    }
    case TlsExtensionType.MaxFragmentLength:
      ext.maxFragmentLength = read8(c, 'max_fragment_length');
      break;
    case TlsExtensionType.StatusRequest:
      // A ClientHello's CertificateStatusRequest; a server's is empty (TLS 1.2) or a CertificateStatus (TLS 1.3, encrypted).
      if (!client || c.at === c.end) return;
      {
        const type = read8(c, 'status_request type');
        if (type !== 1) {
          c.at = c.end;
          return;
        }
        const ids = vector(c, 2, 'status_request responder_id_list');
        const exts = vector(c, 2, 'status_request request_extensions');
        ext.statusRequest = { type, responderIds: rest(ids), requestExtensions: rest(exts) };
      }
      break;
    case TlsExtensionType.SupportedGroups:
      ext.groups = values16(vector(c, 2, 'supported_groups'), 2, 'supported_groups');
      break;
    case TlsExtensionType.EcPointFormats:
      ext.ecPointFormats = values8(vector(c, 1, 'ec_point_formats'));
      break;
    case TlsExtensionType.SignatureAlgorithms:
    case TlsExtensionType.SignatureAlgorithmsCert:
      ext.signatureAlgorithms = values16(vector(c, 2, 'signature_algorithms'), 2, 'signature_algorithms');
      break;
    case TlsExtensionType.Alpn: {
      const list = vector(c, 2, 'ALPN protocol list');
      const names: string[] = [];
      while (list.at < list.end) {
        const p = vector(list, 1, 'ALPN protocol name');
        names.push(utf8.decode(p.b.subarray(p.at, p.end)));
      }
      ext.alpn = names;
      break;
    }
    case TlsExtensionType.CompressCertificate:
      ext.certificateCompressionAlgorithms = values16(vector(c, 1, 'compress_certificate algorithms'), 1, 'compress_certificate algorithms');
      break;
    case TlsExtensionType.RecordSizeLimit:
      ext.recordSizeLimit = read16(c, 'record_size_limit');
      break;
    case TlsExtensionType.SupportedVersions:
      if (client) ext.versions = values16(vector(c, 1, 'supported_versions'), 1, 'supported_versions');
      else ext.selectedVersion = read16(c, 'supported_versions selected_version');
      break;
    case TlsExtensionType.Cookie:
      ext.cookie = rest(vector(c, 2, 'cookie'));
      break;
    case TlsExtensionType.PskKeyExchangeModes:
      ext.pskModes = values8(vector(c, 1, 'psk_key_exchange_modes'));
      break;
    case TlsExtensionType.KeyShare:
      if (context === 'hello_retry_request') {
        ext.selectedGroup = read16(c, 'key_share selected_group');
      } else if (client) {
        const list = vector(c, 2, 'key_share client_shares');
        const shares: TlsKeyShare[] = [];
        while (list.at < list.end) {
          const group = read16(list, 'key_share group');
          shares.push({ group, keyExchange: rest(vector(list, 2, 'key_share key_exchange')) });
        }
        ext.keyShares = shares;
      } else {
        const group = read16(c, 'key_share group');
        ext.keyShares = [{ group, keyExchange: rest(vector(c, 2, 'key_share key_exchange')) }];
      }
      break;
    case TlsExtensionType.RenegotiationInfo:
      ext.renegotiatedConnection = rest(vector(c, 1, 'renegotiation_info'));
      break;
    default:
      // Kept as `data` only: padding, session_ticket, extended_master_secret, encrypt_then_mac and the rest.
      c.at = c.end;
      return;
  }
  finish(c, `the ${extensionName(ext.type)} extension`);
}

function extensionName(type: number): string {
  for (const [name, value] of Object.entries(TlsExtensionType)) if (value === type) return name;
  return isTlsGrease(type) ? `GREASE 0x${type.toString(16)}` : `type ${type}`;
}

function readExtensions(c: Cursor, context: TlsExtensionContext): TlsExtension[] {
  const list = vector(c, 2, 'extensions');
  const out: TlsExtension[] = [];
  while (list.at < list.end) {
    const type = read16(list, 'extension type');
    const body = vector(list, 2, `extension ${type}`);
    const ext: TlsExtension = { type, data: body.b.slice(body.at, body.end) };
    decodeExtensionValue(ext, body, context);
    out.push(ext);
  }
  return out;
}

/**
 * The extensions block of a hello (its 2-byte length first) decoded against `context`. Throws a
 * WireError where a length runs past its parent or a known extension holds more or less than it should.
 */
export function decodeTlsExtensions(bytes: Uint8Array, context: TlsExtensionContext = 'client_hello'): TlsExtension[] {
  return guard(() => {
    const c: Cursor = { b: bytes, at: 0, end: bytes.length };
    const out = readExtensions(c, context);
    finish(c, 'the extensions block');
    return out;
  });
}

// ---------------------------------------------------------------------------------------------
// Hellos and the other plaintext messages

function readClientHello(c: Cursor): TlsClientHello {
  const version = read16(c, 'ClientHello legacy_version');
  const random = c.b.slice(take(c, 32, 'ClientHello random'), c.at);
  const sessionId = rest(vector(c, 1, 'ClientHello session_id'));
  const cipherSuites = values16(vector(c, 2, 'ClientHello cipher_suites'), 2, 'ClientHello cipher_suites');
  const compressionMethods = values8(vector(c, 1, 'ClientHello compression_methods'));
  const hello: TlsClientHello = { version, random, sessionId, cipherSuites, compressionMethods };
  // No extensions block at all is a valid (pre-TLS 1.2 style) hello (RFC 5246 section 7.4.1.2).
  if (c.at < c.end) hello.extensions = readExtensions(c, 'client_hello');
  finish(c, 'the ClientHello');
  return hello;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function readServerHello(c: Cursor): TlsServerHello {
  const version = read16(c, 'ServerHello legacy_version');
  const random = c.b.slice(take(c, 32, 'ServerHello random'), c.at);
  const sessionId = rest(vector(c, 1, 'ServerHello session_id'));
  const cipherSuite = read16(c, 'ServerHello cipher_suite');
  const compressionMethod = read8(c, 'ServerHello compression_method');
  const helloRetryRequest = sameBytes(random, TLS_HELLO_RETRY_REQUEST_RANDOM);
  const hello: TlsServerHello = { version, random, sessionId, cipherSuite, compressionMethod, helloRetryRequest };
  if (c.at < c.end) hello.extensions = readExtensions(c, helloRetryRequest ? 'hello_retry_request' : 'server_hello');
  finish(c, 'the ServerHello');
  return hello;
}

function readCertificate(c: Cursor, tls13: boolean): TlsCertificateMessage {
  const msg: TlsCertificateMessage = { certificates: [] };
  if (tls13) {
    msg.context = rest(vector(c, 1, 'Certificate request_context'));
    msg.entryExtensions = [];
  }
  const list = vector(c, 3, 'Certificate certificate_list');
  while (list.at < list.end) {
    msg.certificates.push(rest(vector(list, 3, 'certificate')));
    if (tls13) msg.entryExtensions!.push(rest(vector(list, 2, 'certificate entry extensions')));
  }
  finish(c, 'the Certificate message');
  return msg;
}

function readNewSessionTicket(c: Cursor, tls13: boolean): TlsNewSessionTicket {
  const lifetime = u32(c.b, take(c, 4, 'NewSessionTicket lifetime'));
  if (!tls13) {
    const ticket = rest(vector(c, 2, 'NewSessionTicket ticket'));
    finish(c, 'the NewSessionTicket');
    return { lifetime, ticket };
  }
  const ageAdd = u32(c.b, take(c, 4, 'NewSessionTicket ticket_age_add'));
  const nonce = rest(vector(c, 1, 'NewSessionTicket ticket_nonce'));
  const ticket = rest(vector(c, 2, 'NewSessionTicket ticket'));
  const extensions = rest(vector(c, 2, 'NewSessionTicket extensions'));
  finish(c, 'the NewSessionTicket');
  return { lifetime, ticket, ageAdd, nonce, extensions };
}

/** Whatever a message's decoding depends on beyond its own bytes. */
export interface TlsDecodeContext {
  /** The version negotiated: TLS 1.3 forms of Certificate and NewSessionTicket; before TLS 1.2 a ServerKeyExchange has no signature algorithm. */
  version?: number;
  /** For ClientKeyExchange: `ecdhe` (a point) or `rsa` (an encrypted premaster secret); otherwise it stays raw. */
  keyExchange?: 'ecdhe' | 'rsa';
}

/** The named-curve ECDHE form, if the body is exactly that; undefined otherwise (another key exchange). */
function readServerKeyExchange(c: Cursor, version: number | undefined): TlsServerKeyExchange | undefined {
  try {
    const curveType = read8(c, 'curve_type');
    if (curveType !== 3) return undefined;
    const namedCurve = read16(c, 'named_curve');
    const publicKey = rest(vector(c, 1, 'public'));
    const ske: TlsServerKeyExchange = { curveType, namedCurve, publicKey, signature: new Uint8Array(0) };
    if (version === undefined || version >= TlsVersion.TLS1_2) ske.signatureAlgorithm = read16(c, 'signature algorithm');
    ske.signature = rest(vector(c, 2, 'signature'));
    return c.at === c.end ? ske : undefined;
  } catch (e) {
    if (e instanceof Fault) return undefined;
    throw e;
  }
}

/** The form `kind` says, if the body is exactly that; a wrong guess (static ECDH, PSK) leaves it raw. */
function readClientKeyExchange(c: Cursor, kind: 'ecdhe' | 'rsa' | undefined): TlsClientKeyExchange | undefined {
  if (kind === undefined) return undefined;
  try {
    const v = vector(c, kind === 'ecdhe' ? 1 : 2, 'ClientKeyExchange');
    if (c.at !== c.end) return undefined;
    return kind === 'ecdhe' ? { publicKey: rest(v) } : { encryptedPreMasterSecret: rest(v) };
  } catch (e) {
    if (e instanceof Fault) return undefined;
    throw e;
  }
}

/** Decodes the body of a handshake message of `type` found in `b` at [at, at + length). */
function readHandshake(type: number, b: Uint8Array, at: number, length: number, offset: number, records: number, context: TlsDecodeContext): TlsHandshakeMessage {
  const c: Cursor = { b, at, end: at + length };
  const tls13 = context.version === TLS13;
  const msg: TlsHandshakeMessage = { type, length, offset, records, body: b.slice(at, at + length) };
  switch (type) {
    case TlsHandshakeType.ClientHello:
      msg.clientHello = readClientHello(c);
      break;
    case TlsHandshakeType.ServerHello:
      msg.serverHello = readServerHello(c);
      break;
    case TlsHandshakeType.Certificate:
      msg.certificate = readCertificate(c, tls13);
      break;
    case TlsHandshakeType.NewSessionTicket:
      msg.newSessionTicket = readNewSessionTicket(c, tls13);
      break;
    case TlsHandshakeType.ServerKeyExchange: {
      const ske = readServerKeyExchange(c, context.version);
      if (ske !== undefined) msg.serverKeyExchange = ske;
      break;
    }
    case TlsHandshakeType.ClientKeyExchange: {
      const cke = readClientKeyExchange(c, context.keyExchange);
      if (cke !== undefined) msg.clientKeyExchange = cke;
      break;
    }
  }
  return msg;
}

/** A ClientHello's body (after the 4-byte handshake header). Throws a WireError on bad lengths. */
export function decodeTlsClientHello(body: Uint8Array): TlsClientHello {
  return guard(() => readClientHello({ b: body, at: 0, end: body.length }));
}

/** A ServerHello's body (after the 4-byte handshake header); a HelloRetryRequest too. */
export function decodeTlsServerHello(body: Uint8Array): TlsServerHello {
  return guard(() => readServerHello({ b: body, at: 0, end: body.length }));
}

/**
 * One whole handshake message, header included (`bytes` must hold exactly it), decoded against
 * `context` (the negotiated version and key exchange, which the bytes do not say).
 */
export function decodeTlsHandshake(bytes: Uint8Array, context: TlsDecodeContext = {}): TlsHandshakeMessage {
  return guard(() => {
    const c: Cursor = { b: bytes, at: 0, end: bytes.length };
    const type = read8(c, 'handshake type');
    const length = read24(c, 'handshake length');
    const left = c.end - c.at;
    if (length !== left) fault(length > left ? 'truncated' : 'bad-length', `handshake message of ${length} bytes in ${left} bytes`, 1, length, left);
    return readHandshake(type, bytes, HANDSHAKE_HEADER, length, 0, 1, context);
  });
}

/** The version a ServerHello chose: supported_versions' when present (TLS 1.3), else legacy_version. */
export function tlsServerHelloVersion(hello: TlsServerHello): number {
  return hello.extensions?.find((e) => e.type === TlsExtensionType.SupportedVersions)?.selectedVersion ?? hello.version;
}

/** The first host_name of a ClientHello's server_name extension (SNI), if any. */
export function tlsServerName(hello: TlsClientHello): string | undefined {
  return hello.extensions?.find((e) => e.type === TlsExtensionType.ServerName)?.serverNames?.find((n) => n.type === 0)?.name;
}

/** A hello's ALPN list: what the client offers, or the one protocol the server chose. */
export function tlsAlpn(hello: TlsClientHello | TlsServerHello): string[] | undefined {
  return hello.extensions?.find((e) => e.type === TlsExtensionType.Alpn)?.alpn;
}

// ---------------------------------------------------------------------------------------------
// JA3 / JA3S (https://github.com/salesforce/ja3): decimal values joined with '-', fields with ',',
// GREASE values left out of every list, and the MD5 of that string.

export interface TlsFingerprint {
  /** The string that is hashed (tshark's `tls.handshake.ja3_full` / `ja3s_full`). */
  full: string;
  /** Its MD5 in lowercase hex (`tls.handshake.ja3` / `ja3s`). */
  hash: string;
}

function noGrease(values: readonly number[]): string {
  let s = '';
  for (const v of values) if (!isTlsGrease(v)) s += (s === '' ? '' : '-') + v;
  return s;
}

/** JA3 of a ClientHello: version, ciphers, extensions, groups, point formats. */
export function tlsJa3(hello: TlsClientHello): TlsFingerprint {
  const exts = hello.extensions ?? [];
  const groups = exts.find((e) => e.type === TlsExtensionType.SupportedGroups)?.groups ?? [];
  const formats = exts.find((e) => e.type === TlsExtensionType.EcPointFormats)?.ecPointFormats ?? [];
  const full = `${hello.version},${noGrease(hello.cipherSuites)},${noGrease(exts.map((e) => e.type))},${noGrease(groups)},${formats.join('-')}`;
  return { full, hash: md5Hex(full) };
}

/** JA3S of a ServerHello: version, cipher, extensions. */
export function tlsJa3s(hello: TlsServerHello): TlsFingerprint {
  const full = `${hello.version},${hello.cipherSuite},${noGrease((hello.extensions ?? []).map((e) => e.type))}`;
  return { full, hash: md5Hex(full) };
}

function md5Hex(text: string): string {
  const d = md5(utf8Encoder.encode(text));
  let s = '';
  for (let i = 0; i < 16; i++) s += (d[i]! < 16 ? '0' : '') + d[i]!.toString(16);
  return s;
}

// ---------------------------------------------------------------------------------------------
// Encoding

/** An extension to encode: `data` as is when given, else built from the decoded values of its type. */
export type TlsExtensionInit = Omit<TlsExtension, 'data'> & { data?: Uint8Array };

export type TlsClientHelloInit = Omit<TlsClientHello, 'extensions'> & { extensions?: TlsExtensionInit[] };

/** `helloRetryRequest: true` writes the HelloRetryRequest random whatever `random` says. */
export type TlsServerHelloInit = Omit<TlsServerHello, 'extensions' | 'helloRetryRequest' | 'random'> & {
  random?: Uint8Array;
  helloRetryRequest?: boolean;
  extensions?: TlsExtensionInit[];
};

/** A growable byte writer with back-patched vector lengths. */
class Writer {
  buf = new Uint8Array(256);
  len = 0;

  private room(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }

  u8(v: number): void {
    this.room(1);
    this.buf[this.len++] = v;
  }

  u16(v: number): void {
    this.room(2);
    this.buf[this.len++] = v >>> 8;
    this.buf[this.len++] = v;
  }

  u24(v: number): void {
    this.room(3);
    this.buf[this.len++] = v >>> 16;
    this.buf[this.len++] = v >>> 8;
    this.buf[this.len++] = v;
  }

  bytes(b: Uint8Array): void {
    this.room(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
  }

  /** Writes a `size`-byte length, then what `body` writes, then patches the length in. */
  vector(size: 1 | 2 | 3, what: string, body: () => void): void {
    const at = this.len;
    this.room(size);
    this.len += size;
    body();
    const n = this.len - at - size;
    const max = size === 1 ? 0xff : size === 2 ? 0xffff : 0xffffff;
    if (n > max) throw new WireError('bad-length', `${what} of ${n} bytes does not fit a ${size}-byte length`, { layer: LAYER });
    for (let i = 0; i < size; i++) this.buf[at + i] = n >>> (8 * (size - 1 - i));
  }

  done(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}

function need<T>(value: T | undefined, type: number, what: string): T {
  if (value === undefined) throw new WireError('bad-value', `extension ${type} has neither data nor ${what} to encode`, { layer: LAYER });
  return value;
}

function writeExtensionData(w: Writer, e: TlsExtensionInit, context: TlsExtensionContext): void {
  if (e.data !== undefined) {
    w.bytes(e.data);
    return;
  }
  const t = e.type;
  const client = context === 'client_hello';
  switch (t) {
    case TlsExtensionType.ServerName: {
      const names = need(e.serverNames, t, 'serverNames');
      if (names.length === 0) return;
      w.vector(2, 'server_name list', () => {
        for (const n of names) {
          w.u8(n.type);
          w.vector(2, 'server name', () => w.bytes(utf8Encoder.encode(n.name)));
        }
      });
      return;
    }
    case TlsExtensionType.MaxFragmentLength:
      w.u8(need(e.maxFragmentLength, t, 'maxFragmentLength'));
      return;
    case TlsExtensionType.StatusRequest: {
      const s = need(e.statusRequest, t, 'statusRequest');
      w.u8(s.type);
      w.vector(2, 'responder_id_list', () => w.bytes(s.responderIds));
      w.vector(2, 'request_extensions', () => w.bytes(s.requestExtensions));
      return;
    }
    case TlsExtensionType.SupportedGroups:
      w.vector(2, 'supported_groups', () => need(e.groups, t, 'groups').forEach((g) => w.u16(g)));
      return;
    case TlsExtensionType.EcPointFormats:
      w.vector(1, 'ec_point_formats', () => need(e.ecPointFormats, t, 'ecPointFormats').forEach((f) => w.u8(f)));
      return;
    case TlsExtensionType.SignatureAlgorithms:
    case TlsExtensionType.SignatureAlgorithmsCert:
      w.vector(2, 'signature_algorithms', () => need(e.signatureAlgorithms, t, 'signatureAlgorithms').forEach((a) => w.u16(a)));
      return;
    case TlsExtensionType.Alpn:
      w.vector(2, 'ALPN list', () => {
        for (const p of need(e.alpn, t, 'alpn')) w.vector(1, 'ALPN protocol', () => w.bytes(utf8Encoder.encode(p)));
      });
      return;
    case TlsExtensionType.CompressCertificate:
      w.vector(1, 'compress_certificate', () => need(e.certificateCompressionAlgorithms, t, 'certificateCompressionAlgorithms').forEach((a) => w.u16(a)));
      return;
    case TlsExtensionType.RecordSizeLimit:
      w.u16(need(e.recordSizeLimit, t, 'recordSizeLimit'));
      return;
    case TlsExtensionType.SupportedVersions:
      if (client) w.vector(1, 'supported_versions', () => need(e.versions, t, 'versions').forEach((v) => w.u16(v)));
      else w.u16(need(e.selectedVersion, t, 'selectedVersion'));
      return;
    case TlsExtensionType.Cookie:
      w.vector(2, 'cookie', () => w.bytes(need(e.cookie, t, 'cookie')));
      return;
    case TlsExtensionType.PskKeyExchangeModes:
      w.vector(1, 'psk_key_exchange_modes', () => need(e.pskModes, t, 'pskModes').forEach((m) => w.u8(m)));
      return;
    case TlsExtensionType.KeyShare:
      if (context === 'hello_retry_request') {
        w.u16(need(e.selectedGroup, t, 'selectedGroup'));
      } else {
        const shares = need(e.keyShares, t, 'keyShares');
        const one = (s: TlsKeyShare) => {
          w.u16(s.group);
          w.vector(2, 'key_exchange', () => w.bytes(s.keyExchange));
        };
        if (client) w.vector(2, 'client_shares', () => shares.forEach(one));
        else one(need(shares[0], t, 'a key share'));
      }
      return;
    case TlsExtensionType.RenegotiationInfo:
      w.vector(1, 'renegotiation_info', () => w.bytes(need(e.renegotiatedConnection, t, 'renegotiatedConnection')));
      return;
    default:
      // Types whose data is all they are (empty flags such as extended_master_secret) encode as empty.
      return;
  }
}

function writeExtensions(w: Writer, exts: readonly TlsExtensionInit[] | undefined, context: TlsExtensionContext): void {
  if (exts === undefined) return;
  w.vector(2, 'extensions', () => {
    for (const e of exts) {
      w.u16(e.type);
      w.vector(2, `extension ${e.type}`, () => writeExtensionData(w, e, context));
    }
  });
}

function writeRandom(w: Writer, random: Uint8Array): void {
  if (random.length !== 32) throw new WireError('bad-length', `a hello's random is 32 bytes, got ${random.length}`, { layer: LAYER });
  w.bytes(random);
}

/** The extensions block (2-byte length first) for `exts`. */
export function encodeTlsExtensions(exts: readonly TlsExtensionInit[], context: TlsExtensionContext = 'client_hello'): Uint8Array {
  const w = new Writer();
  writeExtensions(w, exts, context);
  return w.done();
}

/** A ClientHello's body (no handshake header: see `encodeTlsHandshake`). A decoded hello encodes to its bytes exactly. */
export function encodeTlsClientHello(hello: TlsClientHelloInit): Uint8Array {
  const w = new Writer();
  w.u16(hello.version);
  writeRandom(w, hello.random);
  w.vector(1, 'session_id', () => w.bytes(hello.sessionId));
  w.vector(2, 'cipher_suites', () => hello.cipherSuites.forEach((s) => w.u16(s)));
  w.vector(1, 'compression_methods', () => hello.compressionMethods.forEach((m) => w.u8(m)));
  writeExtensions(w, hello.extensions, 'client_hello');
  return w.done();
}

/** A ServerHello's (or HelloRetryRequest's) body. A decoded hello encodes to its bytes exactly. */
export function encodeTlsServerHello(hello: TlsServerHelloInit): Uint8Array {
  const w = new Writer();
  w.u16(hello.version);
  const hrr = hello.helloRetryRequest === true;
  writeRandom(w, hrr ? TLS_HELLO_RETRY_REQUEST_RANDOM : (hello.random ?? new Uint8Array(32)));
  w.vector(1, 'session_id', () => w.bytes(hello.sessionId));
  w.u16(hello.cipherSuite);
  w.u8(hello.compressionMethod);
  const context = hrr || (hello.random !== undefined && sameBytes(hello.random, TLS_HELLO_RETRY_REQUEST_RANDOM)) ? 'hello_retry_request' : 'server_hello';
  writeExtensions(w, hello.extensions, context);
  return w.done();
}

/** A TLS 1.2 Certificate message body: the DER certificates, each with its 3-byte length, in a 3-byte-length list. */
export function encodeTlsCertificate(certificates: readonly Uint8Array[]): Uint8Array {
  const w = new Writer();
  w.vector(3, 'certificate_list', () => certificates.forEach((c) => w.vector(3, 'certificate', () => w.bytes(c))));
  return w.done();
}

/** A handshake message: its 4-byte header (type, 24-bit length) and `body`. */
export function encodeTlsHandshake(type: number, body: Uint8Array): Uint8Array {
  if (body.length > 0xffffff) throw new WireError('limit-exceeded', `handshake body of ${body.length} bytes does not fit a 24-bit length`, { layer: LAYER });
  const out = new Uint8Array(HANDSHAKE_HEADER + body.length);
  out[0] = type;
  out[1] = body.length >>> 16;
  out[2] = body.length >>> 8;
  out[3] = body.length;
  out.set(body, HANDSHAKE_HEADER);
  return out;
}

/** One record: the 5-byte header and `fragment` (at most `TLS_MAX_RECORD_LENGTH` bytes). */
export function encodeTlsRecord(contentType: number, version: number, fragment: Uint8Array): Uint8Array {
  if (fragment.length > TLS_MAX_RECORD_LENGTH) {
    throw new WireError('limit-exceeded', `record fragment of ${fragment.length} bytes exceeds ${TLS_MAX_RECORD_LENGTH}`, { layer: LAYER });
  }
  const out = new Uint8Array(RECORD_HEADER + fragment.length);
  out[0] = contentType;
  out[1] = version >>> 8;
  out[2] = version;
  out[3] = fragment.length >>> 8;
  out[4] = fragment.length;
  out.set(fragment, RECORD_HEADER);
  return out;
}

/**
 * Bytes of one content type (handshake messages, say) cut into records of at most `maxFragment`
 * bytes (default 2^14, RFC 8446 section 5.1), one after another in one buffer.
 */
export function encodeTlsRecords(contentType: number, version: number, data: Uint8Array, maxFragment = 16384): Uint8Array {
  if (!Number.isInteger(maxFragment) || maxFragment < 1 || maxFragment > TLS_MAX_RECORD_LENGTH) {
    throw new WireError('bad-value', `maxFragment must be an integer from 1 to ${TLS_MAX_RECORD_LENGTH}, got ${maxFragment}`, { layer: LAYER });
  }
  const count = Math.max(1, Math.ceil(data.length / maxFragment));
  const out = new Uint8Array(data.length + count * RECORD_HEADER);
  let at = 0;
  for (let i = 0; i < count; i++) {
    const piece = data.subarray(i * maxFragment, Math.min(data.length, (i + 1) * maxFragment));
    out.set(encodeTlsRecord(contentType, version, piece), at);
    at += RECORD_HEADER + piece.length;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Incremental decoding

/** What both directions of a connection learn from the handshake. */
export class TlsSession {
  /** The version the server chose (its ServerHello or HelloRetryRequest), once seen. */
  version: number | undefined;
  /** The cipher suite the server chose. */
  cipherSuite: number | undefined;
  /** The last ClientHello and ServerHello seen (after a HelloRetryRequest: the second ones). */
  clientHello: TlsClientHello | undefined;
  serverHello: TlsServerHello | undefined;
  /** A HelloRetryRequest was seen. */
  helloRetryRequest = false;
  /** A ServerKeyExchange was seen since the last ServerHello; whether it was ECDHE. */
  serverKeyExchange: 'ecdhe' | 'other' | undefined;

  /** How this session's ClientKeyExchange is to be read, as far as the server's messages tell. */
  get keyExchange(): 'ecdhe' | 'rsa' | undefined {
    if (this.serverKeyExchange === 'ecdhe') return 'ecdhe';
    // A full TLS 1.2 (or earlier) handshake without ServerKeyExchange: RSA key transport.
    if (this.serverKeyExchange === undefined && this.serverHello !== undefined && this.version !== TLS13) return 'rsa';
    return undefined;
  }
}

export interface TlsStreamOptions {
  /** Largest handshake message body accepted (default 64 KiB); a larger one stops the direction with `limit-exceeded`. */
  maxHandshakeLength?: number;
  /** The same for Certificate and CompressedCertificate messages (default 256 KiB). */
  maxCertificateLength?: number;
  /** Shared with the other direction's decoder (`TlsConnectionDecoder` does this). */
  session?: TlsSession;
}

function limitOption(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 0 || value > 0xffffff) {
    throw new WireError('bad-value', `${name} must be an integer from 0 to ${0xffffff}, got ${value}`, { layer: LAYER });
  }
  return value;
}

/**
 * Decodes one direction of a TLS connection from its reassembled byte stream, incrementally:
 * `push` each chunk as it comes and get the records it completed. The first problem stops the
 * direction: `error` holds it (a WireError, offset in this direction's stream) and later pushes
 * return nothing. `push` itself never throws.
 *
 * @example
 * const client = new TlsStreamDecoder();
 * for (const record of client.push(chunk)) {
 *   for (const m of record.messages ?? []) if (m.clientHello) console.log(tlsServerName(m.clientHello), tlsJa3(m.clientHello).hash);
 * }
 * client.end();
 * if (client.error) console.log(client.error.message);
 */
export class TlsStreamDecoder {
  readonly session: TlsSession;
  readonly #maxHandshake: number;
  readonly #maxCertificate: number;
  /** Stream bytes consumed. */
  #position = 0;
  readonly #header = new Uint8Array(RECORD_HEADER);
  #headerFill = 0;
  // The record being read.
  #type = 0;
  #version = 0;
  #length = 0;
  #remaining = 0;
  #recordOffset = 0;
  #encrypted = false;
  #opaque = false;
  /** The plaintext fragment being collected (alerts, handshake, ChangeCipherSpec), else undefined. */
  #fragment: Uint8Array | undefined;
  #fragmentFill = 0;
  // Handshake reassembly: bytes [#hsStart, #hsFill) of #hs are unconsumed; #pieces maps buffer
  // positions to stream offsets, as (buffer position, stream offset) pairs, one per record.
  #hs = new Uint8Array(0);
  #hsStart = 0;
  #hsFill = 0;
  #pieces: number[] = [];
  /** This side has changed keys: its handshake, alert and heartbeat records are encrypted. */
  #protected = false;
  /** A ChangeCipherSpec came while the version was unknown: the next record decides what it meant. */
  #ccsPending = false;
  #error: WireError | undefined;
  #ended = false;

  constructor(options: TlsStreamOptions = {}) {
    this.session = options.session ?? new TlsSession();
    this.#maxHandshake = limitOption(options.maxHandshakeLength, TLS_DEFAULT_MAX_HANDSHAKE_LENGTH, 'maxHandshakeLength');
    this.#maxCertificate = limitOption(options.maxCertificateLength, TLS_DEFAULT_MAX_CERTIFICATE_LENGTH, 'maxCertificateLength');
  }

  /** The error that stopped this direction, if any. */
  get error(): WireError | undefined {
    return this.#error;
  }

  /** Bytes of the stream consumed so far. */
  get position(): number {
    return this.#position;
  }

  /** This side has changed keys (its later handshake records are encrypted). */
  get encrypted(): boolean {
    return this.#protected;
  }

  /** Bytes still to come of the record being read, once its header is whole (0 between records). */
  get recordRemaining(): number {
    return this.#headerFill === RECORD_HEADER ? this.#remaining : 0;
  }

  /** Bytes of the record being read that are here, its header included (0 between records). */
  get recordConsumed(): number {
    return this.#position - this.#recordStart();
  }

  /**
   * Reads on from stream offset `at`, taken to be a record's first byte: what was being read (a
   * record, a handshake message) is dropped, and so is the error that stopped the direction, as
   * tshark picks TLS up again at a TCP segment that starts a record (a capture that began
   * mid-record, bytes lost). Whether the direction changed keys is kept.
   */
  restart(at: number): void {
    if (this.#ended) return;
    this.#error = undefined;
    this.#position = at;
    this.#headerFill = 0;
    this.#remaining = 0;
    this.#fragment = undefined;
    this.#fragmentFill = 0;
    this.#hsStart = 0;
    this.#hsFill = 0;
    this.#pieces = [];
    this.#ccsPending = false;
  }

  /** Feeds the next bytes of the stream; returns the records they complete, in order. */
  push(chunk: Uint8Array): TlsRecord[] {
    const out: TlsRecord[] = [];
    if (this.#error !== undefined || this.#ended) return out;
    try {
      let i = 0;
      const n = chunk.length;
      while (i < n) {
        if (this.#headerFill < RECORD_HEADER) {
          const byte = chunk[i++]!;
          this.#header[this.#headerFill++] = byte;
          this.#position++;
          this.#checkHeaderByte();
          if (this.#headerFill === RECORD_HEADER) {
            this.#startRecord();
            if (this.#remaining === 0) out.push(this.#endRecord());
          }
          continue;
        }
        const take = Math.min(this.#remaining, n - i);
        if (this.#fragment !== undefined) this.#fragment.set(chunk.subarray(i, i + take), this.#fragmentFill);
        this.#fragmentFill += take;
        this.#remaining -= take;
        this.#position += take;
        i += take;
        if (this.#remaining === 0) out.push(this.#endRecord());
      }
    } catch (e) {
      this.#error = toWireError(e, (at) => at, 'stream offset');
    }
    return out;
  }

  /**
   * Bytes missing from the stream (a TCP gap). Inside an encrypted or application data record
   * they are skipped like the bytes they stand for (returned: the record, if that completes it);
   * anywhere else the record boundaries are lost and the direction stops with a `truncated` error.
   */
  gap(size: number): TlsRecord[] {
    if (this.#error !== undefined || this.#ended || size <= 0) return [];
    if (this.#headerFill === RECORD_HEADER && this.#fragment === undefined && size <= this.#remaining) {
      this.#remaining -= size;
      this.#position += size;
      this.#fragmentFill += size;
      return this.#remaining === 0 ? [this.#endRecord()] : [];
    }
    this.#error = new WireError('truncated', `${size} bytes missing from the stream at stream offset ${this.#position}: record boundaries lost, decoding stops`, {
      layer: LAYER,
      offset: this.#position,
    });
    return [];
  }

  /**
   * The stream has ended. Returns (and keeps in `error`) what is wrong with how it ended: inside a
   * record or a handshake message. Later pushes return nothing.
   */
  end(): WireError | undefined {
    if (this.#ended || this.#error !== undefined) {
      this.#ended = true;
      return this.#error;
    }
    this.#ended = true;
    if (this.#headerFill > 0 && this.#headerFill < RECORD_HEADER) {
      this.#error = new WireError('truncated', `the stream ends inside a record header (${this.#headerFill} of 5 bytes) at stream offset ${this.#recordStart()}`, {
        layer: LAYER,
        offset: this.#recordStart(),
        required: RECORD_HEADER,
        available: this.#headerFill,
      });
    } else if (this.#headerFill === RECORD_HEADER) {
      this.#error = new WireError('truncated', `the stream ends inside a record of ${this.#length} bytes (${this.#length - this.#remaining} there) at stream offset ${this.#recordOffset}`, {
        layer: LAYER,
        offset: this.#recordOffset,
        required: this.#length,
        available: this.#length - this.#remaining,
      });
    } else if (this.#hsFill > this.#hsStart) {
      const at = this.#streamOffset(this.#hsStart);
      const have = this.#hsFill - this.#hsStart;
      const want = have >= HANDSHAKE_HEADER ? this.#hsLength() + HANDSHAKE_HEADER : HANDSHAKE_HEADER;
      this.#error = new WireError('truncated', `the stream ends inside a handshake message (${have} of ${want} bytes) at stream offset ${at}`, {
        layer: LAYER,
        offset: at,
        required: want,
        available: have,
      });
    }
    return this.#error;
  }

  #recordStart(): number {
    return this.#position - this.#headerFill;
  }

  /** Checks each header byte as it arrives, so garbage is reported at once, not 5 bytes later. */
  #checkHeaderByte(): void {
    const h = this.#header;
    const k = this.#headerFill;
    const start = this.#recordStart();
    if (start === 0 && (h[0]! & 0x80) !== 0) {
      // An SSLv2-compatible ClientHello (RFC 5246 appendix E.2), which can only open a stream,
      // starts with a 2-byte length whose top bit is set, then message type 1.
      if (k < 3) return;
      if (h[2] === 1) fault('unsupported', 'SSLv2-compatible ClientHello (2-byte record header, RFC 5246 appendix E.2) is not decoded', start);
      fault('bad-value', `unknown record content type ${h[0]} (0x${h[0]!.toString(16)}): not TLS`, start);
    }
    if (k === 1) {
      const type = h[0]!;
      if (type >= TlsContentType.ChangeCipherSpec && type <= TlsContentType.Heartbeat) return;
      fault('bad-value', `unknown record content type ${type} (0x${type.toString(16).padStart(2, '0')}): not TLS, or the stream is out of step`, start);
    }
    if (k === 2 && h[1] !== 3) fault('bad-version', `record version major byte ${h[1]} is not 3 (SSL 3.0 to TLS 1.3)`, start + 1);
    if (k === 5) {
      const length = u16(h, 3);
      if (length > TLS_MAX_RECORD_LENGTH) {
        fault('bad-length', `record length ${length} exceeds ${TLS_MAX_RECORD_LENGTH} (2^14 + 2048, RFC 5246 section 6.2.3, RFC 8446 section 5.2)`, start + 3, length, TLS_MAX_RECORD_LENGTH);
      }
    }
  }

  #startRecord(): void {
    const h = this.#header;
    this.#type = h[0]!;
    this.#version = u16(h, 1);
    this.#length = u16(h, 3);
    this.#remaining = this.#length;
    this.#recordOffset = this.#position - RECORD_HEADER;
    this.#fragmentFill = 0;
    const tls13 = this.session.version === TLS13;
    if (this.#ccsPending && this.session.version !== undefined) {
      // The other side's hello has told us what the ChangeCipherSpec meant.
      this.#ccsPending = false;
      if (!tls13) this.#protected = true;
    }
    if (this.#ccsPending && this.#type !== TlsContentType.Handshake) {
      this.#ccsPending = false;
      this.#protected = true;
    }
    switch (this.#type) {
      case TlsContentType.ApplicationData:
        this.#encrypted = true;
        break;
      case TlsContentType.ChangeCipherSpec:
        // TLS 1.3's ChangeCipherSpec is always plaintext (RFC 8446 section 5).
        this.#encrypted = this.#protected && !tls13;
        break;
      default:
        this.#encrypted = this.#protected;
    }
    this.#opaque = this.#type === TlsContentType.ApplicationData && tls13;
    this.#fragment = this.#encrypted || this.#type === TlsContentType.ApplicationData || this.#type === TlsContentType.Heartbeat ? undefined : new Uint8Array(this.#length);
  }

  #endRecord(): TlsRecord {
    const record: TlsRecord = {
      contentType: this.#type,
      version: this.#version,
      length: this.#length,
      offset: this.#recordOffset,
      fragmentOffset: this.#recordOffset + RECORD_HEADER,
      encrypted: this.#encrypted,
      opaque: this.#opaque,
    };
    const fragment = this.#fragment;
    this.#headerFill = 0;
    this.#fragment = undefined;
    if (fragment === undefined) return record;
    const at = record.fragmentOffset;
    switch (this.#type) {
      case TlsContentType.ChangeCipherSpec:
        this.#changeCipherSpec(fragment, at);
        break;
      case TlsContentType.Alert:
        record.alerts = this.#alerts(fragment, at);
        break;
      case TlsContentType.Handshake:
        if (this.#ccsPending) {
          this.#ccsPending = false;
          // Direction decoded alone: only a whole ClientHello after the ChangeCipherSpec is plaintext.
          const isHello = fragment.length >= HANDSHAKE_HEADER && fragment[0] === TlsHandshakeType.ClientHello && ((fragment[1]! << 16) | u16(fragment, 2)) + HANDSHAKE_HEADER === fragment.length;
          if (!isHello) {
            this.#protected = true;
            record.encrypted = true;
            return record;
          }
        }
        record.messages = this.#handshake(fragment, at);
        break;
    }
    return record;
  }

  #changeCipherSpec(fragment: Uint8Array, at: number): void {
    if (fragment.length !== 1 || fragment[0] !== 1) {
      fault('bad-value', `ChangeCipherSpec must be the one byte 1, got ${fragment.length} bytes${fragment.length > 0 ? ` starting ${fragment[0]}` : ''}`, at);
    }
    if (this.#hsFill > this.#hsStart) fault('bad-value', 'ChangeCipherSpec in the middle of a handshake message (keys may not change inside one)', at);
    const version = this.session.version;
    if (version === TLS13) return;
    if (version === undefined) this.#ccsPending = true;
    else this.#protected = true;
  }

  #alerts(fragment: Uint8Array, at: number): TlsAlert[] {
    if (fragment.length === 0 || fragment.length % 2 !== 0) {
      fault('bad-length', `alert record of ${fragment.length} bytes: alerts are 2 bytes (level, description)`, at);
    }
    const out: TlsAlert[] = [];
    for (let i = 0; i < fragment.length; i += 2) out.push({ level: fragment[i]!, description: fragment[i + 1]! });
    return out;
  }

  #hsLength(): number {
    const b = this.#hs;
    const s = this.#hsStart;
    return (b[s + 1]! << 16) | u16(b, s + 2);
  }

  /**
   * The piece (record) holding handshake buffer position `k`: binary search, since a message cut
   * into thousands of 1-byte records must not make every lookup walk them all.
   */
  #pieceAt(k: number): number {
    const p = this.#pieces;
    let lo = 0;
    let hi = p.length / 2 - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (p[mid * 2]! <= k) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** The stream offset of handshake buffer position `k`. */
  #streamOffset(k: number): number {
    const i = this.#pieceAt(k) * 2;
    return this.#pieces[i + 1]! + (k - this.#pieces[i]!);
  }

  /** Records whose bytes make up buffer positions [from, to), to > from. */
  #recordsIn(from: number, to: number): number {
    return this.#pieceAt(to - 1) - this.#pieceAt(from) + 1;
  }

  #handshake(fragment: Uint8Array, at: number): TlsHandshakeMessage[] {
    if (fragment.length > 0) this.#append(fragment, at);
    try {
      return this.#messages();
    } catch (e) {
      // Offsets into the reassembly buffer become offsets in the stream.
      if (e instanceof Fault) throw new Fault(e.code, e.text, this.#streamOffset(e.at), e.required, e.available);
      throw e;
    }
  }

  #messages(): TlsHandshakeMessage[] {
    const messages: TlsHandshakeMessage[] = [];
    while (this.#hsFill - this.#hsStart >= HANDSHAKE_HEADER) {
      const start = this.#hsStart;
      const type = this.#hs[start]!;
      const length = this.#hsLength();
      const cap = type === TlsHandshakeType.Certificate || type === TlsHandshakeType.CompressedCertificate ? this.#maxCertificate : this.#maxHandshake;
      if (length > cap) {
        fault('limit-exceeded', `handshake message of type ${type} declares ${length} bytes, over the ${cap}-byte cap`, start, length, cap);
      }
      if (this.#hsFill - start - HANDSHAKE_HEADER < length) break;
      const s = this.session;
      const context: TlsDecodeContext = { version: s.version, keyExchange: type === TlsHandshakeType.ClientKeyExchange ? s.keyExchange : undefined };
      const message = readHandshake(type, this.#hs, start + HANDSHAKE_HEADER, length, this.#streamOffset(start), this.#recordsIn(start, start + HANDSHAKE_HEADER + length), context);
      this.#hsStart = start + HANDSHAKE_HEADER + length;
      messages.push(message);
      this.#learn(message);
    }
    this.#compact();
    return messages;
  }

  /** What a hello tells about the session; a TLS 1.3 ServerHello starts encryption of this side. */
  #learn(message: TlsHandshakeMessage): void {
    if (message.clientHello !== undefined) {
      this.session.clientHello = message.clientHello;
      return;
    }
    if (message.type === TlsHandshakeType.ServerKeyExchange) {
      this.session.serverKeyExchange = message.serverKeyExchange !== undefined ? 'ecdhe' : 'other';
      return;
    }
    const hello = message.serverHello;
    if (hello === undefined) return;
    const s = this.session;
    s.serverHello = hello;
    s.serverKeyExchange = undefined;
    s.version = hello.helloRetryRequest ? TLS13 : tlsServerHelloVersion(hello);
    s.cipherSuite = hello.cipherSuite;
    if (hello.helloRetryRequest) {
      s.helloRetryRequest = true;
      return;
    }
    if (s.version === TLS13) {
      // Keys change right after the ServerHello: nothing may follow it in its record (RFC 8446 section 5.1).
      if (this.#hsFill > this.#hsStart) fault('bad-value', 'handshake bytes follow a TLS 1.3 ServerHello in its record (they must start a new, encrypted record)', this.#hsStart);
      this.#protected = true;
    }
  }

  #append(fragment: Uint8Array, at: number): void {
    const need = this.#hsFill + fragment.length;
    if (need > this.#hs.length) {
      const next = new Uint8Array(Math.max(need, this.#hs.length * 2, 1024));
      next.set(this.#hs.subarray(0, this.#hsFill));
      this.#hs = next;
    }
    this.#pieces.push(this.#hsFill, at);
    this.#hs.set(fragment, this.#hsFill);
    this.#hsFill += fragment.length;
  }

  /** Drops consumed bytes (and the pieces wholly in them); moves what is left to the front. */
  #compact(): void {
    const start = this.#hsStart;
    if (start === 0) return;
    const left = this.#hsFill - start;
    if (left > 0) this.#hs.copyWithin(0, start, this.#hsFill);
    const p = this.#pieces;
    const kept: number[] = [];
    for (let i = 0; i < p.length; i += 2) {
      const end = i + 2 < p.length ? p[i + 2]! : this.#hsFill;
      if (end <= start) continue;
      const from = Math.max(p[i]!, start);
      kept.push(from - start, p[i + 1]! + (from - p[i]!));
    }
    this.#pieces = kept;
    this.#hsStart = 0;
    this.#hsFill = left;
    // A large buffer from one big certificate chain need not stay.
    if (left === 0 && this.#hs.length > 65536) this.#hs = new Uint8Array(0);
  }
}

/** A record with the direction it came from. */
export interface TlsConnectionRecord extends TlsRecord {
  direction: 0 | 1;
}

/**
 * Both directions of one connection, sharing the session (the version and suite the server
 * chose), so each side's records are classed right. Direction 0 is whichever side you say; with
 * `reassembleTcp` it is the connection's first sender, normally the client. Feed the chunks in the
 * order they were captured.
 *
 * @example
 * const tls = new Map<TcpConnection, TlsConnectionDecoder>();
 * reassembleTcp(capture, {
 *   onData(conn, dir, data) {
 *     let d = tls.get(conn);
 *     if (!d) tls.set(conn, (d = new TlsConnectionDecoder()));
 *     for (const r of d.push(dir, data)) console.log(conn.stream, dir, r.contentType, r.length);
 *   },
 * });
 */
export class TlsConnectionDecoder {
  readonly session = new TlsSession();
  readonly directions: readonly [TlsStreamDecoder, TlsStreamDecoder];

  constructor(options: Omit<TlsStreamOptions, 'session'> = {}) {
    const o = { ...options, session: this.session };
    this.directions = [new TlsStreamDecoder(o), new TlsStreamDecoder(o)];
  }

  push(direction: 0 | 1, chunk: Uint8Array): TlsConnectionRecord[] {
    const records = this.#direction(direction).push(chunk) as TlsConnectionRecord[];
    for (const r of records) r.direction = direction;
    return records;
  }

  gap(direction: 0 | 1, size: number): TlsConnectionRecord[] {
    const records = this.#direction(direction).gap(size) as TlsConnectionRecord[];
    for (const r of records) r.direction = direction;
    return records;
  }

  #direction(direction: 0 | 1): TlsStreamDecoder {
    if (direction !== 0 && direction !== 1) throw new WireError('bad-value', `direction must be 0 or 1, got ${String(direction)}`, { layer: LAYER });
    return this.directions[direction];
  }

  /** Ends both directions; returns their errors (undefined where a direction ended cleanly). */
  end(): [WireError | undefined, WireError | undefined] {
    return [this.directions[0].end(), this.directions[1].end()];
  }
}

/**
 * One direction's whole stream at once: its records, and the error that stopped decoding (the
 * stream ending inside a record included).
 */
export function decodeTlsStream(stream: Uint8Array, options: TlsStreamOptions = {}): { records: TlsRecord[]; error: WireError | undefined } {
  const d = new TlsStreamDecoder(options);
  const records = d.push(stream);
  return { records, error: d.end() };
}

// ---------------------------------------------------------------------------------------------
// Fields, as tshark 4.0 names them and prints their values (tshark -T json)

// Extension types tshark dissects into fields of their own; for the others (and GREASE, and
// session_ticket) it shows the bytes as tls.handshake.extension.data.
const TSHARK_DISSECTED = new Set([0, 1, 5, 10, 11, 13, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 27, 28, 41, 42, 43, 44, 45, 47, 48, 49, 50, 51, 53, 57, 13172, 17513, 65281]);

function extensionFields(e: TlsExtension, client: boolean, out: FieldSink): void {
  out.add('tls.handshake.extension.type', e.type);
  out.add('tls.handshake.extension.len', e.data.length);
  if (!TSHARK_DISSECTED.has(e.type)) {
    out.add('tls.handshake.extension.data', bytesField(e.data));
    return;
  }
  switch (e.type) {
    case TlsExtensionType.ServerName:
      if (e.serverNames === undefined || e.data.length === 0) return;
      out.add('tls.handshake.extensions_server_name_list_len', u16(e.data, 0));
      // The lengths from the bytes (a name need not be valid UTF-8); decoding checked them.
      for (let i = 2, k = 0; i + 3 <= e.data.length; k++) {
        const len = u16(e.data, i + 1);
        out.add('tls.handshake.extensions_server_name_type', e.data[i]!);
        out.add('tls.handshake.extensions_server_name_len', len);
        out.add('tls.handshake.extensions_server_name', e.serverNames[k]!.name);
        i += 3 + len;
      }
      return;
    case TlsExtensionType.MaxFragmentLength:
      if (e.maxFragmentLength !== undefined) out.add('tls.handshake.max_fragment_length', e.maxFragmentLength);
      return;
    case TlsExtensionType.StatusRequest:
      if (e.statusRequest === undefined) return;
      out.add('tls.handshake.extensions_status_request_type', e.statusRequest.type);
      out.add('tls.handshake.extensions_status_request_responder_ids_len', e.statusRequest.responderIds.length);
      out.add('tls.handshake.extensions_status_request_exts_len', e.statusRequest.requestExtensions.length);
      return;
    case TlsExtensionType.SupportedGroups:
      if (e.groups === undefined) return;
      out.add('tls.handshake.extensions_supported_groups_length', e.groups.length * 2);
      for (const g of e.groups) out.add('tls.handshake.extensions_supported_group', g);
      return;
    case TlsExtensionType.EcPointFormats:
      if (e.ecPointFormats === undefined) return;
      out.add('tls.handshake.extensions_ec_point_formats_length', e.ecPointFormats.length);
      for (const f of e.ecPointFormats) out.add('tls.handshake.extensions_ec_point_format', f);
      return;
    case TlsExtensionType.SignatureAlgorithms:
    case TlsExtensionType.SignatureAlgorithmsCert:
      if (e.signatureAlgorithms === undefined) return;
      out.add('tls.handshake.sig_hash_alg_len', e.signatureAlgorithms.length * 2);
      for (const a of e.signatureAlgorithms) out.add('tls.handshake.sig_hash_alg', a);
      for (const a of e.signatureAlgorithms) {
        out.add('tls.handshake.sig_hash_hash', a >> 8);
        out.add('tls.handshake.sig_hash_sig', a & 0xff);
      }
      return;
    case TlsExtensionType.Alpn:
      if (e.alpn === undefined) return;
      out.add('tls.handshake.extensions_alpn_len', u16(e.data, 0));
      for (let i = 2; i < e.data.length; i += 1 + e.data[i]!) out.add('tls.handshake.extensions_alpn_str_len', e.data[i]!);
      for (const p of e.alpn) out.add('tls.handshake.extensions_alpn_str', p);
      return;
    case TlsExtensionType.Padding:
      out.add('tls.handshake.extensions_padding_data', bytesField(e.data));
      return;
    case TlsExtensionType.CompressCertificate:
      if (e.certificateCompressionAlgorithms === undefined) return;
      out.add('tls.compress_certificate.algorithms_length', e.certificateCompressionAlgorithms.length * 2);
      for (const a of e.certificateCompressionAlgorithms) out.add('tls.compress_certificate.algorithm', a);
      return;
    case TlsExtensionType.RecordSizeLimit:
      if (e.recordSizeLimit !== undefined) out.add('tls.record_size_limit', e.recordSizeLimit);
      return;
    case TlsExtensionType.SupportedVersions:
      if (e.versions !== undefined) {
        out.add('tls.handshake.extensions.supported_versions_len', e.versions.length * 2);
        for (const v of e.versions) out.add('tls.handshake.extensions.supported_version', v);
      } else if (e.selectedVersion !== undefined) {
        out.add('tls.handshake.extensions.supported_version', e.selectedVersion);
      }
      return;
    case TlsExtensionType.Cookie:
      if (e.cookie === undefined) return;
      out.add('tls.handshake.extensions.cookie_len', e.cookie.length);
      out.add('tls.handshake.extensions.cookie', bytesField(e.cookie));
      return;
    case TlsExtensionType.PskKeyExchangeModes:
      if (e.pskModes === undefined) return;
      out.add('tls.extension.psk_ke_modes_length', e.pskModes.length);
      for (const m of e.pskModes) out.add('tls.extension.psk_ke_mode', m);
      return;
    case TlsExtensionType.KeyShare:
      if (e.selectedGroup !== undefined) {
        out.add('tls.handshake.extensions_key_share_selected_group', e.selectedGroup);
        return;
      }
      if (e.keyShares === undefined) return;
      if (client) out.add('tls.handshake.extensions_key_share_client_length', u16(e.data, 0));
      for (const s of e.keyShares) {
        out.add('tls.handshake.extensions_key_share_group', s.group);
        out.add('tls.handshake.extensions_key_share_key_exchange_length', s.keyExchange.length);
        out.add('tls.handshake.extensions_key_share_key_exchange', bytesField(s.keyExchange));
      }
      return;
    case TlsExtensionType.RenegotiationInfo:
      if (e.renegotiatedConnection === undefined) return;
      out.add('tls.handshake.extensions_reneg_info_len', e.renegotiatedConnection.length);
      if (e.renegotiatedConnection.length > 0) out.add('tls.handshake.extensions_reneg_info', bytesField(e.renegotiatedConnection));
      return;
  }
}

function helloStart(version: number, random: Uint8Array, sessionId: Uint8Array, out: FieldSink): void {
  out.add('tls.handshake.version', version);
  out.add('tls.handshake.random', bytesField(random));
  out.add('tls.handshake.session_id_length', sessionId.length);
  if (sessionId.length > 0) out.add('tls.handshake.session_id', bytesField(sessionId));
}

function extensionsFields(exts: readonly TlsExtension[] | undefined, client: boolean, out: FieldSink): void {
  if (exts === undefined) return;
  let length = 0;
  for (const e of exts) length += 4 + e.data.length;
  out.add('tls.handshake.extensions_length', length);
  for (const e of exts) extensionFields(e, client, out);
}

/**
 * A handshake message's fields (`tls.handshake.*`), as tshark 4.0 shows them: the hellos in full
 * with JA3/JA3S, the TLS 1.2 Certificate's list, the TLS 1.2 NewSessionTicket, the ECDHE
 * ServerKeyExchange and the ClientKeyExchange where decoded; other messages type and length only.
 */
export function tlsHandshakeFields(m: TlsHandshakeMessage, out: FieldSink): void {
  out.add('tls.handshake.type', m.type);
  out.add('tls.handshake.length', m.length);
  if (m.clientHello !== undefined) {
    const h = m.clientHello;
    helloStart(h.version, h.random, h.sessionId, out);
    out.add('tls.handshake.cipher_suites_length', h.cipherSuites.length * 2);
    for (const s of h.cipherSuites) out.add('tls.handshake.ciphersuite', s);
    out.add('tls.handshake.comp_methods_length', h.compressionMethods.length);
    for (const c of h.compressionMethods) out.add('tls.handshake.comp_method', c);
    extensionsFields(h.extensions, true, out);
    const fp = tlsJa3(h);
    out.add('tls.handshake.ja3_full', fp.full);
    out.add('tls.handshake.ja3', fp.hash);
  } else if (m.serverHello !== undefined) {
    const h = m.serverHello;
    helloStart(h.version, h.random, h.sessionId, out);
    out.add('tls.handshake.ciphersuite', h.cipherSuite);
    out.add('tls.handshake.comp_method', h.compressionMethod);
    extensionsFields(h.extensions, false, out);
    const fp = tlsJa3s(h);
    out.add('tls.handshake.ja3s_full', fp.full);
    out.add('tls.handshake.ja3s', fp.hash);
  } else if (m.certificate !== undefined) {
    const c = m.certificate;
    if (c.context !== undefined) {
      out.add('tls.handshake.certificate_request_context_length', c.context.length);
      if (c.context.length > 0) out.add('tls.handshake.certificate_request_context', bytesField(c.context));
    }
    let length = 0;
    for (let i = 0; i < c.certificates.length; i++) length += 3 + c.certificates[i]!.length + (c.entryExtensions ? 2 + c.entryExtensions[i]!.length : 0);
    out.add('tls.handshake.certificates_length', length);
    for (const der of c.certificates) {
      out.add('tls.handshake.certificate_length', der.length);
      out.add('tls.handshake.certificate', bytesField(der));
    }
  } else if (m.serverKeyExchange !== undefined) {
    const k = m.serverKeyExchange;
    out.add('tls.handshake.server_curve_type', k.curveType);
    out.add('tls.handshake.server_named_curve', k.namedCurve);
    out.add('tls.handshake.server_point_len', k.publicKey.length);
    out.add('tls.handshake.server_point', bytesField(k.publicKey));
    if (k.signatureAlgorithm !== undefined) {
      out.add('tls.handshake.sig_hash_alg', k.signatureAlgorithm);
      out.add('tls.handshake.sig_hash_hash', k.signatureAlgorithm >> 8);
      out.add('tls.handshake.sig_hash_sig', k.signatureAlgorithm & 0xff);
    }
    out.add('tls.handshake.sig_len', k.signature.length);
    out.add('tls.handshake.sig', bytesField(k.signature));
  } else if (m.clientKeyExchange !== undefined) {
    const k = m.clientKeyExchange;
    if (k.publicKey !== undefined) {
      out.add('tls.handshake.client_point_len', k.publicKey.length);
      out.add('tls.handshake.client_point', bytesField(k.publicKey));
    } else if (k.encryptedPreMasterSecret !== undefined) {
      out.add('tls.handshake.epms_len', k.encryptedPreMasterSecret.length);
      out.add('tls.handshake.epms', bytesField(k.encryptedPreMasterSecret));
    }
  } else if (m.newSessionTicket !== undefined) {
    const t = m.newSessionTicket;
    out.add('tls.handshake.session_ticket_lifetime_hint', t.lifetime);
    if (t.ageAdd !== undefined) out.add('tls.handshake.session_ticket_age_add', t.ageAdd);
    if (t.nonce !== undefined) {
      out.add('tls.handshake.session_ticket_nonce_length', t.nonce.length);
      out.add('tls.handshake.session_ticket_nonce', bytesField(t.nonce));
    }
    out.add('tls.handshake.session_ticket_length', t.ticket.length);
    out.add('tls.handshake.session_ticket', bytesField(t.ticket));
  }
}

/**
 * A record's fields (`tls.record.*`, the plaintext alerts, and the fields of the handshake
 * messages that end in it), as tshark 4.0 shows them in that record.
 */
export function tlsRecordFields(r: TlsRecord, out: FieldSink): void {
  out.add(r.opaque ? 'tls.record.opaque_type' : 'tls.record.content_type', r.contentType);
  out.add('tls.record.version', r.version);
  out.add('tls.record.length', r.length);
  if (r.alerts !== undefined) {
    for (const a of r.alerts) {
      out.add('tls.alert_message.level', a.level);
      out.add('tls.alert_message.desc', a.description);
    }
  }
  if (r.messages !== undefined) {
    for (const m of r.messages) tlsHandshakeFields(m, out);
    // tshark counts the records of a reassembled message in the record that completes it.
    for (const m of r.messages) if (m.records > 1) out.add('tls.handshake.fragment.count', m.records);
  }
}
