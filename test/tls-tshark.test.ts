// The TLS decoder against tshark 4.0 on real loopback captures (test/fixtures/wire/make-tls.sh):
// openssl s_client/s_server sessions (TLS 1.2 ECDHE and RSA, resumption, a certificate chain cut
// into 512-byte records, TLS 1.3, a HelloRetryRequest, a version-mismatch alert, a relay that cuts
// records across TCP segments) and one crafted connection (GREASE, padding, several messages in
// one record). The capture is reassembled with reassembleTcp, each direction decoded with
// TlsConnectionDecoder, and compared with tshark record by record and handshake message by
// message, in order, on every field name the decoder emits.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { reassembleTcp } from '../src/index.js';
import type { TcpConnection } from '../src/transport/tcp-flows.js';
import { TlsConnectionDecoder, tlsAlpn, tlsHandshakeFields, tlsRecordFields, tlsServerName, type TlsRecord } from '../src/application/tls.js';
import { FieldSink, type FieldMap } from '../src/packet/fields.js';
import { normalizeTshark } from './util/tshark.js';
import type { WireError } from '../src/errors.js';

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/wire/${name}`, import.meta.url));
const pcap = new Uint8Array(readFileSync(fixture('tls.pcap')));

type Node = string | Node[] | { [key: string]: Node };
interface TsharkPacket {
  _source: { layers: { frame: { 'frame.number': string }; tcp: Record<string, string>; tls: Node } };
}
const packets = JSON.parse(readFileSync(fixture('tls.json'), 'utf8')) as TsharkPacket[];

type Flat = Record<string, string[]>;

/** A tshark subtree flattened to display-filter names (labels and `_tree` keys walked through), values in order. */
function flatten(node: Node, out: Flat = {}): Flat {
  if (typeof node === 'string') return out;
  if (Array.isArray(node)) {
    for (const n of node) flatten(n, out);
    return out;
  }
  for (const [key, value] of Object.entries(node)) {
    const isField = /^[a-z0-9_.-]+$/i.test(key) && !key.endsWith('_tree') && !key.startsWith('_ws');
    if (isField) {
      for (const v of Array.isArray(value) ? value : [value]) if (typeof v === 'string') (out[key] ??= []).push(normalizeTshark(key, v));
    }
    flatten(value, out);
  }
  return out;
}

const asList = (n: Node | undefined): Node[] => (n === undefined ? [] : Array.isArray(n) ? n : [n]);
const isObject = (n: Node): n is { [key: string]: Node } => typeof n === 'object' && !Array.isArray(n);

/** tshark's records of a frame, in order: `tls` is an object or a list of them (strings are partial PDUs). */
function tsharkRecords(tls: Node): { [key: string]: Node }[] {
  const out: { [key: string]: Node }[] = [];
  for (const layer of asList(tls)) {
    if (!isObject(layer)) continue;
    for (const r of asList(layer['tls.record'])) if (isObject(r)) out.push(r);
  }
  return out;
}

/** The handshake messages tshark shows whole in a record ("" stands for a fragment or an encrypted message). */
function tsharkMessages(record: { [key: string]: Node }): { [key: string]: Node }[] {
  return asList(record['tls.handshake']).filter(isObject);
}

interface Theirs {
  frame: string;
  record: { [key: string]: Node };
}

// tshark's records by "stream/srcport", in frame order.
const theirs = new Map<string, Theirs[]>();
for (const p of packets) {
  const { frame, tcp, tls } = p._source.layers;
  const key = `${tcp['tcp.stream']}/${tcp['tcp.srcport']}`;
  for (const record of tsharkRecords(tls)) {
    let list = theirs.get(key);
    if (list === undefined) theirs.set(key, (list = []));
    list.push({ frame: frame['frame.number'], record });
  }
}

// Ours, the same way.
const ours = new Map<string, TlsRecord[]>();
const decoders = new Map<TcpConnection, TlsConnectionDecoder>();
const errors = new Map<number, [WireError | undefined, WireError | undefined]>();
/** Every chunk as reassembleTcp gave it, in order, to replay. */
const chunks: { conn: TcpConnection; dir: 0 | 1; data: Uint8Array }[] = [];
reassembleTcp(pcap, {
  onData(conn, dir, data) {
    chunks.push({ conn, dir, data: data.slice() });
    let d = decoders.get(conn);
    if (d === undefined) decoders.set(conn, (d = new TlsConnectionDecoder()));
    const key = `${conn.stream}/${conn.ports[dir]}`;
    let list = ours.get(key);
    if (list === undefined) ours.set(key, (list = []));
    list.push(...d.push(dir, data));
  },
  onClose(conn) {
    const d = decoders.get(conn);
    if (d !== undefined) errors.set(conn.stream, d.end());
  },
});

function fieldsOf(fill: (out: FieldSink) => void): Flat {
  const sink = new FieldSink();
  fill(sink);
  const out: Flat = {};
  for (const [k, v] of Object.entries(sink.map as FieldMap)) out[k] = (Array.isArray(v) ? v : [v]).map(String);
  return out;
}

// Every name our decoder emits anywhere in the capture: each of these is compared both ways in every record.
const emitted = new Set<string>();
for (const list of ours.values()) for (const r of list) for (const k of Object.keys(fieldsOf((s) => tlsRecordFields(r, s)))) emitted.add(k);

function pick(map: Flat): Flat {
  const out: Flat = {};
  for (const k of [...emitted].sort()) if (map[k] !== undefined) out[k] = map[k]!;
  return out;
}

describe('TLS decoder against tshark 4.0 (make-tls.sh captures)', () => {
  it('covers the fixture: nine connections, both directions, every record tshark shows', () => {
    const streams = new Set([...theirs.keys()].map((k) => k.split('/')[0]));
    expect(streams.size).toBe(9);
    expect([...ours.keys()].sort()).toEqual([...theirs.keys()].sort());
    let total = 0;
    for (const list of theirs.values()) total += list.length;
    expect(total).toBeGreaterThan(100);
  });

  it('ends every direction cleanly: no decoding errors on real traffic', () => {
    expect(errors.size).toBe(9);
    for (const [stream, [a, b]] of errors) {
      expect(a?.message, `stream ${stream} direction 0`).toBeUndefined();
      expect(b?.message, `stream ${stream} direction 1`).toBeUndefined();
    }
  });

  it('finds the same records, in the same order, with the same fields', () => {
    for (const [key, list] of theirs) {
      const mine = ours.get(key)!;
      expect(mine.length, `records of ${key}`).toBe(list.length);
      for (const [i, t] of list.entries()) {
        const a = pick(fieldsOf((s) => tlsRecordFields(mine[i]!, s)));
        const b = pick(flatten(t.record));
        expect(a, `${key} record ${i} (frame ${t.frame})`).toEqual(b);
      }
    }
  });

  it('reassembles the same handshake messages, message by message', () => {
    let messages = 0;
    for (const [key, list] of theirs) {
      const mine = ours.get(key)!;
      for (const [i, t] of list.entries()) {
        const theirMessages = tsharkMessages(t.record);
        const myMessages = mine[i]!.messages ?? [];
        expect(myMessages.length, `${key} record ${i} (frame ${t.frame})`).toBe(theirMessages.length);
        for (const [j, m] of theirMessages.entries()) {
          expect(pick(fieldsOf((s) => tlsHandshakeFields(myMessages[j]!, s))), `${key} frame ${t.frame} message ${j}`).toEqual(pick(flatten(m)));
          messages++;
        }
      }
    }
    expect(messages).toBeGreaterThan(30);
  });

  it('marks as encrypted exactly the records whose contents tshark cannot show', () => {
    for (const [key, list] of theirs) {
      const mine = ours.get(key)!;
      for (const [i, t] of list.entries()) {
        const r = mine[i]!;
        const type = Number(t.record['tls.record.content_type'] ?? t.record['tls.record.opaque_type']);
        if (type === 22) {
          // "" alone: an encrypted message (a fragment of a plaintext one is also "", but then we hold it as plaintext).
          const shown = tsharkMessages(t.record).length > 0 || t.record['tls.handshake.fragments'] !== undefined;
          if (r.encrypted) expect(shown, `${key} frame ${t.frame}`).toBe(false);
        }
        if (type === 21) expect(r.encrypted, `${key} frame ${t.frame}`).toBe(!isObject(t.record['tls.alert_message']!));
        if (type === 23) expect(r.encrypted).toBe(true);
      }
    }
  });

  it('compares the names that matter', () => {
    for (const name of [
      'tls.record.content_type', 'tls.record.opaque_type', 'tls.record.version', 'tls.record.length',
      'tls.alert_message.level', 'tls.alert_message.desc',
      'tls.handshake.type', 'tls.handshake.length', 'tls.handshake.version', 'tls.handshake.random', 'tls.handshake.session_id',
      'tls.handshake.ciphersuite', 'tls.handshake.comp_method', 'tls.handshake.extension.type', 'tls.handshake.extension.len',
      'tls.handshake.extension.data', 'tls.handshake.extensions_server_name', 'tls.handshake.extensions_alpn_str',
      'tls.handshake.extensions.supported_version', 'tls.handshake.extensions_supported_group', 'tls.handshake.sig_hash_alg',
      'tls.handshake.extensions_key_share_group', 'tls.handshake.extensions_key_share_key_exchange',
      'tls.handshake.extensions_key_share_selected_group', 'tls.handshake.extensions_ec_point_format', 'tls.extension.psk_ke_mode',
      'tls.handshake.extensions_reneg_info_len', 'tls.record_size_limit', 'tls.handshake.extensions_padding_data',
      'tls.compress_certificate.algorithm', 'tls.handshake.extensions_status_request_type',
      'tls.handshake.certificates_length', 'tls.handshake.certificate_length', 'tls.handshake.certificate',
      'tls.handshake.session_ticket_lifetime_hint', 'tls.handshake.session_ticket',
      'tls.handshake.ja3', 'tls.handshake.ja3_full', 'tls.handshake.ja3s', 'tls.handshake.ja3s_full', 'tls.handshake.fragment.count',
    ]) {
      expect(emitted.has(name), name).toBe(true);
    }
  });

  it('gives the same records when every chunk is fed one byte at a time', () => {
    const again = new Map<TcpConnection, TlsConnectionDecoder>();
    const records = new Map<string, TlsRecord[]>();
    for (const { conn, dir, data } of chunks) {
      let d = again.get(conn);
      if (d === undefined) again.set(conn, (d = new TlsConnectionDecoder()));
      const key = `${conn.stream}/${conn.ports[dir]}`;
      let list = records.get(key);
      if (list === undefined) records.set(key, (list = []));
      for (let i = 0; i < data.length; i++) list.push(...d.push(dir, data.subarray(i, i + 1)));
    }
    expect(records).toEqual(ours);
  });

  it('knows the sessions: versions, the HelloRetryRequest, SNI and ALPN', () => {
    const byStream = new Map([...decoders].map(([conn, d]) => [conn.stream, d.session]));
    expect(byStream.get(0)!.version).toBe(0x0303);
    expect(byStream.get(3)!.version).toBe(0x0304);
    expect(byStream.get(4)!.helloRetryRequest).toBe(true);
    expect(byStream.get(5)!.serverHello).toBeUndefined();
    expect(byStream.get(8)!.cipherSuite).toBe(0xc02f);
    expect(tlsServerName(byStream.get(0)!.clientHello!)).toBe('wirekit.test');
    expect(tlsAlpn(byStream.get(0)!.serverHello!)).toEqual(['h2']);
    expect(tlsServerName(byStream.get(8)!.clientHello!)).toBe('crafted.example');
  });
});
