// IpDefragmenter: reassembly of IPv4 (RFC 791, RFC 1122 3.3.2) and IPv6 (RFC 8200 4.5, RFC 5722)
// fragments; the Sturges-Novak overlap vectors (Suricata's); attacks kept inside the caps;
// fast-check properties (shuffled, duplicated, re-fragmented datagrams come back byte for byte).
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { internetChecksum } from '../src/checksum/internet.js';
import { WireError } from '../src/errors.js';
import { decodeIpv4, encodeIpv4 } from '../src/network/ipv4.js';
import { decodeIpv6, encodeIpv6 } from '../src/network/ipv6.js';
import { fragmentIpv4, fragmentIpv6 } from '../src/network/fragment.js';
import { IpDefragmenter, type DefragEvent, type DefragResult, type Ipv4OverlapPolicy, type IpDefragmenterOptions } from '../src/network/defrag.js';
import type { Ipv4OptionInput } from '../src/network/ipv4-options.js';

interface SturgesNovak {
  fragments: { index: number; label: string; char: string; offset: number; len: number; mf: number }[];
  expected_payload_by_policy: Record<string, string>;
  extra_cases: { name: string; policy?: string; fragments: { char: string; offset: number; len: number; mf: number }[]; expected_payload?: string; expected?: string }[];
}
const vectors = JSON.parse(
  readFileSync(new URL('../../shared/peer-vectors/defrag-sturges-novak/sturges-novak.json', import.meta.url), 'utf8'),
) as SturgesNovak;

const S = 1_000_000_000n;
const text = (b: Uint8Array) => new TextDecoder('latin1').decode(b);
const fill = (char: string, n: number) => new Uint8Array(n).fill(char.charCodeAt(0));

function bytes(n: number, seed = 1): Uint8Array {
  return Uint8Array.from({ length: n }, (_, i) => (i * 13 + seed) & 0xff);
}

function expectSame(a: Uint8Array, b: Uint8Array): void {
  if (!Buffer.from(a.buffer, a.byteOffset, a.length).equals(Buffer.from(b.buffer, b.byteOffset, b.length))) expect(a).toEqual(b);
}

/** An IPv4 fragment carrying `data` at byte `offset`. */
function v4(offset: number, data: Uint8Array, more: boolean, extra: { id?: number; protocol?: number; src?: string; ttl?: number; options?: Ipv4OptionInput[] } = {}): Uint8Array {
  return encodeIpv4(
    { src: extra.src ?? '10.0.0.1', dst: '10.0.0.2', protocol: extra.protocol ?? 1, id: extra.id ?? 1, ttl: extra.ttl ?? 64, options: extra.options, fragmentOffset: offset / 8, moreFragments: more },
    data,
  );
}

/** An IPv6 fragment (Fragment header, next header `protocol`) carrying `data` at byte `offset`. */
function v6(offset: number, data: Uint8Array, more: boolean, extra: { id?: number; protocol?: number; src?: string } = {}): Uint8Array {
  return encodeIpv6(
    { src: extra.src ?? '2001:db8::1', dst: '2001:db8::2', protocol: extra.protocol ?? 58, extensions: [{ type: 44, fragmentOffset: offset / 8, moreFragments: more, id: extra.id ?? 1 }] },
    data,
  );
}

/** Pushes every packet, one nanosecond apart; returns the results. */
function pushAll(d: IpDefragmenter, packets: Uint8Array[], start = 0n): DefragResult[] {
  return packets.map((p, i) => d.push(p, start + BigInt(i), i + 1));
}

function completes(results: DefragResult[]): Extract<DefragResult, { status: 'complete' }>[] {
  return results.filter((r): r is Extract<DefragResult, { status: 'complete' }> => r.status === 'complete');
}

describe('IpDefragmenter: reassembly', () => {
  const udp = bytes(4000, 3);
  const datagram = encodeIpv4({ src: '192.0.2.1', dst: '192.0.2.2', protocol: 17, id: 0x1234, ttl: 9 }, udp);
  const pieces = fragmentIpv4(datagram, 1500);

  it('says what each packet was: not a fragment, buffered, complete', () => {
    const d = new IpDefragmenter();
    const plain = encodeIpv4({ src: '192.0.2.1', dst: '192.0.2.2', protocol: 17, dontFragment: true }, bytes(10));
    expect(d.push(plain, 0n)).toEqual({ status: 'not-fragment', events: [] });
    const r1 = d.push(pieces[0]!, 1n, 10);
    expect(r1.status).toBe('buffered');
    expect(r1.status === 'buffered' && r1.fragments).toBe(1);
    const r2 = d.push(pieces[1]!, 2n, 11);
    expect(r2.status === 'buffered' && r2.fragments).toBe(2);
    expect(d.stats()).toMatchObject({ datagrams: 1, fragments: 2 });
    const r3 = d.push(pieces[2]!, 3n, 12);
    if (r3.status !== 'complete') throw new Error(r3.status);
    expectSame(r3.packet, datagram);
    expect(r3.headerLength).toBe(20);
    expectSame(r3.packet.subarray(r3.headerLength), udp);
    expect(r3.fragments).toEqual([
      { offset: 0, length: 1480, tag: 10, overlap: false, conflict: false },
      { offset: 1480, length: 1480, tag: 11, overlap: false, conflict: false },
      { offset: 2960, length: 1040, tag: 12, overlap: false, conflict: false },
    ]);
    expect(JSON.parse(JSON.stringify(r3.datagram))).toEqual({ version: 4, src: '192.0.2.1', dst: '192.0.2.2', id: 0x1234, protocol: 17 });
    expect(r3.overlaps + r3.conflicts).toBe(0);
    expect(d.stats()).toMatchObject({ datagrams: 0, fragments: 0, bufferedBytes: 0, completed: 1, dropped: 0 });
  });

  it('reassembles in any order: reversed, interleaved with another datagram of the same addresses', () => {
    const other = encodeIpv4({ src: '192.0.2.1', dst: '192.0.2.2', protocol: 17, id: 0x1235 }, bytes(3000, 8));
    const otherPieces = fragmentIpv4(other, 1000);
    const d = new IpDefragmenter();
    const order = [pieces[2]!, otherPieces[1]!, pieces[1]!, otherPieces[0]!, otherPieces[3]!, pieces[0]!, otherPieces[2]!];
    const done = completes(pushAll(d, order));
    expect(done).toHaveLength(2);
    expectSame(done[0]!.packet, datagram);
    expectSame(done[1]!.packet, other);
  });

  it('keys IPv4 by protocol too (RFC 791): same addresses and id, another protocol is another datagram', () => {
    const d = new IpDefragmenter();
    const results = pushAll(d, [v4(0, fill('A', 8), true, { protocol: 17 }), v4(8, fill('B', 8), false, { protocol: 6 })]);
    expect(results.map((r) => r.status)).toEqual(['buffered', 'buffered']);
    expect(d.stats().datagrams).toBe(2);
  });

  it('restores the IPv4 header from the first fragment: MF and offset cleared, total length and checksum recomputed', () => {
    const options: Ipv4OptionInput[] = [{ type: 148, value: 0 }, { type: 7, addresses: ['0.0.0.0'] }];
    const first = v4(0, fill('A', 16), true, { ttl: 7, options, id: 77 });
    // Later fragments may differ in what routers change (TTL) and carry fewer options: the first one's header is kept.
    const second = v4(16, fill('B', 5), false, { ttl: 200, id: 77 });
    const d = new IpDefragmenter();
    const r = pushAll(d, [second, first])[1]!;
    if (r.status !== 'complete') throw new Error(r.status);
    const h = decodeIpv4(r.packet);
    expect(h).toMatchObject({ ttl: 7, moreFragments: false, fragmentOffset: 0, totalLength: 32 + 21, checksumStatus: 'good', id: 77 });
    expect(h.options.map((o) => o.type)).toEqual([148, 7, 0]);
    expect(text(r.packet.subarray(r.headerLength))).toBe('A'.repeat(16) + 'B'.repeat(5));
    // Everything else is the first fragment's header byte for byte.
    const expected = first.slice(0, 32);
    expected[2] = 0;
    expected[3] = 53;
    expected[6] = 0;
    expected[7] = 0;
    expected[10] = 0;
    expected[11] = 0;
    const sum = internetChecksum(expected);
    expected[10] = sum >>> 8;
    expected[11] = sum & 0xff;
    expectSame(r.packet.subarray(0, 32), expected);
  });

  it('keeps DF and the reserved bit of the first fragment', () => {
    const first = v4(0, fill('A', 8), true);
    first[6]! |= 0x80; // reserved ("evil") bit
    const d = new IpDefragmenter();
    const r = pushAll(d, [first, v4(8, fill('B', 8), false)])[1]!;
    if (r.status !== 'complete') throw new Error(r.status);
    expect(r.packet[6]).toBe(0x80);
  });

  it('reassembles IPv6: the Fragment header removed, next header and payload length fixed', () => {
    const packet = encodeIpv6(
      { src: '2001:db8::5', dst: '2001:db8::6', protocol: 17, extensions: [{ type: 0, options: [{ type: 5, data: [0, 0] }] }] },
      bytes(3000, 4),
    );
    const fragments = fragmentIpv6(packet, 1280, { identification: 0xabcdef01 });
    const d = new IpDefragmenter();
    const results = pushAll(d, [fragments[1]!, fragments[2]!, fragments[0]!]);
    const r = results[2]!;
    if (r.status !== 'complete') throw new Error(r.status);
    expectSame(r.packet, packet);
    expect(r.headerLength).toBe(48);
    expect(JSON.parse(JSON.stringify(r.datagram))).toEqual({ version: 6, src: '2001:db8::5', dst: '2001:db8::6', id: 0xabcdef01, protocol: 17 });
    expect(decodeIpv6(r.packet).extensions.map((e) => e.type)).toEqual([0]);
  });

  it('reassembles IPv6 with per-fragment headers longer than the room kept for them (a long routing header)', () => {
    const addresses = Array.from({ length: 6 }, (_, i) => `2001:db8::${i + 10}`);
    const packet = encodeIpv6(
      {
        src: '2001:db8::5',
        dst: '2001:db8::6',
        protocol: 17,
        extensions: [{ type: 0, options: [{ type: 5, data: [0, 0] }] }, { type: 43, routingType: 0, segmentsLeft: 6, addresses }],
      },
      bytes(2500, 6),
    );
    const fragments = fragmentIpv6(packet, 1280, { identification: 1 });
    expect(decodeIpv6(fragments[0]!).extensions.map((e) => e.type)).toEqual([0, 43, 44]);
    for (const order of [fragments, [...fragments].reverse()]) {
      const d = new IpDefragmenter();
      const r = pushAll(d, order).at(-1)!;
      if (r.status !== 'complete') throw new Error(r.status);
      expect(r.headerLength).toBe(40 + 8 + 104);
      expectSame(r.packet, packet);
      expect(d.bufferedBytes).toBe(0);
    }
  });

  it('handles an IPv6 atomic fragment alone (RFC 6946), leaving a reassembly of the same key alone', () => {
    const d = new IpDefragmenter();
    d.push(v6(0, fill('A', 8), true, { id: 3 }), 0n);
    const atomic = d.push(v6(0, fill('Z', 12), false, { id: 3 }), 1n, 5);
    if (atomic.status !== 'complete') throw new Error(atomic.status);
    expect(atomic.atomic).toBe(true);
    expect(decodeIpv6(atomic.packet)).toMatchObject({ nextHeader: 58, payloadLength: 12, extensions: [] });
    expect(text(atomic.packet.subarray(40))).toBe('Z'.repeat(12));
    expect(atomic.fragments).toEqual([{ offset: 0, length: 12, tag: 5, overlap: false, conflict: false }]);
    const r = d.push(v6(8, fill('B', 4), false, { id: 3 }), 2n);
    expect(r.status === 'complete' && text(r.packet.subarray(48 - 8))).toBe('AAAAAAAABBBB');
  });

  it('says packets that are not fragments are not, cheaply and without keeping anything', () => {
    const d = new IpDefragmenter();
    const packets = [
      encodeIpv4({ src: '10.0.0.1', dst: '10.0.0.2', protocol: 6 }, bytes(40)),
      encodeIpv6({ src: '2001:db8::1', dst: '2001:db8::2', protocol: 17 }, bytes(8)),
      encodeIpv6({ src: '2001:db8::1', dst: '2001:db8::2', protocol: 17, extensions: [{ type: 0, options: [] }, { type: 60, options: [] }] }, bytes(8)),
    ];
    for (const p of packets) expect(d.push(p, 0n).status).toBe('not-fragment');
    expect(d.stats()).toMatchObject({ datagrams: 0, bufferedBytes: 0, malformed: 0 });
  });

  it('copies what it keeps: the caller may reuse its buffer', () => {
    const d = new IpDefragmenter();
    const buffer = v4(0, fill('A', 8), true);
    d.push(buffer, 0n);
    buffer.fill(0xee, 20);
    const r = d.push(v4(8, fill('B', 8), false), 1n);
    expect(r.status === 'complete' && text(r.packet.subarray(20))).toBe('AAAAAAAABBBBBBBB');
    // Node Buffers too (their slice() is a view), with per-fragment headers too long for the room before the data.
    const addresses = Array.from({ length: 8 }, (_, i) => `2001:db8::${i + 1}`);
    const packet = encodeIpv6({ src: '2001:db8::1', dst: '2001:db8::2', protocol: 17, extensions: [{ type: 43, routingType: 0, segmentsLeft: 8, addresses }] }, bytes(3000));
    const [first, ...rest] = fragmentIpv6(packet, 1280, { identification: 9 });
    const reused = Buffer.from(first!);
    d.push(reused, 2n);
    reused.fill(0xee);
    const done = completes(rest.map((f, i) => d.push(Buffer.from(f), BigInt(3 + i))));
    expectSame(done[0]!.packet, packet);
  });
});

describe('IpDefragmenter: overlaps (Sturges-Novak vectors, Suricata)', () => {
  const build = (version: 4 | 6, f: { char: string; offset: number; len: number; mf: number }) =>
    version === 4 ? v4(f.offset, fill(f.char, f.len), f.mf === 1) : v6(f.offset, fill(f.char, f.len), f.mf === 1);

  for (const policy of ['first', 'last'] as const) {
    it(`IPv4 policy '${policy}' gives the payload the vectors list, conflicts reported from fragment 9 on`, () => {
      const events: DefragEvent[] = [];
      const d = new IpDefragmenter({ ipv4Overlap: policy, onEvent: (e) => events.push(e) });
      const results = vectors.fragments.map((f, i) => {
        const r = d.push(build(4, f), BigInt(i), f.index);
        if (f.index < 9) expect(d.stats().overlaps).toBe(0);
        return r;
      });
      expect(results.slice(0, 16).every((r) => r.status === 'buffered')).toBe(true);
      const r = results[16]!;
      if (r.status !== 'complete') throw new Error(r.status);
      expect(text(r.packet.subarray(r.headerLength))).toBe(vectors.expected_payload_by_policy[policy]);
      expect(decodeIpv4(r.packet)).toMatchObject({ totalLength: 212, protocol: 1, checksumStatus: 'good' });
      // Every overlapping fragment (9..16) carries different bytes: all are conflicts, reported as they come.
      expect(r.conflicts).toBe(8);
      expect(r.fragments.filter((f) => f.conflict).map((f) => f.tag)).toEqual([9, 10, 11, 12, 13, 14, 15, 16]);
      expect(events.map((e) => [e.kind, e.tag, e.dropped])).toEqual([9, 10, 11, 12, 13, 14, 15, 16].map((t) => ['conflict', t, 'none']));
      expect(results.flatMap((x) => x.events)).toEqual(events);
      expect(d.stats()).toMatchObject({ conflicts: 8, overlaps: 8, completed: 1, bufferedBytes: 0 });
    });
  }

  it("IPv4 policy 'reject' drops the datagram at the first overlap", () => {
    const d = new IpDefragmenter({ ipv4Overlap: 'reject' });
    const results = vectors.fragments.map((f, i) => d.push(build(4, f), BigInt(i), f.index));
    expect(results[9]).toMatchObject({ status: 'dropped', reason: 'overlap', datagramDropped: true });
    expect((results[9] as { error: WireError }).error.code).toBe('bad-value');
    expect(results.some((r) => r.status === 'complete')).toBe(false);
  });

  it('IPv6 drops the datagram on overlap (RFC 5722), whatever the IPv4 policy', () => {
    for (const policy of ['first', 'last', 'reject'] as Ipv4OverlapPolicy[]) {
      const d = new IpDefragmenter({ ipv4Overlap: policy });
      const results = vectors.fragments.map((f, i) => d.push(build(6, f), BigInt(i), f.index));
      expect(results.slice(0, 9).every((r) => r.status === 'buffered')).toBe(true);
      expect(results[9]).toMatchObject({ status: 'dropped', reason: 'overlap', datagramDropped: true });
      expect(results[9]!.events.map((e) => [e.kind, e.fragments])).toEqual([['overlap', 9]]);
      expect(results.some((r) => r.status === 'complete')).toBe(false);
    }
  });

  it('tolerates exact duplicates in IPv6 and under reject (RFC 8200 4.5), and counts them as overlaps', () => {
    for (const [version, policy] of [[6, 'first'], [4, 'reject']] as const) {
      const d = new IpDefragmenter({ ipv4Overlap: policy });
      const a = build(version, { char: 'A', offset: 0, len: 16, mf: 1 });
      const b = build(version, { char: 'B', offset: 16, len: 8, mf: 0 });
      const results = pushAll(d, [a, a, b, a]);
      expect(results.map((r) => r.status)).toEqual(['buffered', 'buffered', 'complete', 'buffered']);
      const r = results[2]!;
      expect(r.status === 'complete' && [r.overlaps, r.conflicts, r.fragments.map((f) => f.overlap)]).toEqual([1, 0, [false, true, false]]);
      // The same range with other bytes is an overlap that drops the datagram.
      const d2 = new IpDefragmenter({ ipv4Overlap: policy });
      const forged = build(version, { char: 'X', offset: 0, len: 16, mf: 1 });
      expect(pushAll(d2, [a, forged])[1]).toMatchObject({ status: 'dropped', reason: 'overlap' });
    }
  });

  it('completes at the last fragment, ignoring buffered data past its end (DefragMfIpv4Test)', () => {
    const c = vectors.extra_cases.find((x) => x.name === 'DefragMfIpv4Test')!;
    for (const policy of ['first', 'last'] as const) {
      const d = new IpDefragmenter({ ipv4Overlap: policy });
      const results = c.fragments.map((f, i) => d.push(build(4, f), BigInt(i), i));
      const r = results[2]!;
      if (r.status !== 'complete') throw new Error(r.status);
      expect(text(r.packet.subarray(r.headerLength))).toBe(c.expected_payload);
      expect(decodeIpv4(r.packet).totalLength).toBe(36);
      expect(r.events.map((e) => [e.kind, e.dropped])).toEqual([['beyond-end', 'none']]);
      expect(d.bufferedBytes).toBe(0);
    }
  });

  it('rejects a fragment that would make the datagram longer than 65,535 bytes (DefragTooLargeIpv4Test)', () => {
    const c = vectors.extra_cases.find((x) => x.name === 'DefragTooLargeIpv4Test')!;
    const d = new IpDefragmenter();
    const [r] = c.fragments.map((f, i) => d.push(build(4, f), BigInt(i), i));
    expect(r).toMatchObject({ status: 'dropped', reason: 'too-large' });
    expect((r as { error: WireError }).error.code).toBe('bad-length');
    expect(r!.events.map((e) => e.kind)).toEqual(['too-large']);
    expect(d.stats()).toMatchObject({ tooLarge: 1, datagrams: 0, bufferedBytes: 0 });
  });

  it("lets later bytes win under 'last', earlier under 'first', for the header too", () => {
    for (const policy of ['first', 'last'] as const) {
      const d = new IpDefragmenter({ ipv4Overlap: policy });
      const results = pushAll(d, [v4(0, fill('A', 16), true, { ttl: 1 }), v4(0, fill('B', 8), true, { ttl: 2 }), v4(16, fill('C', 8), false)]);
      const r = results[2]!;
      if (r.status !== 'complete') throw new Error(r.status);
      expect(text(r.packet.subarray(20))).toBe(policy === 'first' ? 'A'.repeat(16) + 'CCCCCCCC' : 'BBBBBBBBAAAAAAAACCCCCCCC');
      expect(decodeIpv4(r.packet).ttl).toBe(policy === 'first' ? 1 : 2);
    }
  });
});

describe('IpDefragmenter: malformed and inconsistent fragments', () => {
  it('drops a fragment with MF whose length is not a positive multiple of 8 (RFC 8200 4.5)', () => {
    for (const make of [v4, v6]) {
      const d = new IpDefragmenter();
      for (const n of [7, 0]) {
        const r = d.push(make(0, fill('A', n), true), 0n, 1);
        expect(r).toMatchObject({ status: 'dropped', reason: 'malformed', datagramDropped: false });
        expect((r as { error: WireError }).error.code).toBe('bad-length');
        expect(r.events.map((e) => [e.kind, e.dropped, e.tag])).toEqual([['malformed', 'fragment', 1]]);
      }
      expect(d.stats()).toMatchObject({ malformed: 2, droppedFragments: 2, datagrams: 0 });
    }
  });

  it('drops fragments cut short by the capture and packets that are not IP, with the WireError', () => {
    const d = new IpDefragmenter();
    const cut = (p: Uint8Array, n: number) => p.subarray(0, p.length - n);
    const cases: [Uint8Array, string][] = [
      [cut(v4(0, fill('A', 16), true), 4), 'truncated'],
      [cut(v6(0, fill('A', 16), true), 4), 'truncated'],
      [new Uint8Array(0), 'truncated'],
      [v4(0, fill('A', 8), true).subarray(0, 12), 'truncated'],
      [Uint8Array.of(0x55, 0, 0, 0), 'bad-version'],
    ];
    for (const [packet, code] of cases) {
      const r = d.push(packet, 0n);
      expect(r.status).toBe('dropped');
      expect((r as { error: WireError }).error.code).toBe(code);
    }
    // A fragment whose total length is 0 (segmentation offload) cannot say where its data ends.
    const tso = v4(8, fill('A', 8), true);
    tso[2] = 0;
    tso[3] = 0;
    expect((d.push(tso, 0n) as { error: WireError }).error.code).toBe('bad-length');
    // Link-layer padding after the length field is ignored.
    const padded = new Uint8Array(60);
    padded.set(v4(0, fill('A', 8), true));
    expect(d.push(padded, 0n).status).toBe('buffered');
    expect(d.stats().malformed).toBe(6);
  });

  it('drops the datagram when two last fragments disagree on its length', () => {
    const d = new IpDefragmenter();
    const results = pushAll(d, [v4(16, fill('C', 8), false), v4(8, fill('B', 8), false)]);
    expect(results[1]).toMatchObject({ status: 'dropped', reason: 'inconsistent', datagramDropped: true });
    expect(d.stats()).toMatchObject({ datagrams: 0, dropped: 1, bufferedBytes: 0 });
  });

  it('trims a fragment running past the known end and drops one wholly past it', () => {
    const d = new IpDefragmenter();
    const results = pushAll(d, [v4(8, fill('B', 8), false), v4(16, fill('X', 8), true), v4(0, fill('A', 24), true)]);
    expect(results[1]).toMatchObject({ status: 'dropped', reason: 'beyond-end', datagramDropped: false });
    const r = results[2]!;
    expect(r.status === 'complete' && text(r.packet.subarray(20))).toBe('AAAAAAAABBBBBBBB');
    expect(r.events.map((e) => e.kind)).toEqual(['beyond-end', 'conflict']);
  });
});

describe('IpDefragmenter: time, from packet timestamps', () => {
  it('expires IPv4 and IPv6 datagrams 60 s after their first fragment by default, and reports them', () => {
    const d = new IpDefragmenter();
    d.push(v4(0, fill('A', 8), true), 10n * S, 1);
    d.push(v6(0, fill('A', 8), true), 20n * S, 2);
    d.push(v4(8, fill('B', 8), true), 69n * S, 3); // same datagram: its timer is not restarted (RFC 1122 3.3.2)
    const r = d.push(encodeIpv4({ src: '10.0.0.9', dst: '10.0.0.2', protocol: 1 }, bytes(8)), 70n * S);
    expect(r.status).toBe('not-fragment');
    expect(r.events.map((e) => [e.kind, e.datagram?.version, e.fragments, e.dropped])).toEqual([['timeout', 4, 2, 'datagram']]);
    expect(d.expire(79n * S)).toEqual([]);
    expect(d.expire(80n * S).map((e) => [e.kind, e.datagram?.version])).toEqual([['timeout', 6]]);
    expect(d.stats()).toMatchObject({ timeouts: 2, dropped: 2, datagrams: 0, bufferedBytes: 0 });
  });

  it('takes the timeouts it is given, per version', () => {
    const d = new IpDefragmenter({ ipv4TimeoutSeconds: 15, ipv6TimeoutSeconds: 0.5 });
    d.push(v4(0, fill('A', 8), true), 0n);
    d.push(v6(0, fill('A', 8), true), 0n);
    expect(d.expire(S / 2n).map((e) => e.datagram?.version)).toEqual([6]);
    expect(d.expire(15n * S).map((e) => e.datagram?.version)).toEqual([4]);
  });

  it('never turns its clock back: a packet with an earlier timestamp does not revive anything', () => {
    const d = new IpDefragmenter();
    d.push(v4(0, fill('A', 8), true, { id: 1 }), 100n * S);
    d.push(v4(0, fill('A', 8), true, { id: 2 }), 5n * S); // out of order in the capture: made at clock 100 s
    expect(d.expire(159n * S)).toEqual([]);
    expect(d.expire(160n * S).map((e) => e.datagram?.id)).toEqual([1, 2]);
  });

  it('flush() drops and reports what is left, oldest first', () => {
    const d = new IpDefragmenter();
    d.push(v6(0, fill('A', 8), true), 0n);
    d.push(v4(0, fill('A', 8), true), 1n);
    expect(d.flush().map((e) => [e.kind, e.datagram?.version])).toEqual([['flushed', 6], ['flushed', 4]]);
    expect(d.stats()).toMatchObject({ datagrams: 0, bufferedBytes: 0, fragments: 0 });
  });
});

describe('IpDefragmenter: attacks stay inside the caps and are reported', () => {
  it('teardrop: a fragment inside the previous one with a shorter end', () => {
    // The 1997 teardrop: the second fragment starts inside the first and ends before it does, so
    // a naive "copy from the end of the previous fragment" computes a negative length.
    const d = new IpDefragmenter();
    const results = pushAll(d, [v4(0, fill('A', 36 - 4), true, { protocol: 17 }), v4(24, fill('B', 4), false, { protocol: 17 })]);
    const r = results[1]!;
    if (r.status !== 'complete') throw new Error(r.status);
    expect(text(r.packet.subarray(20))).toBe('A'.repeat(28));
    expect(r.events.map((e) => e.kind)).toEqual(['beyond-end', 'conflict']);
    expect(d.stats()).toMatchObject({ bufferedBytes: 0, conflicts: 1 });
    for (const policy of ['last', 'reject'] as const) {
      const d2 = new IpDefragmenter({ ipv4Overlap: policy });
      const r2 = pushAll(d2, [v4(0, fill('A', 32), true), v4(24, fill('B', 4), false)])[1]!;
      expect(r2.status === 'complete' ? text(r2.packet.subarray(20)) : r2.status).toBe(policy === 'last' ? 'A'.repeat(24) + 'BBBB' : 'dropped');
      expect(d2.bufferedBytes).toBe(0);
    }
  });

  it('ping of death: fragments adding up past 65,535 bytes are rejected, the datagram too', () => {
    const d = new IpDefragmenter();
    const pieces = fragmentIpv4(encodeIpv4({ src: '10.0.0.1', dst: '10.0.0.2', protocol: 1, id: 9 }, bytes(65_000)), 1500);
    const evil = v4(65_512, fill('P', 1000), false, { id: 9 });
    const results = pushAll(d, [...pieces.slice(0, -1), evil]);
    const last = results.at(-1)!;
    expect(last).toMatchObject({ status: 'dropped', reason: 'too-large', datagramDropped: true });
    expect(last.events.map((e) => [e.kind, e.fragments])).toEqual([['too-large', pieces.length - 1]]);
    expect(d.stats()).toMatchObject({ tooLarge: 1, datagrams: 0, bufferedBytes: 0 });
    // At most a full datagram's data, the room for its header in front, and the first fragment's header.
    expect(d.stats().peakBufferedBytes).toBeLessThanOrEqual(65_535 + 60 + 20);
    // IPv6: the payload length (per-fragment headers after the fixed one, and the data) is what must fit.
    const r6 = d.push(v6(65_528, fill('P', 8), false), 0n);
    expect(r6).toMatchObject({ status: 'dropped', reason: 'too-large', datagramDropped: false });
    expect(d.push(v6(65_520, fill('P', 8), false), 0n).status).toBe('buffered'); // ends at 65,528: fits
  });

  it('100,000 tiny fragments of one datagram: dropped at the fragment cap, over and over, memory flat', () => {
    const events: DefragEvent[] = [];
    const d = new IpDefragmenter({ onEvent: (e) => events.push(e) });
    let peak = 0;
    const tiny = v4(0, fill('T', 8), true);
    for (let i = 0; i < 100_000; i++) {
      // Rewrite the offset in place: one buffer, every offset in turn (the attacker's view of it).
      const offset = (i % 8000) + 1;
      tiny[6] = 0x20 | (offset >>> 8);
      tiny[7] = offset & 0xff;
      tiny[10] = 0;
      tiny[11] = 0;
      d.push(tiny, BigInt(i));
      peak = Math.max(peak, d.bufferedBytes);
    }
    const stats = d.stats();
    // 256 fragments per datagram: every 257th is refused and the datagram dropped.
    expect(stats.limitExceeded).toBe(Math.floor(100_000 / 257));
    expect(events.every((e) => e.kind === 'limit-exceeded' && e.limit === 'fragments' && e.fragments === 256)).toBe(true);
    expect(events).toHaveLength(stats.limitExceeded);
    // What one datagram of 256 eight-byte fragments can hold at its furthest offset: at most 64 KiB
    // and the 60 bytes of room kept for its header.
    expect(peak).toBeLessThanOrEqual(65_535 + 60);
    expect(stats.peakBufferedBytes).toBe(peak);
    expect(stats.datagrams).toBe(1);
  });

  it('100,000 tiny fragments of as many datagrams: the oldest are evicted at the datagram cap', () => {
    const d = new IpDefragmenter({ maxDatagrams: 1000 });
    let limitEvents = 0;
    let peak = 0;
    const tiny = v4(0, fill('T', 8), true);
    for (let i = 0; i < 100_000; i++) {
      // One buffer, rewritten in place: identification, and the source's second byte past 65,535.
      tiny[4] = (i >>> 8) & 0xff;
      tiny[5] = i & 0xff;
      tiny[13] = i >>> 16;
      const r = d.push(tiny, BigInt(i));
      limitEvents += r.events.filter((e) => e.kind === 'limit-exceeded' && e.limit === 'datagrams').length;
      peak = Math.max(peak, d.bufferedBytes);
    }
    expect(limitEvents).toBe(99_000);
    expect(d.stats()).toMatchObject({ datagrams: 1000, fragments: 1000, limitExceeded: 99_000 });
    // Each: 8 bytes of data and 60 of room in front, where its 20-byte header is kept.
    expect(peak).toBe(1000 * (8 + 60));
    // Deterministic: the survivors are the newest 1000.
    const r = d.push(v4(8, fill('U', 8), false, { id: 99_999 & 0xffff, src: '10.1.0.1' }), 100_000n);
    expect(r.status).toBe('complete');
    expect(d.push(v4(8, fill('U', 8), false, { id: 98_999 & 0xffff, src: '10.1.0.1' }), 100_001n).status).toBe('buffered');
  });

  it('lone last fragments far out (64 KiB each to hold) hit the byte cap; the oldest are evicted', () => {
    const cap = 1024 * 1024;
    const d = new IpDefragmenter({ maxBufferedBytes: cap });
    let peak = 0;
    const reasons = new Map<string, number>();
    for (let i = 0; i < 2000; i++) {
      const r = d.push(v4(64_000, fill('L', 8), false, { id: i }), BigInt(i));
      for (const e of r.events) reasons.set(`${e.kind}:${e.limit}`, (reasons.get(`${e.kind}:${e.limit}`) ?? 0) + 1);
      peak = Math.max(peak, d.bufferedBytes);
    }
    expect(peak).toBeLessThanOrEqual(cap);
    // Each holds 64,008 bytes of data and 60 of room for a header.
    expect(d.stats().datagrams).toBe(Math.floor(cap / 64_068));
    expect([...reasons]).toEqual([['limit-exceeded:buffered-bytes', 2000 - Math.floor(cap / 64_068)]]);
  });

  it('caps the datagram length and the bytes of one datagram as configured', () => {
    const d = new IpDefragmenter({ maxDatagramLength: 1500 });
    expect(d.push(v4(1480, fill('A', 8), true), 0n)).toMatchObject({ status: 'dropped', reason: 'limit-exceeded' });
    expect(d.push(v4(0, fill('A', 8), true), 0n).status).toBe('buffered');
    const r = d.push(v4(1480, fill('A', 8), false), 0n);
    expect(r).toMatchObject({ status: 'dropped', reason: 'limit-exceeded', datagramDropped: true });
    expect(r.events.map((e) => e.limit)).toEqual(['datagram-length']);
    const small = new IpDefragmenter({ maxBufferedBytes: 100 });
    expect(small.push(v4(0, fill('A', 200), true), 0n)).toMatchObject({ status: 'dropped', reason: 'limit-exceeded' });
    expect(small.bufferedBytes).toBe(0);
  });

  it('refuses options it cannot use', () => {
    const bad: IpDefragmenterOptions[] = [{ maxDatagrams: 0 }, { maxFragmentsPerDatagram: 1.5 }, { maxDatagramLength: 70_000 }, { ipv4TimeoutSeconds: -1 }, { ipv4Overlap: 'bsd' as Ipv4OverlapPolicy }];
    for (const o of bad) expect(() => new IpDefragmenter(o)).toThrow(WireError);
    expect(() => new IpDefragmenter().push(v4(0, fill('A', 8), true), 0 as unknown as bigint)).toThrow(WireError);
  });
});

/** Shuffles with a fast-check-chosen permutation (sort keys). */
function shuffle<T>(items: T[], keys: number[]): T[] {
  return items.map((item, i) => ({ item, key: keys[i % keys.length]! + i / 1e6 })).sort((a, b) => a.key - b.key).map((x) => x.item);
}

describe('IpDefragmenter: properties', () => {
  const options = fc.subarray([
    { type: 148, value: 0 } as Ipv4OptionInput,
    { type: 7, addresses: ['0.0.0.0', '0.0.0.0'] } as Ipv4OptionInput,
    { type: 1 } as Ipv4OptionInput,
    { type: 130, data: new Uint8Array(9) } as Ipv4OptionInput,
  ]);

  it('IPv4: shuffled, duplicated and re-fragmented pieces give back the datagram byte for byte', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 9000 }),
        fc.integer({ min: 68, max: 4000 }),
        options,
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 64, size: 'max' }),
        fc.array(fc.nat(), { maxLength: 5 }),
        fc.option(fc.tuple(fc.nat(), fc.integer({ min: 68, max: 600 }))),
        fc.constantFrom<Ipv4OverlapPolicy>('first', 'last', 'reject'),
        (n, mtu, opts, keys, dups, refrag, policy) => {
          const datagram = encodeIpv4({ src: '198.51.100.1', dst: '203.0.113.9', protocol: 17, id: n & 0xffff, ttl: 3, options: opts }, bytes(n, n));
          let pieces = fragmentIpv4(datagram, mtu);
          if (pieces.length === 1) {
            expect(new IpDefragmenter().push(pieces[0]!, 0n).status).toBe('not-fragment');
            return;
          }
          // Re-fragment one piece (as a router with a smaller MTU would) and keep the original too
          // under first/last: the overlap carries the same bytes.
          if (refrag !== null) {
            const [which, small] = refrag;
            const i = which % pieces.length;
            const again = fragmentIpv4(pieces[i]!, Math.max(small, decodeIpv4(pieces[i]!).headerLength + 8));
            pieces = policy === 'reject' ? [...pieces.slice(0, i), ...again, ...pieces.slice(i + 1)] : [...pieces, ...again];
          }
          for (const k of dups) pieces.push(pieces[k % pieces.length]!);
          const d = new IpDefragmenter({ ipv4Overlap: policy, maxFragmentsPerDatagram: 1000 });
          const results = pushAll(d, shuffle(pieces, keys));
          const done = completes(results);
          expect(done.length).toBeGreaterThanOrEqual(1);
          expectSame(done[0]!.packet, datagram);
          expect(done[0]!.conflicts).toBe(0);
          expect(results.some((r) => r.status === 'dropped')).toBe(false);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('IPv6: shuffled, exactly duplicated and re-fragmented pieces give back the packet byte for byte', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 9000 }),
        fc.integer({ min: 72, max: 4000 }),
        fc.boolean(),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 64, size: 'max' }),
        fc.array(fc.nat(), { maxLength: 5 }),
        fc.option(fc.tuple(fc.nat(), fc.integer({ min: 72, max: 600 }))),
        (n, mtu, hbh, keys, dups, refrag) => {
          const packet = encodeIpv6(
            { src: '2001:db8::a', dst: '2001:db8::b', protocol: 17, hopLimit: 3, extensions: hbh ? [{ type: 0, options: [{ type: 5, data: [0, 0] }] }] : [] },
            bytes(n, n),
          );
          let pieces = fragmentIpv6(packet, mtu, { identification: n * 7 });
          if (pieces.length === 1) {
            expect(new IpDefragmenter().push(pieces[0]!, 0n).status).toBe('not-fragment');
            return;
          }
          // IPv6 rejects overlaps: a re-fragmented piece replaces the original.
          if (refrag !== null) {
            const [which, small] = refrag;
            const i = which % pieces.length;
            pieces = [...pieces.slice(0, i), ...fragmentIpv6(pieces[i]!, small), ...pieces.slice(i + 1)];
          }
          for (const k of dups) pieces.push(pieces[k % pieces.length]!);
          const d = new IpDefragmenter({ maxFragmentsPerDatagram: 1000 });
          const results = pushAll(d, shuffle(pieces, keys));
          const done = completes(results);
          expect(done.length).toBeGreaterThanOrEqual(1);
          expectSame(done[0]!.packet, packet);
          expect(results.some((r) => r.status === 'dropped')).toBe(false);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('never throws, never exceeds its caps, on random bytes and random fragment headers', () => {
    const cap = 256 * 1024;
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            v6: fc.boolean(),
            id: fc.integer({ min: 0, max: 3 }),
            offset: fc.integer({ min: 0, max: 8191 }),
            len: fc.integer({ min: 0, max: 3000 }),
            more: fc.boolean(),
            garbage: fc.option(fc.uint8Array({ maxLength: 80, size: 'max' }), { freq: 5 }),
          }),
          { maxLength: 60, size: 'max' },
        ),
        (specs) => {
          const d = new IpDefragmenter({ maxBufferedBytes: cap, maxFragmentsPerDatagram: 20, maxDatagrams: 3 });
          for (const [i, s] of specs.entries()) {
            const packet = s.garbage ?? (s.v6 ? v6(s.offset * 8, bytes(s.len, i), s.more, { id: s.id }) : v4(s.offset * 8, bytes(s.len, i), s.more, { id: s.id }));
            const r = d.push(packet, BigInt(i) * S);
            if (r.status === 'dropped') expect(r.error).toBeInstanceOf(WireError);
            expect(d.bufferedBytes).toBeLessThanOrEqual(cap);
            expect(d.stats().datagrams).toBeLessThanOrEqual(3);
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('docs-pending/ip-fragmentation.md example, as written, through the package entry', () => {
  it('runs and does what its comments say', async () => {
    const w = await import('wirekit');
    const { decodePacket, encodeIpv4: enc4, encodeIpv6: enc6, fragmentIpv4: frag4, fragmentIpv6: frag6, IpDefragmenter: Defrag, readCaptureSync, WireError: WE } = w;
    const captureBytes = new Uint8Array(readFileSync(new URL('./fixtures/defrag/defrag.pcap', import.meta.url)));
    const warnings: string[] = [];

    const udp = new Uint8Array(4000);
    const datagram = enc4({ src: '192.0.2.1', dst: '198.51.100.2', protocol: 17, id: 0x1234 }, udp);
    const fragments = frag4(datagram, 1500);
    expect(fragments.map((f) => decodeIpv4(f).fragmentOffset)).toEqual([0, 185, 370]);

    const defrag = new Defrag({ onEvent: (e) => warnings.push(e.kind) });
    let completed = 0;
    for (const [i, fragment] of [...fragments].reverse().entries()) {
      const r = defrag.push(fragment, BigInt(i) * 1_000_000n, i + 1);
      if (r.status === 'complete') {
        expectSame(r.packet, datagram);
        expect(r.fragments.map((f) => f.tag)).toEqual([1, 2, 3]);
        completed++;
      }
    }
    expect(completed).toBe(1);

    const v6 = enc6({ src: '2001:db8::1', dst: '2001:db8::2', protocol: 17 }, udp);
    expect(frag6(v6, 1280, { identification: 7 })).toHaveLength(4);

    let mtu: number | undefined;
    try {
      frag4(enc4({ src: '192.0.2.1', dst: '198.51.100.2', protocol: 17, dontFragment: true }, udp), 1500);
    } catch (e) {
      if (e instanceof WE && e.code === 'fragmentation-needed') mtu = e.mtu;
    }
    expect(mtu).toBe(1500);

    const protocols: string[] = [];
    for (const record of readCaptureSync(captureBytes)) {
      const ip = decodePacket(record.data, { linkType: record.linkType }).layers.find((l) => l.name === 'ip' || l.name === 'ipv6');
      if (ip === undefined) continue;
      const r = defrag.push(record.data.subarray(ip.offset, ip.payloadOffset + ip.payloadLength), record.timestamp);
      if (r.status === 'complete') protocols.push(decodePacket(r.packet, { linkType: 'raw' }).protocols);
    }
    expect(protocols).toContain('ip:udp');
    expect(protocols).toHaveLength(12);
    expect(defrag.flush()).toEqual([]);
    expect(warnings).toEqual(['conflict', 'conflict', 'conflict']); // the fixture's conflicting overlaps (frames 18, 40 and 42)
  });
});

describe("IPv4 overlap policy 'tshark': bytes and marks as Wireshark's reassembly gives them", () => {
  // A model of reassemble.c: fragments in offset order (the earlier of two at one offset first),
  // each copied from where the ones before it ended; a fragment is marked where it overlaps them.
  const piece = fc.record({ from: fc.nat(31), to: fc.nat(32), fill: fc.integer({ min: 1, max: 255 }) });
  const scenario = fc.record({ blocks: fc.integer({ min: 2, max: 32 }), pieces: fc.array(piece, { maxLength: 8, size: 'max' }), order: fc.array(fc.nat(), { minLength: 40, maxLength: 40 }) });

  it('keeps the lower offset’s bytes (the earlier at one offset) and marks the fragments that lose, on random overlaps in random order', () => {
    fc.assert(
      fc.property(scenario, ({ blocks, pieces, order }) => {
        const length = blocks * 8;
        const truth = Uint8Array.from({ length }, (_, i) => (i * 7 + 3) & 0xff || 1);
        // The datagram cut in 8-byte pieces as sent, and forged pieces over it (other bytes).
        const all = Array.from({ length: blocks }, (_, b) => ({ start: b * 8, end: b * 8 + 8, data: truth.subarray(b * 8, b * 8 + 8) }));
        for (const p of pieces) {
          const a = Math.min(p.from, blocks - 1) * 8;
          let b = Math.min(Math.max(p.to, Math.min(p.from, blocks - 1) + 1), blocks) * 8;
          // A piece of the whole datagram at offset 0 with MF clear is no fragment.
          if (a === 0 && b === length) b -= 8;
          all.push({ start: a, end: b, data: new Uint8Array(b - a).fill(p.fill) });
        }
        // A random arrival order.
        for (let i = all.length - 1; i > 0; i--) {
          const j = order[i % order.length]! % (i + 1);
          [all[i], all[j]] = [all[j]!, all[i]!];
        }
        const d = new IpDefragmenter({ ipv4Overlap: 'tshark' });
        let done: Extract<DefragResult, { status: 'complete' }> | undefined;
        let arrived = 0;
        for (const [i, f] of all.entries()) {
          const r = d.push(v4(f.start, f.data, f.end < length), BigInt(i), i);
          arrived++;
          if (r.status === 'complete') {
            done = r;
            break;
          }
        }
        if (done === undefined) throw new Error('the datagram did not complete');
        const seen = all.slice(0, arrived).map((f, arrival) => ({ ...f, arrival }));
        const inOrder = [...seen].sort((x, y) => x.start - y.start || x.arrival - y.arrival);
        const want = new Uint8Array(length);
        let copied = 0;
        const marked = new Set<number>();
        for (const f of inOrder) {
          if (f.start < copied) marked.add(f.arrival);
          if (f.end > copied) {
            want.set(f.data.subarray(Math.max(0, copied - f.start)), Math.max(copied, f.start));
            copied = f.end;
          }
        }
        expect(Buffer.from(done.packet.subarray(done.headerLength)).toString('hex')).toBe(Buffer.from(want).toString('hex'));
        expect(done.fragments.filter((f) => f.overlap).map((f) => f.tag).sort((x, y) => x! - y!)).toEqual([...marked].sort((x, y) => x - y));
        expect(done.overlaps).toBe(marked.size);
      }),
      { numRuns: 2000, endOnFailure: true },
    );
  });

  it('marks a conflict on the fragment whose bytes lose, even when it came first', () => {
    const truth = Uint8Array.from({ length: 48 }, (_, i) => i + 1);
    const forged = truth.slice();
    forged.fill(0xdd, 16, 32);
    const d = new IpDefragmenter({ ipv4Overlap: 'tshark' });
    const r = pushAll(d, [v4(16, forged.subarray(16, 32), true), v4(32, truth.subarray(32), false), v4(0, truth.subarray(0, 24), true)]).at(-1)!;
    if (r.status !== 'complete') throw new Error(r.status);
    const want = truth.slice();
    want.fill(0xdd, 24, 32);
    expect([...r.packet.subarray(r.headerLength)]).toEqual([...want]);
    expect(r.fragments.map((f) => [f.offset, f.overlap, f.conflict])).toEqual([
      [16, true, true],
      [32, false, false],
      [0, false, false],
    ]);
    expect(r.conflicts).toBe(1);
  });
});
