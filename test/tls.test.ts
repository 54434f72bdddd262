// TLS record layer and handshake decoding: RFC 8448 vectors, MD5 (RFC 1321), JA3/JA3S, the
// encoder's byte-exact round trips, incremental decoding in any split, when records count as
// encrypted, and hostile input (every failure a WireError at the right stream offset).
import { concatBytes } from '../src/packet/bytes.js';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createHash } from 'node:crypto';
import { WireError } from '../src/errors.js';
import { FieldSink, type FieldMap } from '../src/packet/fields.js';
import {
  TLS_HELLO_RETRY_REQUEST_RANDOM,
  TLS_MAX_RECORD_LENGTH,
  TlsConnectionDecoder,
  TlsContentType,
  TlsExtensionType,
  TlsHandshakeType,
  TlsStreamDecoder,
  decodeTlsClientHello,
  decodeTlsExtensions,
  decodeTlsHandshake,
  decodeTlsServerHello,
  decodeTlsStream,
  encodeTlsCertificate,
  encodeTlsClientHello,
  encodeTlsExtensions,
  encodeTlsHandshake,
  encodeTlsRecord,
  encodeTlsRecords,
  encodeTlsServerHello,
  isTlsGrease,
  tlsAlpn,
  tlsHandshakeFields,
  tlsJa3,
  tlsJa3s,
  tlsRecordFields,
  tlsServerHelloVersion,
  tlsServerName,
  type TlsClientHelloInit,
  type TlsExtensionInit,
  type TlsRecord,
  type TlsServerHelloInit,
  type TlsServerName,
} from '../src/application/tls.js';
import { md5 } from '../src/checksum/md5.js';

const hex = (s: string) => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
const toHex = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.length).toString('hex');
const concat = (...parts: Uint8Array[]) => concatBytes(parts);
const V12 = 0x0303;
const hs = encodeTlsHandshake;
const rec = (type: number, fragment: Uint8Array, version = V12) => encodeTlsRecord(type, version, fragment);
const fields = (fill: (s: FieldSink) => void): FieldMap => {
  const s = new FieldSink();
  fill(s);
  return s.map;
};

/** Pushes `stream` cut at `cuts` (sorted offsets), returns all records and the error. */
function pushSplit(stream: Uint8Array, cuts: number[], d = new TlsStreamDecoder()) {
  const records: TlsRecord[] = [];
  let at = 0;
  for (const c of [...cuts, stream.length]) {
    records.push(...d.push(stream.subarray(at, c)));
    at = c;
  }
  return { records, error: d.end(), decoder: d };
}

function expectWireError(fn: () => unknown, code: string, offset?: number): WireError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(WireError);
    const w = e as WireError;
    expect(w.code, w.message).toBe(code);
    expect(w.layer).toBe('tls');
    if (offset !== undefined) expect(w.offset, w.message).toBe(offset);
    return w;
  }
  throw new Error('expected a WireError');
}

// RFC 8448 section 3 ("Simple 1-RTT Handshake"): the client's ClientHello and the server's
// ServerHello handshake messages (header included) as the RFC prints them, and their records.
const RFC8448_CLIENT_HELLO = hex(`
  01 00 00 c0 03 03 cb 34 ec b1 e7 81 63 ba 1c 38 c6 da cb 19 6a 6d ff a2 1a 8d 99 12 ec 18 a2 ef 62 83
  02 4d ec e7 00 00 06 13 01 13 03 13 02 01 00 00 91 00 00 00 0b 00 09 00 00 06 73 65 72 76 65 72 ff 01
  00 01 00 00 0a 00 14 00 12 00 1d 00 17 00 18 00 19 01 00 01 01 01 02 01 03 01 04 00 23 00 00 00 33 00
  26 00 24 00 1d 00 20 99 38 1d e5 60 e4 bd 43 d2 3d 8e 43 5a 7d ba fe b3 c0 6e 51 c1 3c ae 4d 54 13 69
  1e 52 9a af 2c 00 2b 00 03 02 03 04 00 0d 00 20 00 1e 04 03 05 03 06 03 02 03 08 04 08 05 08 06 04 01
  05 01 06 01 02 01 04 02 05 02 06 02 02 02 00 2d 00 02 01 01 00 1c 00 02 40 01`);
const RFC8448_SERVER_HELLO = hex(`
  02 00 00 56 03 03 a6 af 06 a4 12 18 60 dc 5e 6e 60 24 9c d3 4c 95 93 0c 8a c5 cb 14 34 da c1 55 77 2e
  d3 e2 69 28 00 13 01 00 00 2e 00 33 00 24 00 1d 00 20 c9 82 88 76 11 20 95 fe 66 76 2b db f7 c6 72 e1
  56 d6 cc 25 3b 83 3d f1 dd 69 b1 b0 4e 75 1f 0f 00 2b 00 02 03 04`);
// "complete record for transmission" in the same section: the record headers.
const RFC8448_CLIENT_RECORD = concat(hex('16 03 01 00 c4'), RFC8448_CLIENT_HELLO);
const RFC8448_SERVER_RECORD = concat(hex('16 03 03 00 5a'), RFC8448_SERVER_HELLO);

describe('MD5 (RFC 1321 appendix A.5)', () => {
  const cases: [string, string][] = [
    ['', 'd41d8cd98f00b204e9800998ecf8427e'],
    ['a', '0cc175b9c0f1b6a831c399e269772661'],
    ['abc', '900150983cd24fb0d6963f7d28e17f72'],
    ['message digest', 'f96b697d7cb7938d525a2f31aaf161d0'],
    ['abcdefghijklmnopqrstuvwxyz', 'c3fcd3d76192e4007dfb496cca67e13b'],
    ['ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789', 'd174ab98d277d9f5a5611c2c9f419d9f'],
    ['12345678901234567890123456789012345678901234567890123456789012345678901234567890', '57edf4a22be3c955ac49da2e2107b67a'],
  ];
  it.each(cases)('md5(%j)', (text, digest) => {
    expect(toHex(md5(new TextEncoder().encode(text)))).toBe(digest);
  });

  it('agrees with node:crypto on random inputs of every length around the block boundaries', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (b) => {
        expect(toHex(md5(b))).toBe(createHash('md5').update(b).digest('hex'));
      }),
    );
  });
});

describe('RFC 8448 section 3 hellos', () => {
  it('decodes the ClientHello field by field', () => {
    const m = decodeTlsHandshake(RFC8448_CLIENT_HELLO);
    expect(m.type).toBe(TlsHandshakeType.ClientHello);
    expect(m.length).toBe(0xc0);
    const h = m.clientHello!;
    expect(h.version).toBe(0x0303);
    expect(toHex(h.random)).toBe('cb34ecb1e78163ba1c38c6dacb196a6dffa21a8d9912ec18a2ef6283024dece7');
    expect(h.sessionId.length).toBe(0);
    expect(h.cipherSuites).toEqual([0x1301, 0x1303, 0x1302]);
    expect(h.compressionMethods).toEqual([0]);
    expect(h.extensions!.map((e) => e.type)).toEqual([0, 0xff01, 10, 35, 51, 43, 13, 45, 28]);
    expect(tlsServerName(h)).toBe('server');
    const ext = (t: number) => h.extensions!.find((e) => e.type === t)!;
    expect(ext(TlsExtensionType.RenegotiationInfo).renegotiatedConnection).toEqual(new Uint8Array(0));
    expect(ext(TlsExtensionType.SupportedGroups).groups).toEqual([0x1d, 0x17, 0x18, 0x19, 0x100, 0x101, 0x102, 0x103, 0x104]);
    expect(ext(TlsExtensionType.SessionTicket).data.length).toBe(0);
    const share = ext(TlsExtensionType.KeyShare).keyShares!;
    expect(share).toHaveLength(1);
    expect(share[0]!.group).toBe(0x1d);
    expect(toHex(share[0]!.keyExchange)).toBe('99381de560e4bd43d23d8e435a7dbafeb3c06e51c13cae4d5413691e529aaf2c');
    expect(ext(TlsExtensionType.SupportedVersions).versions).toEqual([0x0304]);
    expect(ext(TlsExtensionType.SignatureAlgorithms).signatureAlgorithms).toEqual([
      0x0403, 0x0503, 0x0603, 0x0203, 0x0804, 0x0805, 0x0806, 0x0401, 0x0501, 0x0601, 0x0201, 0x0402, 0x0502, 0x0602, 0x0202,
    ]);
    expect(ext(TlsExtensionType.PskKeyExchangeModes).pskModes).toEqual([1]);
    expect(ext(TlsExtensionType.RecordSizeLimit).recordSizeLimit).toBe(0x4001);
  });

  it('decodes the ServerHello: TLS 1.3 chosen through supported_versions, one x25519 share', () => {
    const h = decodeTlsHandshake(RFC8448_SERVER_HELLO).serverHello!;
    expect(h.version).toBe(0x0303);
    expect(tlsServerHelloVersion(h)).toBe(0x0304);
    expect(h.helloRetryRequest).toBe(false);
    expect(h.cipherSuite).toBe(0x1301);
    expect(h.compressionMethod).toBe(0);
    expect(h.extensions!.map((e) => e.type)).toEqual([51, 43]);
    expect(h.extensions![0]!.keyShares![0]!.group).toBe(0x1d);
    expect(toHex(h.extensions![0]!.keyShares![0]!.keyExchange)).toBe('c9828876112095fe66762bdbf7c672e156d6cc253b833df1dd69b1b04e751f0f');
    expect(h.extensions![1]!.selectedVersion).toBe(0x0304);
  });

  it('re-encodes both byte for byte', () => {
    const ch = decodeTlsHandshake(RFC8448_CLIENT_HELLO).clientHello!;
    const sh = decodeTlsHandshake(RFC8448_SERVER_HELLO).serverHello!;
    expect(encodeTlsHandshake(1, encodeTlsClientHello(ch))).toEqual(RFC8448_CLIENT_HELLO);
    expect(encodeTlsHandshake(2, encodeTlsServerHello(sh))).toEqual(RFC8448_SERVER_HELLO);
    expect(encodeTlsRecord(22, 0x0301, RFC8448_CLIENT_HELLO)).toEqual(RFC8448_CLIENT_RECORD);
  });

  it('builds the same ClientHello from decoded values alone (no extension data given)', () => {
    const ch = decodeTlsHandshake(RFC8448_CLIENT_HELLO).clientHello!;
    const init: TlsClientHelloInit = { ...ch, extensions: ch.extensions!.map(({ data, ...rest }) => (rest.type === 35 ? { ...rest, data } : rest)) };
    expect(encodeTlsHandshake(1, encodeTlsClientHello(init))).toEqual(RFC8448_CLIENT_HELLO);
  });

  it('gives JA3 and JA3S (checked against Python hashlib)', () => {
    const ch = decodeTlsHandshake(RFC8448_CLIENT_HELLO).clientHello!;
    expect(tlsJa3(ch)).toEqual({
      full: '771,4865-4867-4866,0-65281-10-35-51-43-13-45-28,29-23-24-25-256-257-258-259-260,',
      hash: 'da4dea34fe6d4ce5f0725df3f2682fa0',
    });
    const sh = decodeTlsHandshake(RFC8448_SERVER_HELLO).serverHello!;
    expect(tlsJa3s(sh)).toEqual({ full: '771,4865,51-43', hash: 'eb1d94daa7e0344597e756a1fb6e7054' });
  });

  it('decodes the records of both sides; after the TLS 1.3 ServerHello the server is encrypted', () => {
    const conn = new TlsConnectionDecoder();
    const [c] = conn.push(0, RFC8448_CLIENT_RECORD);
    expect(c).toMatchObject({ direction: 0, contentType: 22, version: 0x0301, length: 0xc4, offset: 0, fragmentOffset: 5, encrypted: false, opaque: false });
    expect(c!.messages![0]!.clientHello!.cipherSuites).toEqual([0x1301, 0x1303, 0x1302]);
    // The server's next record in RFC 8448 is 674 bytes of application_data (the encrypted flight); its contents do not matter here.
    const flight = rec(23, new Uint8Array(0x2a2).fill(0xaa));
    const server = conn.push(1, concat(RFC8448_SERVER_RECORD, flight));
    expect(server.map((r) => [r.contentType, r.length, r.encrypted, r.opaque])).toEqual([
      [22, 0x5a, false, false],
      [23, 0x2a2, true, true],
    ]);
    expect(conn.session.version).toBe(0x0304);
    expect(conn.session.cipherSuite).toBe(0x1301);
    expect(conn.directions[1].encrypted).toBe(true);
    expect(conn.end()).toEqual([undefined, undefined]);
  });

  it('shows tshark-named fields', () => {
    const [r] = decodeTlsStream(RFC8448_CLIENT_RECORD).records;
    const f = fields((s) => tlsRecordFields(r!, s));
    expect(f['tls.record.content_type']).toBe(22);
    expect(f['tls.record.version']).toBe(0x0301);
    expect(f['tls.handshake.type']).toBe(1);
    expect(f['tls.handshake.ciphersuite']).toEqual([0x1301, 0x1303, 0x1302]);
    expect(f['tls.handshake.extensions_server_name']).toBe('server');
    expect(f['tls.handshake.extensions.supported_version']).toBe(0x0304);
    expect(f['tls.handshake.extensions_key_share_client_length']).toBe(36);
    expect(f['tls.record_size_limit']).toBe(16385);
    expect(f['tls.handshake.ja3']).toBe('da4dea34fe6d4ce5f0725df3f2682fa0');
    const sh = fields((s) => tlsHandshakeFields(decodeTlsHandshake(RFC8448_SERVER_HELLO), s));
    expect(sh['tls.handshake.extensions_key_share_client_length']).toBeUndefined();
    expect(sh['tls.handshake.ja3s_full']).toBe('771,4865,51-43');
  });
});

describe('JA3 and GREASE', () => {
  it('recognises the sixteen GREASE values (RFC 8701) and nothing else', () => {
    const grease = [];
    for (let v = 0; v < 0x10000; v++) if (isTlsGrease(v)) grease.push(v);
    expect(grease).toEqual(Array.from({ length: 16 }, (_, i) => 0x0a0a + i * 0x1010));
  });

  it('leaves GREASE out of ciphers, extensions and groups; keeps point formats; empty fields stay empty', () => {
    const hello: TlsClientHelloInit = {
      version: 0x0303,
      random: new Uint8Array(32),
      sessionId: new Uint8Array(0),
      cipherSuites: [0x0a0a, 0x1301, 0xc02f],
      compressionMethods: [0],
      extensions: [{ type: 0x1a1a, data: new Uint8Array(0) }, { type: 10, groups: [0x2a2a, 29, 23] }, { type: 11, ecPointFormats: [0, 1] }, { type: 0xfafa, data: new Uint8Array(1) }],
    };
    const ch = decodeTlsClientHello(encodeTlsClientHello(hello));
    expect(tlsJa3(ch).full).toBe('771,4865-49199,10-11,29-23,0-1');
    const bare = decodeTlsClientHello(encodeTlsClientHello({ ...hello, extensions: undefined }));
    expect(bare.extensions).toBeUndefined();
    expect(tlsJa3(bare).full).toBe('771,4865-49199,,,');
  });
});

describe('handshake messages', () => {
  it('recognises a HelloRetryRequest by its random and decodes its selected group and cookie', () => {
    const body = encodeTlsServerHello({
      version: 0x0303,
      helloRetryRequest: true,
      sessionId: new Uint8Array(32).fill(7),
      cipherSuite: 0x1302,
      compressionMethod: 0,
      extensions: [{ type: 43, selectedVersion: 0x0304 }, { type: 51, selectedGroup: 23 }, { type: 44, cookie: hex('c00c1e') }],
    });
    const h = decodeTlsServerHello(body);
    expect(h.helloRetryRequest).toBe(true);
    expect(h.random).toEqual(TLS_HELLO_RETRY_REQUEST_RANDOM);
    expect(h.extensions!.map((e) => e.selectedGroup ?? e.selectedVersion ?? toHex(e.cookie!))).toEqual([0x0304, 23, 'c00c1e']);
    const f = fields((s) => tlsHandshakeFields(decodeTlsHandshake(hs(2, body)), s));
    expect(f['tls.handshake.extensions_key_share_selected_group']).toBe(23);
    expect(f['tls.handshake.extensions.cookie']).toBe('c0:0c:1e');
  });

  it('decodes a TLS 1.2 Certificate chain, and the TLS 1.3 form when told the version', () => {
    const a = hex('3082000101');
    const b = new Uint8Array(300).fill(3);
    const m = decodeTlsHandshake(hs(11, encodeTlsCertificate([a, b])));
    expect(m.certificate!.certificates).toEqual([a, b]);
    const f = fields((s) => tlsHandshakeFields(m, s));
    expect(f['tls.handshake.certificates_length']).toBe(3 + 5 + 3 + 300);
    expect(f['tls.handshake.certificate_length']).toEqual([5, 300]);
    // TLS 1.3 (RFC 8446 section 4.4.2): context, then entries with extensions.
    // The list declares 9 bytes where 7 follow: an error at its length field (4 + 1).
    expectWireError(() => decodeTlsHandshake(hs(11, hex('00 000009 000002 abcd 0000')), { version: 0x0304 }), 'bad-length', 5);
    const ok = decodeTlsHandshake(hs(11, hex('01 aa 000009 000002 abcd 0002 0000')), { version: 0x0304 }).certificate!;
    expect(ok.context).toEqual(hex('aa'));
    expect(ok.certificates).toEqual([hex('abcd')]);
    expect(ok.entryExtensions).toEqual([hex('0000')]);
  });

  it('decodes NewSessionTicket in both forms', () => {
    const t12 = decodeTlsHandshake(hs(4, hex('00001c20 0003 010203'))).newSessionTicket!;
    expect(t12).toEqual({ lifetime: 7200, ticket: hex('010203') });
    const t13 = decodeTlsHandshake(hs(4, hex('00001c20 01020304 01 00 0002 abcd 0000')), { version: 0x0304 }).newSessionTicket!;
    expect(t13).toEqual({ lifetime: 7200, ageAdd: 0x01020304, nonce: hex('00'), ticket: hex('abcd'), extensions: new Uint8Array(0) });
  });

  it('decodes the ECDHE ServerKeyExchange, and ClientKeyExchange as the session says', () => {
    const ske = hex('03 001d 04 01020304 0804 0003 aabbcc');
    const m = decodeTlsHandshake(hs(12, ske));
    expect(m.serverKeyExchange).toEqual({ curveType: 3, namedCurve: 0x1d, publicKey: hex('01020304'), signatureAlgorithm: 0x0804, signature: hex('aabbcc') });
    // A DHE one (p first) stays raw in body.
    expect(decodeTlsHandshake(hs(12, hex('0001 05 0001 02 0001 03 0401 0001 ff'))).serverKeyExchange).toBeUndefined();
    expect(decodeTlsHandshake(hs(16, hex('04 01020304')), { keyExchange: 'ecdhe' }).clientKeyExchange).toEqual({ publicKey: hex('01020304') });
    expect(decodeTlsHandshake(hs(16, hex('0002 abcd')), { keyExchange: 'rsa' }).clientKeyExchange).toEqual({ encryptedPreMasterSecret: hex('abcd') });
    expect(decodeTlsHandshake(hs(16, hex('0002 abcd'))).clientKeyExchange).toBeUndefined();
    expect(decodeTlsHandshake(hs(20, hex('0102030405060708090a0b0c'))).body).toEqual(hex('0102030405060708090a0b0c'));
  });
});

// A TLS 1.2 connection built with the encoder: the server's flight in one record, the
// Certificate across two, the client's Finished encrypted (random bytes), then application data.
function tls12Connection() {
  const clientHello: TlsClientHelloInit = {
    version: V12,
    random: new Uint8Array(32).fill(1),
    sessionId: new Uint8Array(0),
    cipherSuites: [0xc02f, 0x009c],
    compressionMethods: [0],
    extensions: [{ type: 0, serverNames: [{ type: 0, name: 'example.com' }] }, { type: 16, alpn: ['h2', 'http/1.1'] }, { type: 23 }],
  };
  const serverHello: TlsServerHelloInit = { version: V12, random: new Uint8Array(32).fill(2), sessionId: new Uint8Array(0), cipherSuite: 0xc02f, compressionMethod: 0, extensions: [{ type: 16, alpn: ['h2'] }] };
  const cert = hs(11, encodeTlsCertificate([new Uint8Array(700).fill(9)]));
  const client = concat(
    rec(22, hs(1, encodeTlsClientHello(clientHello)), 0x0301),
    rec(22, hs(16, hex('20' + '11'.repeat(32)))),
    rec(20, hex('01')),
    rec(22, new Uint8Array(40).fill(0x5a)),
    rec(23, new Uint8Array(30)),
    rec(21, hex('aabb'.repeat(13))),
  );
  const serverFlight = concat(hs(2, encodeTlsServerHello(serverHello)), cert, hs(12, hex('03 001d 02 0102 0401 0002 0a0b')), hs(14, new Uint8Array(0)));
  const server = concat(
    encodeTlsRecords(22, V12, serverFlight, 500),
    rec(22, hs(4, hex('00001c20 0002 abcd'))),
    rec(20, hex('01')),
    rec(22, new Uint8Array(40).fill(0x33)),
    rec(23, new Uint8Array(31)),
  );
  return { client, server };
}

describe('incremental decoding', () => {
  it('a TLS 1.2 connection: messages across and within records, encryption after each side\'s ChangeCipherSpec', () => {
    const { client, server } = tls12Connection();
    const conn = new TlsConnectionDecoder();
    const c1 = conn.push(0, client.subarray(0, 10));
    expect(c1).toEqual([]);
    const s = conn.push(1, server);
    const c = conn.push(0, client.subarray(10));
    expect(conn.end()).toEqual([undefined, undefined]);
    const summary = (rs: TlsRecord[]) => rs.map((r) => [r.contentType, r.encrypted, (r.messages ?? []).map((m) => m.type)]);
    expect(summary(c1.concat(c))).toEqual([
      [22, false, [1]],
      [22, false, [16]],
      [20, false, []],
      [22, true, []],
      [23, true, []],
      [21, true, []],
    ]);
    // The flight of 4 messages in 500-byte records: ServerHello and the start of the Certificate, the Certificate's end with the rest.
    expect(summary(s)).toEqual([
      [22, false, [2]],
      [22, false, [11, 12, 14]],
      [22, false, [4]],
      [20, false, []],
      [22, true, []],
      [23, true, []],
    ]);
    const certificate = s[1]!.messages![0]!;
    expect(certificate.records).toBe(2);
    expect(certificate.offset).toBe(5 + 4 + s[0]!.messages![0]!.length);
    expect(certificate.certificate!.certificates[0]!.length).toBe(700);
    expect(c[1]!.messages![0]!.clientKeyExchange).toEqual({ publicKey: new Uint8Array(32).fill(0x11) });
    expect(tlsServerName(conn.session.clientHello!)).toBe('example.com');
    expect(tlsAlpn(conn.session.serverHello!)).toEqual(['h2']);
    expect(s[1]!.messages![1]!.serverKeyExchange!.namedCurve).toBe(0x1d);
    expect(fields((f) => tlsRecordFields(s[1]!, f))['tls.handshake.fragment.count']).toBe(2);
  });

  it('gives the same records and error for any split of the stream, down to one byte at a time', () => {
    const { server } = tls12Connection();
    const whole = pushSplit(server, []);
    const bytewise = pushSplit(server, Array.from({ length: server.length - 1 }, (_, i) => i + 1));
    expect(bytewise.records).toEqual(whole.records);
    expect(whole.error).toBeUndefined();
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 1, max: server.length - 1 }), { maxLength: 40 }), (cuts) => {
        const split = pushSplit(server, cuts.sort((a, b) => a - b));
        expect(split.records).toEqual(whole.records);
        expect(split.error).toBeUndefined();
      }),
      { numRuns: 60 },
    );
  });

  it('a HelloRetryRequest: the client\'s ChangeCipherSpec before its second ClientHello starts no encryption', () => {
    const ch = (group: number) =>
      rec(22, hs(1, encodeTlsClientHello({ version: V12, random: new Uint8Array(32), sessionId: new Uint8Array(32), cipherSuites: [0x1301], compressionMethods: [0], extensions: [{ type: 43, versions: [0x0304] }, { type: 51, keyShares: [{ group, keyExchange: new Uint8Array(32) }] }] })), 0x0301);
    const hrr = rec(22, hs(2, encodeTlsServerHello({ version: V12, helloRetryRequest: true, sessionId: new Uint8Array(32), cipherSuite: 0x1301, compressionMethod: 0, extensions: [{ type: 43, selectedVersion: 0x0304 }, { type: 51, selectedGroup: 29 }] })));
    const sh = rec(22, hs(2, encodeTlsServerHello({ version: V12, random: new Uint8Array(32).fill(4), sessionId: new Uint8Array(32), cipherSuite: 0x1301, compressionMethod: 0, extensions: [{ type: 43, selectedVersion: 0x0304 }, { type: 51, keyShares: [{ group: 29, keyExchange: new Uint8Array(32) }] }] })));
    const ccs = rec(20, hex('01'));
    const opaque = rec(23, new Uint8Array(50));
    const conn = new TlsConnectionDecoder();
    const out = [
      ...conn.push(0, ch(23)),
      ...conn.push(1, concat(hrr, ccs)),
      ...conn.push(0, concat(ccs, ch(29))),
      ...conn.push(1, concat(sh, opaque, opaque)),
      ...conn.push(0, opaque),
    ];
    expect(out.map((r) => [r.direction, r.contentType, r.encrypted, r.opaque, r.messages?.[0]?.type])).toEqual([
      [0, 22, false, false, 1],
      [1, 22, false, false, 2],
      [1, 20, false, false, undefined],
      [0, 20, false, false, undefined],
      [0, 22, false, false, 1],
      [1, 22, false, false, 2],
      [1, 23, true, true, undefined],
      [1, 23, true, true, undefined],
      [0, 23, true, true, undefined],
    ]);
    expect(conn.session.helloRetryRequest).toBe(true);
    expect(fields((f) => tlsRecordFields(out[8]!, f))['tls.record.opaque_type']).toBe(23);

    // The client's direction alone: the second ClientHello is still recognised as plaintext.
    const alone = decodeTlsStream(concat(ch(23), ccs, ch(29)));
    expect(alone.error).toBeUndefined();
    expect(alone.records.map((r) => r.messages?.[0]?.type ?? r.contentType)).toEqual([1, 20, 1]);
  });

  it('a TLS 1.2 client decoded alone: its encrypted Finished after ChangeCipherSpec is not parsed', () => {
    const { client } = tls12Connection();
    const { records, error } = decodeTlsStream(client);
    expect(error).toBeUndefined();
    expect(records.map((r) => r.encrypted)).toEqual([false, false, false, true, true, true]);
  });

  it('skips a gap inside application data, and stops at one anywhere else', () => {
    const stream = concat(rec(23, new Uint8Array(100)), rec(23, new Uint8Array(10)));
    const d = new TlsStreamDecoder();
    expect(d.push(stream.subarray(0, 20))).toEqual([]);
    expect(d.gap(50)).toEqual([]);
    expect(d.push(stream.subarray(70, 105)).map((r) => r.length)).toEqual([100]);
    expect(d.push(stream.subarray(105)).map((r) => r.length)).toEqual([10]);
    expect(d.gap(3)).toEqual([]);
    expect(d.error?.code).toBe('truncated');
    expect(d.error?.offset).toBe(stream.length);
    expect(d.push(stream)).toEqual([]);
  });
});

describe('hostile input', () => {
  const stop = (stream: Uint8Array, code: string, offset: number, options = {}) => {
    const { records, error } = decodeTlsStream(stream, options);
    expect(error, 'an error').toBeInstanceOf(WireError);
    expect(error!.code, error!.message).toBe(code);
    expect(error!.layer).toBe('tls');
    expect(error!.offset, error!.message).toBe(offset);
    return { records, error: error! };
  };

  it('a record longer than 2^14 + 2048', () => {
    const ok = rec(23, new Uint8Array(TLS_MAX_RECORD_LENGTH));
    expect(decodeTlsStream(ok).error).toBeUndefined();
    const { error } = stop(concat(ok, hex('17 03 03 48 01')), 'bad-length', ok.length + 3);
    expect(error.message).toContain('18433');
  });

  it('an unknown content type, a wrong version byte, an SSLv2 ClientHello', () => {
    expect(stop(new TextEncoder().encode('GET / HTTP/1.1\r\n'), 'bad-value', 0).error.message).toContain('content type 71');
    stop(concat(rec(21, hex('0100')), hex('16 02 00 00 01')), 'bad-version', 8);
    stop(hex('80 2b 01 03 01 00 12 00 00 00 10'), 'unsupported', 0);
    stop(hex('80 2b 02 03 01'), 'bad-value', 0);
    // Past the start of the stream a top-bit type byte is no SSLv2 hello: reported at that byte.
    const d = new TlsStreamDecoder();
    d.push(concat(rec(21, hex('0100')), hex('80')));
    expect(d.error?.offset).toBe(7);
  });

  it('an odd cipher-suite vector, at the stream offset of its length', () => {
    const body = hex('0303' + '00'.repeat(32) + '00' + '0003 130113' + '01 00');
    // record header 5 + handshake header 4 + version 2 + random 32 + session id 1 = 44
    const { error } = stop(rec(22, hs(1, body)), 'bad-length', 44);
    expect(error.message).toMatch(/cipher_suites of 3 bytes is odd/);
    expectWireError(() => decodeTlsClientHello(body), 'bad-length', 35);
  });

  it('vector lengths past their parent, in a hello cut across records', () => {
    const ch = hs(1, encodeTlsClientHello({ version: V12, random: new Uint8Array(32), sessionId: new Uint8Array(0), cipherSuites: [0x1301], compressionMethods: [0], extensions: [{ type: 16, alpn: ['h2'] }] }));
    // The ALPN list length (2 bytes before "02 68 32") says 200.
    const bad = ch.slice();
    const listAt = bad.length - 5;
    expect(toHex(bad.subarray(listAt, listAt + 5))).toBe('0003026832');
    bad[listAt + 1] = 200;
    const stream = encodeTlsRecords(22, V12, bad, 20);
    // The list length sits at message byte listAt: in the stream, past ceil((listAt + 1) / 20) record headers.
    const recordIndex = Math.floor(listAt / 20);
    const { error } = stop(stream, 'bad-length', listAt + (recordIndex + 1) * 5);
    expect(error.message).toMatch(/ALPN protocol list of 200 bytes runs past its parent/);
    expectWireError(() => decodeTlsExtensions(hex('0006 0010 0002 0168'), 'client_hello'), 'bad-length', 6);
    expectWireError(() => decodeTlsExtensions(hex('0005 0010 0001 00')), 'truncated', 6);
    expectWireError(() => decodeTlsExtensions(hex('0004 001c 0003')), 'bad-length', 4);
    expectWireError(() => decodeTlsExtensions(hex('0006 001c 0002 4001 00')), 'bad-length');
  });

  it('a handshake message over the cap stops at its header; certificates get a larger cap', () => {
    stop(rec(22, hex('01 01 00 01')), 'limit-exceeded', 5);
    stop(rec(22, hex('01 01 00 00')), 'truncated', 5); // 64 KiB exactly: accepted, but the stream ends
    stop(rec(22, hex('0b 01 00 01')), 'truncated', 5); // a certificate chain may be larger
    stop(rec(22, hex('0b 04 00 01')), 'limit-exceeded', 5);
    stop(rec(22, hex('02 00 00 11')), 'limit-exceeded', 5, { maxHandshakeLength: 16 });
    expectWireError(() => new TlsStreamDecoder({ maxHandshakeLength: -1 }), 'bad-value');
  });

  it('the stream ending inside a record, a header or a message', () => {
    stop(hex('16 03'), 'truncated', 0);
    stop(concat(rec(21, hex('0100')), hex('17 03 03 00 10 00')), 'truncated', 7);
    stop(rec(22, hex('0b 00 00 10 00 00')), 'truncated', 5);
  });

  it('alerts of odd length, a malformed or misplaced ChangeCipherSpec, bytes after a TLS 1.3 ServerHello', () => {
    stop(rec(21, hex('02')), 'bad-length', 5);
    stop(rec(20, hex('02')), 'bad-value', 5);
    stop(concat(rec(22, hex('0b 00 00 10 00')), rec(20, hex('01'))), 'bad-value', 15);
    const sh = hs(2, RFC8448_SERVER_HELLO.subarray(4));
    stop(rec(22, concat(sh, hs(8, hex('0000')))), 'bad-value', 5 + sh.length);
  });

  it('a message in 1-byte records, then thousands of messages in one record: linear time, exact record counts', () => {
    const big = hs(99, new Uint8Array(30000).fill(1));
    const tiny = new Uint8Array(4 * 4000);
    for (let i = 0; i < tiny.length; i += 4) tiny[i] = 14;
    const stream = concat(encodeTlsRecords(22, V12, concat(big, tiny.subarray(0, 1)), 1), rec(22, tiny.subarray(1)));
    const started = performance.now();
    const { records, error } = decodeTlsStream(stream);
    expect(performance.now() - started).toBeLessThan(2000);
    expect(error).toBeUndefined();
    expect(records).toHaveLength(30004 + 1 + 1);
    expect(records[30003]!.messages!.map((m) => [m.type, m.records, m.offset])).toEqual([[99, 30004, 5]]);
    const last = records.at(-1)!.messages!;
    expect(last).toHaveLength(4000);
    expect(last[0]!.records).toBe(2);
    expect(last[1]!.records).toBe(1);
    expect(last[1]!.offset).toBe(records.at(-1)!.fragmentOffset + 3);
  });

  it('a connection decoder refuses a direction that is not 0 or 1', () => {
    expectWireError(() => new TlsConnectionDecoder().push(2 as 0, new Uint8Array(1)), 'bad-value');
  });

  it('after an error the direction stays stopped', () => {
    const d = new TlsStreamDecoder();
    expect(d.push(hex('07'))).toEqual([]);
    const e = d.error;
    expect(e?.code).toBe('bad-value');
    expect(d.push(rec(21, hex('0100')))).toEqual([]);
    expect(d.end()).toBe(e);
  });

  it('random bytes and mutated streams: never a throw, only a WireError with a stream offset, the same in any split', () => {
    const { client, server } = tls12Connection();
    const seeds = [client, server, RFC8448_CLIENT_RECORD, concat(RFC8448_SERVER_RECORD, rec(23, new Uint8Array(20)))];
    const mutated = fc
      .tuple(fc.constantFrom(...seeds), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }))
      .map(([seed, edits]) => {
        const b = seed.slice();
        for (const [at, v] of edits) b[at % b.length] = v;
        return b;
      });
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 200 }), mutated), fc.array(fc.nat(), { maxLength: 8 }), (stream, rawCuts) => {
        const whole = pushSplit(stream, []);
        if (whole.error !== undefined) {
          expect(whole.error).toBeInstanceOf(WireError);
          expect(whole.error.layer).toBe('tls');
          expect(whole.error.offset).toBeGreaterThanOrEqual(0);
          expect(whole.error.offset).toBeLessThanOrEqual(stream.length);
        }
        const cuts = [...new Set(rawCuts.map((c) => (stream.length === 0 ? 0 : c % stream.length)))].sort((a, b) => a - b);
        const split = pushSplit(stream, cuts);
        expect(split.records).toEqual(whole.records);
        expect(split.error?.message).toBe(whole.error?.message);
      }),
      { numRuns: 300 },
    );
  });

  it('the one-shot decoders throw nothing but WireError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 120 }), fc.constantFrom<'client_hello' | 'server_hello' | 'hello_retry_request'>('client_hello', 'server_hello', 'hello_retry_request'), (b, ctx) => {
        for (const fn of [() => decodeTlsClientHello(b), () => decodeTlsServerHello(b), () => decodeTlsExtensions(b, ctx), () => decodeTlsHandshake(b), () => decodeTlsHandshake(b, { version: 0x0304, keyExchange: 'ecdhe' })]) {
          try {
            fn();
          } catch (e) {
            expect(e).toBeInstanceOf(WireError);
            expect((e as WireError).code).not.toBe('internal');
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});

// Arbitrary extensions, given by decoded values (the encoder builds their bytes) or raw.
const u16 = fc.integer({ min: 0, max: 0xffff });
const u8 = fc.integer({ min: 0, max: 0xff });
const bytes = (max: number) => fc.uint8Array({ maxLength: max });
const name = fc.stringMatching(/^[a-z0-9.-]{1,24}$/);
const commonExtension = fc.oneof(
  fc.record({ type: fc.constant(10), groups: fc.array(u16, { maxLength: 8 }) }),
  fc.record({ type: fc.constant(11), ecPointFormats: fc.array(u8, { maxLength: 4 }) }),
  fc.record({ type: fc.constant(16), alpn: fc.array(name, { minLength: 1, maxLength: 3 }) }),
  fc.record({ type: fc.constant(28), recordSizeLimit: u16 }),
  fc.record({ type: fc.constant(1), maxFragmentLength: u8 }),
  fc.record({ type: fc.constant(0xff01), renegotiatedConnection: bytes(24) }),
  fc.record({ type: fc.constant(44), cookie: bytes(40) }),
  fc.record({ type: fc.constantFrom(21, 22, 23, 35), data: bytes(20) }),
  fc.record({ type: fc.integer({ min: 0x7000, max: 0x7fff }), data: bytes(20) }),
);
const clientExtension: fc.Arbitrary<TlsExtensionInit> = fc.oneof(
  commonExtension,
  fc.record({ type: fc.constant(0), serverNames: fc.array(fc.record({ type: fc.constant(0), name }), { minLength: 1, maxLength: 2 }) }),
  fc.record({ type: fc.constant(5), statusRequest: fc.record({ type: fc.constant(1), responderIds: bytes(8), requestExtensions: bytes(8) }) }),
  fc.record({ type: fc.constantFrom(13, 50), signatureAlgorithms: fc.array(u16, { maxLength: 8 }) }),
  fc.record({ type: fc.constant(27), certificateCompressionAlgorithms: fc.array(u16, { maxLength: 3 }) }),
  fc.record({ type: fc.constant(43), versions: fc.array(u16, { minLength: 1, maxLength: 4 }) }),
  fc.record({ type: fc.constant(45), pskModes: fc.array(u8, { maxLength: 2 }) }),
  fc.record({ type: fc.constant(51), keyShares: fc.array(fc.record({ group: u16, keyExchange: bytes(40) }), { maxLength: 3 }) }),
);
const serverExtension: fc.Arbitrary<TlsExtensionInit> = fc.oneof(
  commonExtension,
  fc.record({ type: fc.constant(0), serverNames: fc.constant<TlsServerName[]>([]) }),
  fc.record({ type: fc.constant(43), selectedVersion: u16 }),
  fc.record({ type: fc.constant(51), keyShares: fc.tuple(fc.record({ group: u16, keyExchange: bytes(40) })) }),
);
const clientHelloArb: fc.Arbitrary<TlsClientHelloInit> = fc.record(
  {
    version: u16,
    random: fc.uint8Array({ minLength: 32, maxLength: 32 }),
    sessionId: bytes(32),
    cipherSuites: fc.array(u16, { maxLength: 20 }),
    compressionMethods: fc.array(u8, { minLength: 1, maxLength: 3 }),
    extensions: fc.array(clientExtension, { maxLength: 8 }),
  },
  { requiredKeys: ['version', 'random', 'sessionId', 'cipherSuites', 'compressionMethods'] },
);
const serverHelloArb: fc.Arbitrary<TlsServerHelloInit> = fc.record(
  {
    version: u16,
    random: fc.uint8Array({ minLength: 32, maxLength: 32 }),
    sessionId: bytes(32),
    cipherSuite: u16,
    compressionMethod: u8,
    extensions: fc.array(serverExtension, { maxLength: 6 }),
  },
  { requiredKeys: ['version', 'random', 'sessionId', 'cipherSuite', 'compressionMethod'] },
);

describe('encoder round trips (fast-check)', () => {
  it('ClientHello: encode, decode, encode gives the same bytes; the decoded values are the ones given', () => {
    fc.assert(
      fc.property(clientHelloArb, (init) => {
        const body = encodeTlsClientHello(init);
        const decoded = decodeTlsClientHello(body);
        expect(decoded).toMatchObject(init);
        expect(encodeTlsClientHello(decoded)).toEqual(body);
      }),
      { numRuns: 200 },
    );
  });

  it('ServerHello likewise', () => {
    fc.assert(
      fc.property(serverHelloArb, (init) => {
        const body = encodeTlsServerHello(init);
        const decoded = decodeTlsServerHello(body);
        expect(decoded).toMatchObject(init);
        expect(decoded.helloRetryRequest).toBe(false);
        expect(encodeTlsServerHello(decoded)).toEqual(body);
      }),
      { numRuns: 200 },
    );
  });

  it('hellos through records of any size and any chunking come out whole and the same', () => {
    fc.assert(
      fc.property(clientHelloArb, serverHelloArb, fc.integer({ min: 1, max: 300 }), fc.array(fc.nat(), { maxLength: 6 }), (ch, sh, maxFragment, rawCuts) => {
        const messages = concat(hs(1, encodeTlsClientHello(ch)), hs(2, encodeTlsServerHello(sh)));
        const stream = encodeTlsRecords(TlsContentType.Handshake, V12, messages, maxFragment);
        const cuts = [...new Set(rawCuts.map((c) => c % stream.length))].filter((c) => c > 0).sort((a, b) => a - b);
        const { records, error } = pushSplit(stream, cuts);
        expect(error).toBeUndefined();
        const got = records.flatMap((r) => r.messages ?? []);
        expect(got.map((m) => m.type)).toEqual([1, 2]);
        expect(encodeTlsHandshake(1, encodeTlsClientHello(got[0]!.clientHello!))).toEqual(messages.subarray(0, got[0]!.length + 4));
        expect(got[0]!.offset).toBe(5);
        expect(got[0]!.records).toBe(Math.ceil((got[0]!.length + 4) / maxFragment));
        expect(records.map((r) => r.offset + 5 + r.length).at(-1)).toBe(stream.length);
      }),
      { numRuns: 100 },
    );
  });

  it('records and extension blocks', () => {
    fc.assert(
      fc.property(fc.constantFrom(20, 21, 22, 23, 24), u16, bytes(600), (type, version, fragment) => {
        const r = encodeTlsRecord(type, (version & 0xff) | 0x0300, fragment);
        expect(r.length).toBe(fragment.length + 5);
        expect(Array.from(r.subarray(0, 5))).toEqual([type, 3, version & 0xff, fragment.length >> 8, fragment.length & 0xff]);
      }),
    );
    fc.assert(
      fc.property(fc.array(clientExtension, { maxLength: 6 }), (exts) => {
        const block = encodeTlsExtensions(exts);
        expect(encodeTlsExtensions(decodeTlsExtensions(block))).toEqual(block);
      }),
    );
    expectWireError(() => encodeTlsRecord(23, V12, new Uint8Array(TLS_MAX_RECORD_LENGTH + 1)), 'limit-exceeded');
    expectWireError(() => encodeTlsClientHello({ version: V12, random: new Uint8Array(31), sessionId: new Uint8Array(0), cipherSuites: [], compressionMethods: [0] }), 'bad-length');
    expectWireError(() => encodeTlsExtensions([{ type: 10 }]), 'bad-value');
    expectWireError(() => encodeTlsClientHello({ version: V12, random: new Uint8Array(32), sessionId: new Uint8Array(300), cipherSuites: [], compressionMethods: [0] }), 'bad-length');
  });
});
