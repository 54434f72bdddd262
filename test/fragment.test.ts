// fragmentIpv4 / fragmentIpv6: RFC 791 section 3.2 and RFC 8200 section 4.5, checked field by field
// and against scapy's fragment() / fragment6() output in test/fixtures/defrag/defrag.pcap.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';
import { internetChecksum } from '../src/checksum/internet.js';
import { WireError } from '../src/errors.js';
import { decodeIpv4, encodeIpv4 } from '../src/network/ipv4.js';
import { decodeIpv6, encodeIpv6 } from '../src/network/ipv6.js';
import { fragmentIpv4, fragmentIpv6 } from '../src/network/fragment.js';
import { IpDefragmenter } from '../src/network/defrag.js';
import { readCaptureSync } from '../src/capture/index.js';

const pcap = new Uint8Array(readFileSync(fileURLToPath(new URL('./fixtures/defrag/defrag.pcap', import.meta.url))));
/** The IP packet of each Ethernet frame of the fixture (frame numbers from 1), trimmed by its length field. */
const frames: Uint8Array[] = [new Uint8Array(0)];
for (const r of readCaptureSync(pcap)) {
  const ip = r.data.subarray(14);
  const length = ip[0]! >>> 4 === 4 ? (ip[2]! << 8) | ip[3]! : 40 + ((ip[4]! << 8) | ip[5]!);
  frames.push(ip.slice(0, length));
}

function bytes(n: number, seed = 1): Uint8Array {
  return Uint8Array.from({ length: n }, (_, i) => (i * 7 + seed) & 0xff);
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Byte equality, fast on large arrays (vitest's deep equality walks them element by element). */
function expectSame(a: Uint8Array, b: Uint8Array): void {
  if (!Buffer.from(a.buffer, a.byteOffset, a.length).equals(Buffer.from(b.buffer, b.byteOffset, b.length))) expect(a).toEqual(b);
}

function wireError(fn: () => unknown): WireError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(WireError);
    return e as WireError;
  }
  throw new Error('expected a WireError');
}

/** Reassembles with the defragmenter: the one datagram the pieces make. */
function reassemble(pieces: Uint8Array[]): Uint8Array {
  const d = new IpDefragmenter({ maxFragmentsPerDatagram: 10_000 });
  let out: Uint8Array | undefined;
  pieces.forEach((p, i) => {
    const r = d.push(p, BigInt(i));
    if (r.status === 'complete') out = r.packet;
  });
  expect(out).toBeDefined();
  return out!;
}

describe('fragmentIpv4', () => {
  const udp = bytes(4000);
  const datagram = encodeIpv4({ src: '192.0.2.1', dst: '198.51.100.2', protocol: 17, id: 0x4242, ttl: 33, dscp: 10 }, udp);

  it('splits at 8-byte units with MF on all but the last, each with its own length and checksum', () => {
    const fragments = fragmentIpv4(datagram, 1500);
    const headers = fragments.map((f) => decodeIpv4(f));
    expect(headers.map((h) => h.fragmentOffset)).toEqual([0, 185, 370]);
    expect(headers.map((h) => h.moreFragments)).toEqual([true, true, false]);
    expect(headers.map((h) => h.totalLength)).toEqual([1500, 1500, 1060]);
    expect(fragments.map((f) => f.length)).toEqual([1500, 1500, 1060]);
    for (const h of headers) {
      expect(h.checksumStatus).toBe('good');
      expect([h.id, h.ttl, h.protocol, h.dscp, h.src, h.dst]).toEqual([0x4242, 33, 17, 10, '192.0.2.1', '198.51.100.2']);
    }
    expect(concat(fragments.map((f) => f.subarray(20)))).toEqual(udp);
  });

  it('gives the bytes scapy fragment() gives (fixture frames 2-4 and 5-7)', () => {
    const udpDatagram = reassemble(frames.slice(2, 5));
    expect(fragmentIpv4(udpDatagram, 1500)).toEqual(frames.slice(2, 5));
    const icmpDatagram = reassemble(frames.slice(5, 8));
    expect(fragmentIpv4(icmpDatagram, 1020)).toEqual(frames.slice(5, 8).reverse());
  });

  it('returns a datagram that fits as a copy, whatever its DF bit', () => {
    const small = encodeIpv4({ src: '192.0.2.1', dst: '192.0.2.2', protocol: 17, dontFragment: true }, bytes(100));
    const [only, ...rest] = fragmentIpv4(small, 120);
    expect(rest).toEqual([]);
    expect(only).toEqual(small);
    expect(only).not.toBe(small);
    // A copy of a Node Buffer too (whose slice() would be a view).
    const buffer = Buffer.from(small);
    const [copy] = fragmentIpv4(buffer, 1500);
    buffer.fill(0);
    expectSame(copy!, small);
    const v6 = encodeIpv6({ src: '2001:db8::1', dst: '2001:db8::2', protocol: 17 }, bytes(100));
    const six = Buffer.from(v6);
    const [copy6] = fragmentIpv6(six, 1280);
    six.fill(0);
    expectSame(copy6!, v6);
    // Link-layer padding after the total length is not part of it.
    expect(fragmentIpv4(concat([small, new Uint8Array(6)]), 1500)).toEqual([small]);
  });

  it("throws fragmentation-needed with the MTU when Don't Fragment is set (ICMP type 3 code 4)", () => {
    const df = encodeIpv4({ src: '192.0.2.1', dst: '192.0.2.2', protocol: 17, dontFragment: true }, bytes(2000));
    const e = wireError(() => fragmentIpv4(df, 1400));
    expect([e.code, e.layer, e.mtu]).toEqual(['fragmentation-needed', 'ipv4', 1400]);
    // A caller may still split it; DF stays set in every piece.
    const pieces = fragmentIpv4(df, 1400, { ignoreDontFragment: true });
    expect(pieces.map((p) => decodeIpv4(p).dontFragment)).toEqual([true, true]);
  });

  it('copies only options with the copy flag into later fragments, padded to 4 bytes (RFC 791 3.1)', () => {
    const options = [
      { type: 7, addresses: ['0.0.0.0'] }, // record route: copy 0, 7 bytes
      { type: 1 }, // NOP: copy 0
      { type: 148, value: 0 }, // router alert: copy 1, 4 bytes
      { type: 130, data: new Uint8Array(9) }, // security: copy 1, 11 bytes
    ];
    const packet = encodeIpv4({ src: '192.0.2.1', dst: '192.0.2.2', protocol: 17, id: 9, options }, bytes(1000, 3));
    expect(decodeIpv4(packet).headerLength).toBe(44);
    const pieces = fragmentIpv4(packet, 400);
    const first = decodeIpv4(pieces[0]!);
    expect(first.headerLength).toBe(44);
    expect(first.options.map((o) => o.type)).toEqual([7, 1, 148, 130, 0]);
    for (const p of pieces.slice(1)) {
      const h = decodeIpv4(p);
      // 4 + 11 = 15 bytes of copied options, then one End of Option List byte: 36 bytes.
      expect(h.headerLength).toBe(36);
      expect(h.options.map((o) => o.type)).toEqual([148, 130, 0]);
      expect(Array.from(p.subarray(20, 36))).toEqual([148, 4, 0, 0, 130, 11, ...new Array(9).fill(0), 0]);
      expect(h.checksumStatus).toBe('good');
    }
    // Data per piece: the largest multiple of 8 that fits with that piece's header.
    expect(pieces.map((p) => p.length - decodeIpv4(p).headerLength)).toEqual([352, 360, 288]);
    expect(pieces.map((p) => decodeIpv4(p).fragmentOffset * 8)).toEqual([0, 352, 712]);
    expect(concat(pieces.map((p) => p.subarray(decodeIpv4(p).headerLength)))).toEqual(bytes(1000, 3));
  });

  it('keeps offsets relative to the original datagram when splitting a fragment again', () => {
    const pieces = fragmentIpv4(datagram, 1500);
    const middle = fragmentIpv4(pieces[1]!, 576);
    const headers = middle.map((f) => decodeIpv4(f));
    expect(headers.map((h) => h.fragmentOffset * 8)).toEqual([1480, 2032, 2584]);
    expect(headers.map((h) => h.moreFragments)).toEqual([true, true, true]);
    const last = fragmentIpv4(pieces[2]!, 576).map((f) => decodeIpv4(f));
    expect(last.map((h) => h.fragmentOffset * 8)).toEqual([2960, 3512]);
    expect(last.map((h) => h.moreFragments)).toEqual([true, false]);
    expect(reassemble([pieces[0]!, ...middle, ...fragmentIpv4(pieces[2]!, 576)])).toEqual(datagram);
  });

  it('refuses an MTU that cannot carry the header and 8 bytes, and malformed packets', () => {
    expect(fragmentIpv4(datagram, 28)).toHaveLength(500); // 20 + 8: the smallest that works
    expect(wireError(() => fragmentIpv4(datagram, 27)).code).toBe('bad-value');
    expect(wireError(() => fragmentIpv4(datagram, 0)).code).toBe('bad-value');
    expect(wireError(() => fragmentIpv4(datagram, 1.5)).code).toBe('bad-value');
    expect(wireError(() => fragmentIpv4(datagram.subarray(0, 10), 576)).code).toBe('truncated');
    expect(wireError(() => fragmentIpv4(datagram.subarray(0, 1000), 576)).code).toBe('truncated');
    const v6 = datagram.slice();
    v6[0] = 0x65;
    expect(wireError(() => fragmentIpv4(v6, 576)).code).toBe('bad-version');
    const tso = datagram.slice();
    tso[2] = 0;
    tso[3] = 0;
    expect(wireError(() => fragmentIpv4(tso, 576)).code).toBe('bad-length');
    // A fragment claiming to end past 65,535 bytes (ping of death) is not split further.
    const pod = encodeIpv4({ src: '192.0.2.1', dst: '192.0.2.2', protocol: 1, fragmentOffset: 8189 }, bytes(1480));
    expect(wireError(() => fragmentIpv4(pod, 576)).code).toBe('bad-length');
  });

  it('round-trips random datagrams through any MTU (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 9000 }), fc.oneof(fc.integer({ min: 28, max: 200 }), fc.integer({ min: 200, max: 9100 })), fc.integer({ min: 0, max: 0xffff }), (n, mtu, id) => {
        const packet = encodeIpv4({ src: '10.0.0.1', dst: '10.0.0.2', protocol: 17, id }, bytes(n, id));
        const pieces = fragmentIpv4(packet, mtu);
        expect(pieces.every((p) => p.length <= mtu || (pieces.length === 1 && p.length <= packet.length))).toBe(true);
        expect(pieces.every((p) => internetChecksum(p.subarray(0, 20)) === 0)).toBe(true);
        expectSame(pieces.length === 1 ? pieces[0]! : reassemble(pieces), packet);
      }),
      { numRuns: 100 },
    );
  });
});

describe('fragmentIpv4 and fragmentIpv6 on garbage', () => {
  it('either split or throw a WireError, never anything else (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 300, size: 'max' }), fc.integer({ min: 1, max: 400 }), fc.boolean(), (junk, mtu, six) => {
        const packet = junk.slice();
        if (packet.length > 0) packet[0] = (six ? 0x60 : 0x40) | (packet[0]! & 0x0f);
        // Lengths that often agree with the bytes given, so the walk gets past the first checks.
        if (!six && packet.length >= 4) {
          packet[2] = packet.length >>> 8;
          packet[3] = packet.length & 0xff;
        }
        if (six && packet.length >= 6) {
          packet[4] = (packet.length - 40) >>> 8;
          packet[5] = (packet.length - 40) & 0xff;
        }
        try {
          const pieces = six ? fragmentIpv6(packet, mtu, { identification: 1 }) : fragmentIpv4(packet, mtu);
          expect(pieces.every((p) => p.length <= Math.max(mtu, pieces.length === 1 ? p.length : 0))).toBe(true);
        } catch (e) {
          expect(e).toBeInstanceOf(WireError);
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe('fragmentIpv6', () => {
  const udp = bytes(3000, 5);
  const packet = encodeIpv6({ src: '2001:db8::1', dst: '2001:db8::2', protocol: 17, flowLabel: 0x12345 }, udp);

  it('inserts a Fragment header after the fixed header, payload lengths fixed', () => {
    const fragments = fragmentIpv6(packet, 1280, { identification: 0xdeadbeef });
    expect(fragments.map((f) => f.length)).toEqual([1280, 1280, 40 + 8 + 3000 - 2 * 1232]);
    const headers = fragments.map((f) => decodeIpv6(f));
    expect(headers.map((h) => h.fragment)).toEqual([
      { offset: 0, more: true, id: 0xdeadbeef },
      { offset: 154, more: true, id: 0xdeadbeef },
      { offset: 308, more: false, id: 0xdeadbeef },
    ]);
    for (const [i, h] of headers.entries()) {
      expect(h.nextHeader).toBe(44);
      expect(h.protocol).toBe(17);
      expect(h.payloadLength).toBe(fragments[i]!.length - 40);
      expect(h.flowLabel).toBe(0x12345);
    }
    expect(concat(fragments.map((f) => f.subarray(48)))).toEqual(udp);
  });

  it('gives the bytes scapy fragment6() gives (fixture frames 28-30, and 31-32 with hop-by-hop options)', () => {
    const plain = reassemble(frames.slice(28, 31));
    expect(fragmentIpv6(plain, 1280, { identification: 0x31 })).toEqual(frames.slice(28, 31));
    // Hop-by-hop stays in every fragment; the destination options header after it is fragmentable data.
    const hbh = reassemble(frames.slice(31, 33));
    expect(decodeIpv6(hbh).extensions.map((e) => e.type)).toEqual([0, 60]);
    expect(fragmentIpv6(hbh, 1280, { identification: 0x32 })).toEqual(frames.slice(31, 33).reverse());
  });

  it('keeps everything up to the routing header per fragment (RFC 8200 4.5)', () => {
    const routed = encodeIpv6(
      {
        src: '2001:db8::1',
        dst: '2001:db8::2',
        protocol: 17,
        extensions: [
          { type: 0, options: [{ type: 5, data: [0, 0] }] },
          { type: 60, options: [{ type: 1, data: [0, 0, 0, 0] }] },
          { type: 43, routingType: 0, segmentsLeft: 1, addresses: ['2001:db8::9'] },
          { type: 60, options: [{ type: 1, data: [0, 0, 0, 0] }] },
        ],
      },
      bytes(2000, 9),
    );
    const fragments = fragmentIpv6(routed, 1280, { identification: 7 });
    for (const f of fragments) {
      const h = decodeIpv6(f);
      expect(h.extensions.map((e) => e.type)).toEqual(f === fragments[0] ? [0, 60, 43, 44, 60] : [0, 60, 43, 44]);
    }
    expect(decodeIpv6(fragments[0]!).extensions[2]!.nextHeader).toBe(44);
    expect(decodeIpv6(fragments[0]!).extensions[3]!.nextHeader).toBe(60);
    expect(reassemble(fragments)).toEqual(routed);
  });

  it('defaults to a random identification, the same in every fragment', () => {
    const a = fragmentIpv6(packet, 1280).map((f) => decodeIpv6(f).fragment!.id);
    const b = fragmentIpv6(packet, 1280).map((f) => decodeIpv6(f).fragment!.id);
    expect(new Set(a).size).toBe(1);
    expect(a[0]).not.toBe(b[0]); // 1 in 2^32 to fail
  });

  it('returns a packet that fits as it is, with no atomic fragment header (RFC 8021)', () => {
    const [only, ...rest] = fragmentIpv6(packet, 3040);
    expect(rest).toEqual([]);
    expect(only).toEqual(packet);
  });

  it('splits a fragment again keeping its identification and offsets, M on the last piece if it had it', () => {
    const fragments = fragmentIpv6(packet, 1280, { identification: 5 });
    const again = fragmentIpv6(fragments[1]!, 600, { identification: 99 });
    expect(again.map((f) => decodeIpv6(f).fragment)).toEqual([
      { offset: 154, more: true, id: 5 },
      { offset: 223, more: true, id: 5 },
      { offset: 292, more: true, id: 5 },
    ]);
    expect(reassemble([fragments[0]!, ...again, fragments[2]!])).toEqual(packet);
  });

  it('allows MTUs below 1280 down to headers plus 8 bytes; refuses smaller ones and jumbograms', () => {
    expect(fragmentIpv6(packet, 56, { identification: 1 })).toHaveLength(375);
    expect(wireError(() => fragmentIpv6(packet, 55)).code).toBe('bad-value');
    expect(wireError(() => fragmentIpv6(packet, 1280, { identification: -1 })).code).toBe('bad-value');
    expect(wireError(() => fragmentIpv6(packet.subarray(0, 30), 1280)).code).toBe('truncated');
    expect(wireError(() => fragmentIpv6(packet.subarray(0, 2000), 1280)).code).toBe('truncated');
    const jumbo = packet.slice();
    jumbo[4] = 0;
    jumbo[5] = 0;
    jumbo[6] = 0;
    expect(wireError(() => fragmentIpv6(jumbo, 1280)).code).toBe('unsupported');
    // RFC 7112: the first fragment must hold the whole extension header chain.
    const longChain = encodeIpv6(
      { src: '2001:db8::1', dst: '2001:db8::2', protocol: 17, extensions: [{ type: 60, options: [{ type: 1, data: new Uint8Array(100) }] }] },
      bytes(200),
    );
    expect(wireError(() => fragmentIpv6(longChain, 120, { identification: 1 })).code).toBe('bad-value');
  });

  it('round-trips random packets through any MTU (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 9000 }), fc.oneof(fc.integer({ min: 56, max: 200 }), fc.integer({ min: 200, max: 9100 })), fc.boolean(), (n, mtu, hbh) => {
        const p = encodeIpv6(
          { src: '2001:db8::a', dst: '2001:db8::b', protocol: 17, extensions: hbh ? [{ type: 0, options: [{ type: 5, data: [0, 0] }] }] : [] },
          bytes(n, n),
        );
        const m = hbh ? Math.max(mtu, 64) : mtu;
        const pieces = fragmentIpv6(p, m, { identification: n });
        expect(pieces.every((f) => f.length <= m)).toBe(true);
        expectSame(pieces.length === 1 ? pieces[0]! : reassemble(pieces), p);
      }),
      { numRuns: 100 },
    );
  });
});
