// DNS and mDNS (src/application/dns.ts): messages decoded and built, names compressed and
// resolved, hostile names bounded, and frames through decodePacket. Fields against tshark 4.0 are
// in test/link-types.test.ts (fixture test/fixtures/wire/dns.pcap), summaries in test/cli/decode.test.ts.
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeDns, DNS_LOOP_NAME, DNS_ROOT_NAME, DnsType, dnsInfo, encodeDns, type DnsInput, type DnsRecordInput } from '../src/application/dns.js';
import { decodePacket } from '../src/dissect.js';
import { encodeFrame } from '../src/encode.js';
import { WireError } from '../src/errors.js';
import { readPcapFile } from './util/pcap.js';

const frames = readPcapFile(fileURLToPath(new URL('./fixtures/wire/dns.pcap', import.meta.url)));
/** The UDP payload of fixture frame n (1-based; Ethernet/IPv4/UDP without options). */
const udpPayload = (n: number) => frames[n - 1]!.data.subarray(14 + 20 + 8);

describe('decodeDns', () => {
  it('reads a response: header bits, the question, a CNAME and an A record (scapy-made, as tshark reads it)', () => {
    const m = decodeDns(udpPayload(2));
    expect(m).toMatchObject({ id: 0x1234, response: true, opcode: 0, recursionDesired: true, recursionAvailable: true, rcode: 0, mdns: false });
    expect(m.counts).toEqual({ questions: 1, answers: 2, authorities: 0, additionals: 0 });
    expect(m.questions).toEqual([{ name: 'www.example.com', type: DnsType.A, class: 1 }]);
    expect(m.answers.map((r) => [r.name, r.type, r.ttl, r.data])).toEqual([
      ['www.example.com', DnsType.CNAME, 300, { name: 'example.com' }],
      ['example.com', DnsType.A, 3600, { address: '93.184.216.34' }],
    ]);
    expect(dnsInfo(m)).toBe('Standard query response 0x1234 A www.example.com CNAME example.com A 93.184.216.34');
  });

  it('resolves compressed names in record data (MX, SOA) and reads TXT strings, SRV and EDNS(0)', () => {
    expect(decodeDns(udpPayload(6)).answers[0]!.data).toEqual({ preference: 10, exchange: 'mail.example.com' });
    expect(decodeDns(udpPayload(7)).answers[0]!.data).toEqual({ strings: ['v=spf1 -all', 'second string'] });
    expect(decodeDns(udpPayload(9)).authorities[0]!.data).toEqual({
      mname: 'ns.icann.org', rname: 'noc.dns.icann.org', serial: 2024080801, refresh: 7200, retry: 3600, expire: 1209600, minimum: 3600,
    });
    expect(decodeDns(udpPayload(10)).answers[0]!.data).toEqual({ priority: 10, weight: 60, port: 5060, target: 'sip.example.com' });
    const opt = decodeDns(udpPayload(11)).additionals[0]!;
    expect(opt.name).toBe(DNS_ROOT_NAME);
    expect(opt.data).toEqual({ udpPayloadSize: 1232, extendedRcode: 0, version: 0, flags: 0x8000, options: [{ code: 10, data: Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8) }] });
  });

  it('keeps an unknown type as bytes, and reads mDNS class bits (QU, cache flush)', () => {
    const unknown = decodeDns(udpPayload(13)).answers[0]!;
    expect(unknown).toMatchObject({ type: 65280, class: 3 });
    expect(unknown.data).toBeUndefined();
    expect([...unknown.rdata]).toEqual([0xde, 0xad, 0xbe, 0xef]);
    const qu = decodeDns(udpPayload(16), 0, undefined, { mdns: true });
    expect(qu.questions[0]).toEqual({ name: 'printer.local', type: 1, class: 1, unicastResponse: true });
    expect(decodeDns(udpPayload(16)).questions[0]!.class).toBe(0x8001); // plain DNS keeps the whole class
    expect(decodeDns(udpPayload(17), 0, undefined, { mdns: true }).answers[0]).toMatchObject({ class: 1, cacheFlush: true, ttl: 120 });
  });

  it('throws typed errors at their offsets for cut messages and pointers past the end; a pointer loop is named, not followed forever', () => {
    expect(() => decodeDns(udpPayload(18))).toThrow(expect.objectContaining({ code: 'truncated', layer: 'dns', required: 12 }));
    expect(() => decodeDns(udpPayload(19))).toThrow(expect.objectContaining({ code: 'truncated', layer: 'dns', offset: 41, required: 4, available: 1 }));
    expect(() => decodeDns(udpPayload(21))).toThrow(/points to 255, past the 22-byte message/);
    expect(decodeDns(udpPayload(20)).questions[0]!.name).toBe(DNS_LOOP_NAME);
    // Two pointers that point at each other, in a message of 64 KiB: the walk stops after the
    // message's worth of name bytes.
    const big = new Uint8Array(65535);
    big.set([0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 14, 0xc0, 12, 0, 1, 0, 1]);
    expect(decodeDns(big).questions[0]!.name).toBe(DNS_LOOP_NAME);
    expect(() => decodeDns(Uint8Array.of(0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0x80, 0))).toThrow(/label type 0x80/);
    // 2,700 questions, each named by a pointer to the one before (the first is the root): question
    // k walks k pointers, up to 255, so the message decodes at once and the deep ones read as loops.
    const n = 2_700;
    const chain = new Uint8Array(12 + 5 + 6 * (n - 1));
    chain.set([0, 2, 0, 0, n >> 8, n & 255, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1]);
    const start = (k: number) => (k === 0 ? 12 : 17 + 6 * (k - 1));
    for (let k = 1; k < n; k++) chain.set([0xc0 | (start(k - 1) >> 8), start(k - 1) & 255, 0, 1, 0, 1], start(k));
    const t0 = performance.now();
    const m = decodeDns(chain);
    expect(m.questions).toHaveLength(n);
    expect(m.questions[100]!.name).toBe(DNS_ROOT_NAME);
    expect(m.questions[255]!.name).toBe(DNS_ROOT_NAME);
    expect(m.questions[256]!.name).toBe(DNS_LOOP_NAME);
    expect(performance.now() - t0).toBeLessThan(5_000);
  });
});

describe('encodeDns', () => {
  it('writes the query scapy wrote, byte for byte', () => {
    expect([...encodeDns({ id: 0x1234, questions: [{ name: 'example.com', type: DnsType.A }] })]).toEqual([...udpPayload(1)]);
  });

  it('compresses repeated names (RFC 1035 section 4.1.4), and the compressed message reads back the same', () => {
    const m: DnsInput = {
      id: 3,
      response: true,
      questions: [{ name: 'www.example.com', type: DnsType.A }],
      answers: [
        { name: 'www.example.com', type: DnsType.CNAME, ttl: 60, data: { name: 'example.com' } },
        { name: 'example.com', type: DnsType.MX, ttl: 60, data: { preference: 5, exchange: 'mail.example.com' } },
      ],
    };
    const small = encodeDns(m);
    const large = encodeDns({ ...m, compress: false });
    expect(small.length).toBeLessThan(large.length);
    // The same message but for the bytes of record data that hold a name (a pointer, or the name in full).
    const withoutRdata = (b: Uint8Array) => ({ ...decodeDns(b), answers: decodeDns(b).answers.map(({ rdata: _, ...r }) => r) });
    expect(withoutRdata(small)).toEqual(withoutRdata(large));
    expect(decodeDns(small).answers.map((r) => r.data)).toEqual([{ name: 'example.com' }, { preference: 5, exchange: 'mail.example.com' }]);
  });

  const label = fc.stringMatching(/^[a-z0-9_][a-z0-9-]{0,12}$/);
  const name = fc.oneof(fc.constant(DNS_ROOT_NAME), fc.array(label, { minLength: 1, maxLength: 4 }).map((l) => l.join('.')));
  const record: fc.Arbitrary<DnsRecordInput> = fc.oneof(
    fc.record({ name, type: fc.constant(DnsType.A), ttl: fc.nat(), data: fc.ipV4().map((address) => ({ address })) }),
    fc.record({ name, type: fc.constant(DnsType.AAAA), ttl: fc.nat(), data: fc.constantFrom('2001:db8::1', '::', 'fe80::1:2') .map((address) => ({ address })) }),
    fc.record({ name, type: fc.constantFrom(DnsType.NS, DnsType.CNAME, DnsType.PTR), ttl: fc.nat(), data: name.map((n) => ({ name: n })) }),
    fc.record({ name, type: fc.constantFrom(DnsType.MX, 36), ttl: fc.nat(), data: fc.record({ preference: fc.nat(0xffff), exchange: name }) }),
    fc.record({ name, type: fc.constant(DnsType.TXT), ttl: fc.nat(), data: fc.array(fc.stringMatching(/^[ -~]{0,30}$/), { maxLength: 3 }).map((strings) => ({ strings })) }),
    fc.record({ name, type: fc.constant(DnsType.SRV), ttl: fc.nat(), data: fc.record({ priority: fc.nat(0xffff), weight: fc.nat(0xffff), port: fc.nat(0xffff), target: name }) }),
    fc.record({
      name,
      type: fc.constant(DnsType.SOA),
      ttl: fc.nat(),
      data: fc.record({ mname: name, rname: name, serial: fc.nat(), refresh: fc.nat(), retry: fc.nat(), expire: fc.nat(), minimum: fc.nat() }),
    }),
    fc.record({ name, type: fc.constant(DnsType.HINFO), ttl: fc.nat(), data: fc.record({ cpu: fc.stringMatching(/^[ -~]{0,20}$/), os: fc.stringMatching(/^[ -~]{0,20}$/) }) }),
    fc.record({ name, type: fc.constant(DnsType.CAA), ttl: fc.nat(), data: fc.record({ flags: fc.constantFrom(0, 128), tag: fc.constantFrom('issue', 'iodef', 'x'), value: fc.stringMatching(/^[ -~]{0,30}$/) }) }),
    fc.record({
      name,
      type: fc.constantFrom(DnsType.SVCB, DnsType.HTTPS),
      ttl: fc.nat(),
      data: fc.record({ priority: fc.nat(0xffff), target: name, params: fc.array(fc.record({ key: fc.nat(0xffff), value: fc.uint8Array({ maxLength: 12 }) }), { maxLength: 4 }) }),
    }),
    fc.record({ name, type: fc.integer({ min: 300, max: 65535 }), ttl: fc.nat(), rdata: fc.uint8Array({ maxLength: 20 }) }),
  );

  it('round trip: any message decodes to what was encoded, compressed or not, over UDP and TCP', () => {
    fc.assert(
      fc.property(
        fc.record({
          id: fc.nat(0xffff),
          response: fc.boolean(),
          rcode: fc.nat(15),
          questions: fc.array(fc.record({ name, type: fc.nat(0xffff) }), { maxLength: 3 }),
          answers: fc.array(record, { maxLength: 4 }),
          authorities: fc.array(record, { maxLength: 2 }),
          additionals: fc.array(record, { maxLength: 2 }),
        }),
        fc.boolean(),
        fc.boolean(),
        (m, compress, tcp) => {
          const bytes = encodeDns({ ...m, compress, tcp });
          const back = decodeDns(bytes, 0, bytes.length, { tcp });
          expect(back).toMatchObject({ id: m.id, response: m.response, rcode: m.rcode });
          expect(back.questions).toEqual(m.questions.map((q) => ({ ...q, class: 1 })));
          for (const section of ['answers', 'authorities', 'additionals'] as const) {
            expect(back[section].map((r) => ({ name: r.name, type: r.type, ttl: r.ttl, ...(r.data !== undefined ? { data: r.data } : { rdata: r.rdata }) }))).toEqual(m[section]);
          }
          if (tcp) expect(back.length).toBe(bytes.length - 2);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('reads DNSSEC records: a DNSKEY\'s key tag as RFC 4034 appendix B computes it, an RRSIG\'s times, an NSEC\'s type bitmap', () => {
    // The key of RFC 4034 section 2.3's example is not needed: the tag is a checksum over the data.
    const rdata = Uint8Array.of(1, 1, 3, 8, 0xaa, 0xbb, 0xcc);
    const key = encodeDns({ response: true, answers: [{ name: 'example.com', type: DnsType.DNSKEY, rdata }] });
    // (0x0101 + 0x0308 + 0xaabb + 0xcc00), folded once.
    const sum = 0x0101 + 0x0308 + 0xaabb + 0xcc00;
    expect(decodeDns(key).answers[0]!.data).toMatchObject({ flags: 257, protocol: 3, algorithm: 8, keyTag: (sum + (sum >>> 16)) & 0xffff });
    expect(decodeDns(udpPayload(25)).answers[1]!.data).toMatchObject({ typeCovered: 28, expiration: 1699056000, inception: 1704067199, keyTag: 7, signer: 'example.com' });
    expect(decodeDns(udpPayload(31)).answers[0]!.data).toEqual({ next: 'a.example.com', types: [1, 15, 46, 47, 257] });
  });

  it('refuses what the wire cannot hold, with the field named', () => {
    expect(() => encodeDns({ questions: [{ name: `${'a'.repeat(64)}.com`, type: 1 }] })).toThrow(/1 to 63 bytes/);
    expect(() => encodeDns({ questions: [{ name: Array(60).fill('abcd').join('.'), type: 1 }] })).toThrow(/longer than 255/);
    expect(() => encodeDns({ id: 70000 })).toThrow(WireError);
    expect(() => encodeDns({ answers: [{ name: 'x', type: DnsType.TXT, data: { strings: ['y'.repeat(256)] } }] })).toThrow(/longer than 255/);
  });
});

describe('DNS in frames', () => {
  const eth = { eth: { src: '02:00:00:00:00:01', dst: '02:00:00:00:00:02' } };
  const query: DnsInput = { id: 77, questions: [{ name: 'example.net', type: DnsType.AAAA }] };

  it('UDP 53 and 5353, and TCP 53 after its 2-byte length, decode to dns or mdns with tshark\'s fields', () => {
    const udp = decodePacket(encodeFrame([eth, { ip: { src: '10.0.0.1', dst: '10.0.0.53' } }, { udp: { srcport: 40000, dstport: 53 } }, { dns: query }]));
    expect(udp.protocols).toBe('eth:ip:udp:dns');
    expect(udp.fields()).toMatchObject({ 'dns.id': 77, 'dns.qry.name': 'example.net', 'dns.qry.type': 28, 'dns.count.labels': 2, 'dns.flags.recdesired': 1 });
    const tcp = decodePacket(encodeFrame([eth, { ip: { src: '10.0.0.1', dst: '10.0.0.53' } }, { tcp: { srcport: 40000, dstport: 53 } }, { dns: { ...query, tcp: true } }]));
    expect(tcp.protocols).toBe('eth:ip:tcp:dns');
    expect(tcp.fields()['dns.length']).toBe(29);
    expect(tcp.errors).toEqual([]);
    const m = decodePacket(encodeFrame([eth, { ipv6: { src: 'fe80::1', dst: 'ff02::fb' } }, { udp: { srcport: 5353, dstport: 5353 } }, { dns: { questions: [{ name: 'a.local', type: 1, unicastResponse: true }] } }]));
    expect(m.protocols).toBe('eth:ipv6:udp:mdns');
    expect(m.fields()).toMatchObject({ 'dns.qry.class': 1, 'dns.qry.qu': 1 });
  });

  it('a message cut by the capture shows what was read and is marked, as tshark marks it malformed', () => {
    const frame = encodeFrame([eth, { ip: { src: '10.0.0.53', dst: '10.0.0.1' } }, { udp: { srcport: 53, dstport: 40000 } }], encodeDns({ ...query, response: true, answers: [{ name: 'example.net', type: DnsType.AAAA, ttl: 5, data: { address: '2001:db8::5' } }] }));
    const cut = decodePacket(frame.subarray(0, frame.length - 3));
    expect(cut.protocols).toBe('eth:ip:udp:dns');
    expect(cut.errors.map((e) => [e.code, e.layer]).at(-1)).toEqual(['truncated', 'dns']);
    expect(cut.fields()['dns.qry.name']).toBe('example.net');
    expect(cut.fields()['dns.resp.name']).toBeUndefined();
    const header = decodePacket(frame.subarray(0, 14 + 20 + 8 + 5));
    expect(header.partial).toEqual({ name: 'dns', offset: 42, captured: 5 });
    expect(header.fields()).toMatchObject({ 'dns.id': 77, 'dns.flags': 0x8100 });
    expect(header.fields()['dns.count.queries']).toBeUndefined();
  });
});
