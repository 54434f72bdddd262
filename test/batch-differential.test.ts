// Differential property tests for decodeBatch:
//  - WASM SIMD == WASM scalar == JS twin, every column, on well-formed, mutated and random packets,
//    through both input forms, in and out of WASM memory, with and without L4 checksums;
//  - a packet decodes the same alone and packed amid garbage (nothing is read past a record);
//  - sub-batch boundaries (rows and copied bytes per kernel call, forced small) change nothing;
//  - every field of table.row(i) equals decodePacket(...).fields() on the same bytes.
import fc from 'fast-check';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { allocBuffer, BatchLayer, readCaptureSync, setBackend } from 'wirekit';
import { decodeBatch, setBatchLimitsForTests, type PacketTable } from '../src/batch.js';
import { decodePacket } from '../src/dissect.js';
import { U16_COLUMN_NAMES, U32_COLUMN_NAMES, U8_COLUMN_NAMES } from '../src/kernels/batch.js';
import type { FieldValue } from '../src/packet/fields.js';
import { anyPacket, mutated, wellFormed, type Sample } from './fixtures/batch/arbitraries.js';

const COLUMNS = [...U32_COLUMN_NAMES, ...U16_COLUMN_NAMES, ...U8_COLUMN_NAMES];

afterAll(() => setBackend('auto'));

/** The table as plain arrays, for toEqual with a useful diff. */
function plain(t: PacketTable): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const name of COLUMNS) out[name] = Array.from(t[name]);
  out.ipv6Addresses = Array.from(t.ipv6Addresses);
  return out;
}

function records(samples: readonly Sample[], gap = 0, fill = 0) {
  const total = samples.reduce((n, s) => n + s.bytes.length + gap, gap);
  const data = new Uint8Array(total).fill(fill);
  const offsets = new Uint32Array(samples.length);
  const lengths = new Uint32Array(samples.length);
  let at = gap;
  samples.forEach((s, i) => {
    data.set(s.bytes, at);
    offsets[i] = at;
    lengths[i] = s.bytes.length;
    at += s.bytes.length + gap;
  });
  return { data, offsets, lengths, linkTypes: Uint16Array.from(samples.map((s) => s.linkType)) };
}

const batches = fc.array(anyPacket, { minLength: 1, maxLength: 40, size: 'max' });

describe('WASM SIMD == WASM scalar == JS twin', () => {
  it('on well-formed, mutated and random packets, every column, both input forms', () => {
    fc.assert(
      fc.property(batches, fc.boolean(), (samples, checksums) => {
        const r = records(samples);
        const options = { checksums };
        setBackend('js');
        const js = plain(decodeBatch(r, options));
        const jsArray = plain(decodeBatch(samples.map((s) => s.bytes), { ...options, linkType: 1 }));
        setBackend('wasm', { simd: false });
        expect(plain(decodeBatch(r, options))).toEqual(js);
        const scalarArray = plain(decodeBatch(samples.map((s) => s.bytes), { ...options, linkType: 1 }));
        setBackend('wasm', { simd: true });
        expect(plain(decodeBatch(r, options))).toEqual(js);
        expect(plain(decodeBatch(samples.map((s) => s.bytes), { ...options, linkType: 1 }))).toEqual(jsArray);
        expect(scalarArray).toEqual(jsArray);
        // The capture in WASM memory: read in place.
        const inside = allocBuffer(r.data.length);
        inside.set(r.data);
        expect(plain(decodeBatch({ ...r, data: inside }, options))).toEqual(js);
        expect(plain(decodeBatch({ ...r, data: inside }, { ...options, resident: true }))).toEqual(js);
        expect(plain(decodeBatch(r, { ...options, resident: true }))).toEqual(js);
      }),
      { numRuns: 300 },
    );
  });

  it('across chunk boundaries (more than 4096 rows per call)', () => {
    fc.assert(
      fc.property(fc.array(anyPacket, { minLength: 50, maxLength: 50 }), fc.integer({ min: 4090, max: 9000 }), (pool, count) => {
        const samples = Array.from({ length: count }, (_, i) => pool[(i * 7) % pool.length]!);
        const r = records(samples);
        setBackend('js');
        const js = plain(decodeBatch(r, { checksums: true }));
        setBackend('wasm');
        expect(plain(decodeBatch(r, { checksums: true }))).toEqual(js);
      }),
      { numRuns: 6 },
    );
  });
});

describe('sub-batches', () => {
  afterEach(() => setBatchLimitsForTests());

  /**
   * The record table in another order (rows follow it), so copied in record by record rather than as
   * a span, with two records that reach past the data (refused unread) among them.
   */
  function shuffled(r: { data: Uint8Array; offsets: Uint32Array; lengths: Uint32Array; linkTypes: Uint16Array }, order: readonly number[]) {
    const rows = order.map((i) => [r.offsets[i]!, r.lengths[i]!, r.linkTypes[i]!] as const);
    rows.splice(rows.length >> 1, 0, [r.data.length - 1, 2, 1]);
    rows.unshift([0xffffff00, 0xff, 1]);
    return {
      data: r.data,
      offsets: Uint32Array.from(rows, (x) => x[0]),
      lengths: Uint32Array.from(rows, (x) => x[1]),
      linkTypes: Uint16Array.from(rows, (x) => x[2]),
    };
  }

  /** Every input form the WASM path has, decoded with the current limits. */
  function everyForm(samples: readonly Sample[], gap: number, order: readonly number[], checksums: boolean) {
    const r = records(samples, gap, 0xa5);
    const inside = allocBuffer(r.data.length);
    inside.set(r.data);
    const frames = samples.map((s) => s.bytes);
    // Array form: every other packet is a view of WASM memory (read in place), the rest are copied.
    const mixed = frames.map((f, i) => (i % 2 ? inside.subarray(r.offsets[i]!, r.offsets[i]! + f.length) : f));
    const options = { checksums };
    const resident = { checksums, resident: true };
    return {
      span: plain(decodeBatch(r, options)),
      // The resident table: the first kernel call writes in place, later sub-batches are copied in.
      residentSpan: plain(decodeBatch(r, resident)),
      residentByRecord: plain(decodeBatch(shuffled(r, order), resident)),
      residentInMemory: plain(decodeBatch({ ...r, data: inside }, resident)),
      residentMixed: plain(decodeBatch(mixed, { ...resident, linkType: 1 })),
      byRecord: plain(decodeBatch(shuffled(r, order), options)),
      inMemory: plain(decodeBatch({ ...r, data: inside }, options)),
      inMemoryShuffled: plain(decodeBatch(shuffled({ ...r, data: inside }, order), options)),
      array: plain(decodeBatch(frames, { ...options, linkType: 1 })),
      mixed: plain(decodeBatch(mixed, { ...options, linkType: 1 })),
      // Nothing was written past the scratch's input part into allocBuffer's region, just above it.
      intact: Buffer.from(inside).equals(r.data),
    };
  }

  it('rows and copied bytes per call forced small give the tables of one large call and of the JS twin', () => {
    fc.assert(
      fc.property(
        fc.array(anyPacket, { minLength: 1, maxLength: 120, size: 'max' }).chain((samples) =>
          fc.tuple(fc.constant(samples), fc.shuffledSubarray(samples.map((_, i) => i), { minLength: samples.length, maxLength: samples.length })),
        ),
        fc.integer({ min: 1, max: 70 }),
        // 0: every non-empty packet is larger than the input part (decoded alone); up to 3000: many per call.
        fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 200 }), fc.integer({ min: 200, max: 3000 })),
        // 0 and 16: spans of packets (and pcap record headers); 400: mostly gap, so copied record by record.
        fc.constantFrom(0, 16, 400),
        fc.boolean(),
        ([samples, order], rows, inputBytes, gap, checksums) => {
          setBackend('js');
          const js = everyForm(samples, gap, order, checksums);
          setBackend('wasm');
          setBatchLimitsForTests();
          const large = everyForm(samples, gap, order, checksums);
          setBatchLimitsForTests({ rows, inputBytes });
          const small = everyForm(samples, gap, order, checksums);
          expect(small).toEqual(large);
          expect(large).toEqual(js);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('a table reused across sub-batches holds what a fresh one does', () => {
    fc.assert(
      fc.property(fc.array(anyPacket, { minLength: 50, maxLength: 50 }), fc.integer({ min: 1, max: 9000 }), fc.integer({ min: 1, max: 9000 }), (pool, n, m) => {
        const batch = (count: number) => records(Array.from({ length: count }, (_, i) => pool[(i * 13) % pool.length]!));
        setBackend('js');
        const js = plain(decodeBatch(batch(m), { checksums: true }));
        setBackend('wasm');
        setBatchLimitsForTests({ rows: 1000, inputBytes: 20_000 });
        const previous = decodeBatch(batch(n));
        expect(plain(decodeBatch(batch(m), { checksums: true, reuse: previous }))).toEqual(js);
      }),
      { numRuns: 8 },
    );
  });
});

describe('nothing is read past a record', () => {
  it('a packet decodes the same alone as amid garbage', () => {
    fc.assert(
      fc.property(fc.array(anyPacket, { minLength: 1, maxLength: 20, size: 'max' }), fc.integer({ min: 1, max: 255 }), (samples, fill) => {
        for (const backend of ['js', 'wasm'] as const) {
          setBackend(backend);
          const packed = plain(decodeBatch(records(samples, 64, fill), { checksums: true }));
          // Each packet in a buffer of exactly its own length (and no neighbours at all).
          const alone = samples.map((s) => plain(decodeBatch(records([s]), { checksums: true })));
          for (let i = 0; i < samples.length; i++) {
            for (const name of COLUMNS) {
              // The IPv6 pool index counts IPv6 rows before this one: compare the addresses instead.
              if (name === 'ipv6Index') continue;
              expect(packed[name]![i], `${backend} ${name} of packet ${i}`).toBe(alone[i]![name]![0]);
            }
            const k = packed.ipv6Index![i]!;
            expect(k < 0 ? [] : packed.ipv6Addresses!.slice(k * 32, k * 32 + 32)).toEqual(alone[i]!.ipv6Addresses);
          }
        }
      }),
      { numRuns: 150 },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// table.row(i) against decodePacket(...).fields()

/**
 * Why a row may deliberately differ from decodePacket on a packet, or undefined when it must not.
 * Each is documented on decodeBatch / PacketTable.
 */
function deliberateDifference(fields: Record<string, FieldValue | FieldValue[]>, errors: readonly { code: string; layer: string }[]): string | undefined {
  // IPv4 options and IPv6 extension options are stepped over, not validated: decodePacket stops at a
  // malformed list, the batch goes on to TCP/UDP.
  if (errors.some((e) => e.code === 'bad-value' && (e.layer === 'ip' || e.layer === 'ipv6'))) return 'options not validated';
  // The batch caps VLAN tags at MAX_VLAN_TAGS; jumbograms are not supported.
  if (errors.some((e) => e.code === 'limit-exceeded')) return 'limits';
  if (fields['ipv6.plen'] === 0 || (Array.isArray(fields['ipv6.plen']) && fields['ipv6.plen'].includes(0))) return 'jumbogram';
  // ATM ARP has its own layout.
  if (fields['arp.hw.type'] === 19) return 'ATM ARP';
  return undefined;
}

/** Fields whose row value may differ for a documented reason on this packet. */
function exempt(name: string, fields: Record<string, FieldValue | FieldValue[]>): boolean {
  // An IPv4 source route under way: decodePacket shows the route's final destination as ip.dst
  // (the table holds the header's), and sums TCP/UDP over the header's destination where the batch,
  // like tshark, takes the final one (RFC 9293 section 3.1).
  if (fields['ip.cur_rt'] !== undefined && /^(ip\.(dst|addr|dst_host|host)|(tcp|udp)\.checksum\.status)$/.test(name)) return true;
  return false;
}

function compareRow(row: Record<string, FieldValue | FieldValue[]>, sample: Sample, checksums: boolean): void {
  const packet = decodePacket(sample.bytes, { linkType: sample.linkType, checksums: { ip: true, default: checksums } });
  const fields = packet.fields();
  const why = deliberateDifference(fields, packet.errors);
  if (why !== undefined) return;
  for (const [name, value] of Object.entries(row)) {
    if (exempt(name, fields)) continue;
    const want = fields[name];
    const where = `${name} in ${Buffer.from(sample.bytes).toString('hex')} (link ${sample.linkType}); decodePacket: ${packet.protocols}, errors ${packet.errors.map((e) => e.message).join('; ')}`;
    expect(want, where).toBeDefined();
    if (Array.isArray(value)) {
      // The table holds the outer two VLAN tags: a prefix of decodePacket's list.
      expect(Array.isArray(want) ? want.slice(0, value.length) : [want], where).toEqual(value);
    } else if (Array.isArray(want)) {
      // decodePacket walks further (an IP tunnel, the packet an ICMP error quotes) or shows a
      // repeated TCP option each time: the table holds one of those values.
      expect(want, where).toContain(value);
    } else {
      expect(value, where).toBe(want);
    }
  }
}

describe('table.row(i) equals decodePacket(bytes).fields() for every field the table holds', () => {
  for (const [name, arb] of [
    ['well-formed', wellFormed],
    ['mutated', mutated],
    ['any', anyPacket],
  ] as const) {
    it(`on ${name} packets`, () => {
      fc.assert(
        fc.property(fc.array(arb, { minLength: 1, maxLength: 20, size: 'max' }), fc.boolean(), (samples, checksums) => {
          setBackend('wasm');
          const table = decodeBatch(records(samples), { checksums });
          samples.forEach((s, i) => compareRow(table.row(i), s, checksums));
        }),
        { numRuns: 400 },
      );
    });
  }
});

describe('Linux cooked captures (tcpdump -i any) in the batch decoder', () => {
  it.each(['sll.pcap', 'sll2.pcap'])('%s: every row decodes past the cooked header and equals decodePacket', (name) => {
    const file = new Uint8Array(readFileSync(`test/fixtures/capture-real/${name}`));
    const samples = [...readCaptureSync(file)].map((r) => ({ bytes: r.data, linkType: r.linkType }));
    for (const backend of ['wasm', 'js'] as const) {
      setBackend(backend);
      const table = decodeBatch(records(samples));
      let tcp = 0;
      for (let i = 0; i < table.count; i++) {
        expect(table.status[i]).toBe(0);
        expect(table.l3Offset[i]).toBe(name === 'sll.pcap' ? 16 : 20);
        if (table.layers[i]! & BatchLayer.TCP) tcp++;
        compareRow(table.row(i), samples[i]!, false);
      }
      expect(tcp).toBe(samples.filter((s) => decodePacket(s.bytes, { linkType: s.linkType }).layer('tcp') !== undefined && decodePacket(s.bytes, { linkType: s.linkType }).layer('icmp') === undefined && decodePacket(s.bytes, { linkType: s.linkType }).layer('icmpv6') === undefined).length);
      expect(tcp).toBeGreaterThan(0);
    }
    setBackend('auto');
  });
});
