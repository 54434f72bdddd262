// HPACK (RFC 7541) against every example of appendix C (C.2 to C.6: each block decoded in order
// with its dynamic table, and encoded back to the same bytes, with and without Huffman), the
// integer examples of C.1, Huffman round trips, table eviction and size updates, and the bounds.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WireError } from '../src/errors.js';
import {
  HPACK_STATIC_TABLE,
  HpackDecoder,
  HpackDynamicTable,
  HpackEncoder,
  decodeHpackInteger,
  encodeHpackInteger,
  huffmanDecode,
  huffmanEncode,
  hpackRepresentationName,
} from '../src/application/hpack.js';

const hex = (s: string) => Uint8Array.from(Buffer.from(s.replace(/\s/g, ''), 'hex'));
const toHex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const latin1 = (s: string) => Uint8Array.from(Buffer.from(s, 'latin1'));

// RFC 7541 appendix C: each block's bytes, the header list it carries, and the dynamic table
// after it (newest first) with its size.
const VECTORS: Record<string, { hex: string; headers: [string, string][]; tableSize: number; table: [string, string][] }[]> = {
  'C.2.1': [
    { hex: '400a637573746f6d2d6b65790d637573746f6d2d686561646572', headers: [["custom-key", "custom-header"]], tableSize: 55, table: [["custom-key", "custom-header"]] },
  ],
  'C.2.2': [
    { hex: '040c2f73616d706c652f70617468', headers: [[":path", "/sample/path"]], tableSize: 0, table: [] },
  ],
  'C.2.3': [
    { hex: '100870617373776f726406736563726574', headers: [["password", "secret"]], tableSize: 0, table: [] },
  ],
  'C.2.4': [
    { hex: '82', headers: [[":method", "GET"]], tableSize: 0, table: [] },
  ],
  'C.3': [
    { hex: '828684410f7777772e6578616d706c652e636f6d', headers: [[":method", "GET"], [":scheme", "http"], [":path", "/"], [":authority", "www.example.com"]], tableSize: 57, table: [[":authority", "www.example.com"]] },
    { hex: '828684be58086e6f2d6361636865', headers: [[":method", "GET"], [":scheme", "http"], [":path", "/"], [":authority", "www.example.com"], ["cache-control", "no-cache"]], tableSize: 110, table: [["cache-control", "no-cache"], [":authority", "www.example.com"]] },
    { hex: '828785bf400a637573746f6d2d6b65790c637573746f6d2d76616c7565', headers: [[":method", "GET"], [":scheme", "https"], [":path", "/index.html"], [":authority", "www.example.com"], ["custom-key", "custom-value"]], tableSize: 164, table: [["custom-key", "custom-value"], ["cache-control", "no-cache"], [":authority", "www.example.com"]] },
  ],
  'C.4': [
    { hex: '828684418cf1e3c2e5f23a6ba0ab90f4ff', headers: [[":method", "GET"], [":scheme", "http"], [":path", "/"], [":authority", "www.example.com"]], tableSize: 57, table: [[":authority", "www.example.com"]] },
    { hex: '828684be5886a8eb10649cbf', headers: [[":method", "GET"], [":scheme", "http"], [":path", "/"], [":authority", "www.example.com"], ["cache-control", "no-cache"]], tableSize: 110, table: [["cache-control", "no-cache"], [":authority", "www.example.com"]] },
    { hex: '828785bf408825a849e95ba97d7f8925a849e95bb8e8b4bf', headers: [[":method", "GET"], [":scheme", "https"], [":path", "/index.html"], [":authority", "www.example.com"], ["custom-key", "custom-value"]], tableSize: 164, table: [["custom-key", "custom-value"], ["cache-control", "no-cache"], [":authority", "www.example.com"]] },
  ],
  'C.5': [
    { hex: '4803333032580770726976617465611d4d6f6e2c203231204f637420323031332032303a31333a323120474d546e1768747470733a2f2f7777772e6578616d706c652e636f6d', headers: [[":status", "302"], ["cache-control", "private"], ["date", "Mon, 21 Oct 2013 20:13:21 GMT"], ["location", "https://www.example.com"]], tableSize: 222, table: [["location", "https://www.example.com"], ["date", "Mon, 21 Oct 2013 20:13:21 GMT"], ["cache-control", "private"], [":status", "302"]] },
    { hex: '4803333037c1c0bf', headers: [[":status", "307"], ["cache-control", "private"], ["date", "Mon, 21 Oct 2013 20:13:21 GMT"], ["location", "https://www.example.com"]], tableSize: 222, table: [[":status", "307"], ["location", "https://www.example.com"], ["date", "Mon, 21 Oct 2013 20:13:21 GMT"], ["cache-control", "private"]] },
    { hex: '88c1611d4d6f6e2c203231204f637420323031332032303a31333a323220474d54c05a04677a69707738666f6f3d4153444a4b48514b425a584f5157454f50495541585157454f49553b206d61782d6167653d333630303b2076657273696f6e3d31', headers: [[":status", "200"], ["cache-control", "private"], ["date", "Mon, 21 Oct 2013 20:13:22 GMT"], ["location", "https://www.example.com"], ["content-encoding", "gzip"], ["set-cookie", "foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1"]], tableSize: 215, table: [["set-cookie", "foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1"], ["content-encoding", "gzip"], ["date", "Mon, 21 Oct 2013 20:13:22 GMT"]] },
  ],
  'C.6': [
    { hex: '488264025885aec3771a4b6196d07abe941054d444a8200595040b8166e082a62d1bff6e919d29ad171863c78f0b97c8e9ae82ae43d3', headers: [[":status", "302"], ["cache-control", "private"], ["date", "Mon, 21 Oct 2013 20:13:21 GMT"], ["location", "https://www.example.com"]], tableSize: 222, table: [["location", "https://www.example.com"], ["date", "Mon, 21 Oct 2013 20:13:21 GMT"], ["cache-control", "private"], [":status", "302"]] },
    { hex: '4883640effc1c0bf', headers: [[":status", "307"], ["cache-control", "private"], ["date", "Mon, 21 Oct 2013 20:13:21 GMT"], ["location", "https://www.example.com"]], tableSize: 222, table: [[":status", "307"], ["location", "https://www.example.com"], ["date", "Mon, 21 Oct 2013 20:13:21 GMT"], ["cache-control", "private"]] },
    { hex: '88c16196d07abe941054d444a8200595040b8166e084a62d1bffc05a839bd9ab77ad94e7821dd7f2e6c7b335dfdfcd5b3960d5af27087f3672c1ab270fb5291f9587316065c003ed4ee5b1063d5007', headers: [[":status", "200"], ["cache-control", "private"], ["date", "Mon, 21 Oct 2013 20:13:22 GMT"], ["location", "https://www.example.com"], ["content-encoding", "gzip"], ["set-cookie", "foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1"]], tableSize: 215, table: [["set-cookie", "foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1"], ["content-encoding", "gzip"], ["date", "Mon, 21 Oct 2013 20:13:22 GMT"]] },
  ],
};

describe('HPACK: RFC 7541 appendix C', () => {
  it('C.1: integers with a prefix', () => {
    const out: number[] = [];
    encodeHpackInteger(10, 5, 0, out);
    expect(out).toEqual([0x0a]);
    out.length = 0;
    encodeHpackInteger(1337, 5, 0, out);
    expect(out).toEqual([0x1f, 0x9a, 0x0a]);
    out.length = 0;
    encodeHpackInteger(42, 8, 0, out);
    expect(out).toEqual([0x2a]);
    expect(decodeHpackInteger(Uint8Array.from([0xff, 0x1f, 0x9a, 0x0a]), 1, 5)).toEqual([1337, 4]);
    expect(decodeHpackInteger(Uint8Array.from([0x0a]), 0, 5)).toEqual([10, 1]);
  });

  for (const [name, blocks] of Object.entries(VECTORS)) {
    const tableSize = name === 'C.5' || name === 'C.6' ? 256 : 4096;
    it(`${name}: decodes each block in order, the dynamic table as the RFC shows it`, () => {
      const d = new HpackDecoder({ maxTableSize: tableSize });
      // C.5 and C.6 use a 256-byte table the encoder chose without a size update in the block.
      d.table.setMaxSize(tableSize);
      for (const b of blocks) {
        const got = d.decode(hex(b.hex));
        expect(got.fields.map((f) => [f.name, f.value])).toEqual(b.headers);
        expect(d.table.size).toBe(b.tableSize);
        expect(d.table.entries()).toEqual(b.table);
        expect(got.headerListSize).toBe(b.headers.reduce((n, [k, v]) => n + k.length + v.length + 32, 0));
      }
    });
    if (name.startsWith('C.2')) continue;
    it(`${name}: the encoder gives the same bytes`, () => {
      const e = new HpackEncoder({ maxTableSize: tableSize, huffman: name === 'C.4' || name === 'C.6' ? 'always' : 'never' });
      for (const b of blocks) {
        expect(toHex(e.encode(b.headers.map(([n, v]) => ({ name: n, value: v }))))).toBe(b.hex);
        expect(e.table.size).toBe(b.tableSize);
      }
    });
  }

  it('C.2: the encoder gives each single representation', () => {
    expect(toHex(new HpackEncoder({ huffman: 'never' }).encode([{ name: 'custom-key', value: 'custom-header' }]))).toBe(VECTORS['C.2.1']![0]!.hex);
    expect(toHex(new HpackEncoder({ huffman: 'never' }).encode([{ name: ':path', value: '/sample/path', noIndex: true }]))).toBe(VECTORS['C.2.2']![0]!.hex);
    expect(toHex(new HpackEncoder({ huffman: 'never' }).encode([{ name: 'password', value: 'secret', sensitive: true }]))).toBe(VECTORS['C.2.3']![0]!.hex);
    expect(toHex(new HpackEncoder().encode([{ name: ':method', value: 'GET' }]))).toBe('82');
  });

  it('names the representations as tshark does and gives indexes', () => {
    const d = new HpackDecoder();
    const f = [...d.decode(hex(VECTORS['C.2.1']![0]!.hex)).fields, ...d.decode(hex(VECTORS['C.2.2']![0]!.hex)).fields, ...d.decode(hex(VECTORS['C.2.3']![0]!.hex)).fields, ...d.decode(hex('82be')).fields];
    expect(f.map((x) => [x.representation, x.index])).toEqual([
      ['incremental-new-name', undefined],
      ['without-indexed-name', 4],
      ['never-new-name', undefined],
      ['indexed', 2],
      ['indexed', 62],
    ]);
    expect(hpackRepresentationName('never-indexed-name')).toBe('Literal Header Field never Indexed - Indexed Name');
    expect(f.map((x) => [x.start, x.end])).toEqual([[0, 26], [0, 14], [0, 17], [0, 1], [1, 2]]);
  });
});

describe('HPACK: Huffman code', () => {
  it('codes the RFC strings', () => {
    expect(toHex(huffmanEncode(latin1('www.example.com')))).toBe('f1e3c2e5f23a6ba0ab90f4ff');
    expect(toHex(huffmanEncode(latin1('no-cache')))).toBe('a8eb10649cbf');
    expect(toHex(huffmanEncode(latin1('custom-key')))).toBe('25a849e95ba97d7f');
    expect(Buffer.from(huffmanDecode(hex('6402'))).toString('latin1')).toBe('302');
  });

  it('round trips any octets', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        expect(huffmanDecode(huffmanEncode(bytes))).toEqual(bytes);
      }),
      { numRuns: 300 },
    );
  });

  it('rejects EOS in a string, long padding, padding that is not ones', () => {
    // EOS is 30 ones: four 0xff bytes hold it.
    expect(() => huffmanDecode(hex('ffffffff'))).toThrow(WireError);
    // '0' is 00000 (5 bits): 0x00 leaves 3 zero bits of padding.
    expect(() => huffmanDecode(hex('00'))).toThrow(/padding that is not the EOS prefix/);
    // A whole byte of ones after a complete symbol is 8 bits of padding.
    expect(() => huffmanDecode(hex('07ff'))).toThrow(/more than 7/);
    expect(Buffer.from(huffmanDecode(hex('07'))).toString()).toBe('0');
  });

  it('never throws anything but WireError on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        try {
          huffmanDecode(bytes);
        } catch (e) {
          expect(e).toBeInstanceOf(WireError);
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('HPACK: dynamic table and bounds', () => {
  it('has the 61 static entries of appendix A', () => {
    expect(HPACK_STATIC_TABLE).toHaveLength(61);
    expect(HPACK_STATIC_TABLE[0]).toEqual([':authority', '']);
    expect(HPACK_STATIC_TABLE[60]).toEqual(['www-authenticate', '']);
  });

  it('evicts the oldest entries and empties on an entry larger than the table', () => {
    const t = new HpackDynamicTable(100);
    t.add('a', '1'); // 34
    t.add('b', '2'); // 68
    t.add('c', '3'); // 102 > 100: 'a' goes
    expect(t.entries()).toEqual([['c', '3'], ['b', '2']]);
    t.add('x'.repeat(80), ''); // 112 > 100: everything goes, nothing added
    expect(t.length).toBe(0);
    expect(t.size).toBe(0);
    for (let i = 0; i < 50; i++) t.add(`k${i}`, 'v');
    expect(t.get(0)).toEqual(['k49', 'v']);
    expect(t.size).toBeLessThanOrEqual(100);
  });

  it('takes size updates at the start of a block only, within the allowed size', () => {
    const d = new HpackDecoder({ maxTableSize: 4096 });
    d.decode(hex('400a637573746f6d2d6b65790d637573746f6d2d686561646572'));
    expect(d.table.length).toBe(1);
    const b = d.decode(hex('20 3fe11f 82')); // 0, then 4096
    expect(b.sizeUpdates.map((u) => u.size)).toEqual([0, 4096]);
    expect(d.table.length).toBe(0);
    expect(() => new HpackDecoder().decode(hex('82 20'))).toThrow(/after a header field/);
    expect(() => new HpackDecoder({ maxTableSize: 256 }).decode(hex('3fe11f'))).toThrow(/exceeds the 256 allowed/);
    const e = new HpackEncoder();
    e.setMaxTableSize(0);
    e.setMaxTableSize(256);
    const block = e.encode([{ name: 'x', value: 'y' }]);
    const d2 = new HpackDecoder();
    expect(d2.decode(block).sizeUpdates.map((u) => u.size)).toEqual([0, 256]);
    expect(d2.table.maxSize).toBe(256);
  });

  it('takes a lowered setting as the limit for size updates, the table shrinking only with one', () => {
    const e = new HpackEncoder();
    const d = new HpackDecoder();
    d.decode(e.encode([{ name: 'x-a', value: '1' }]));
    d.setMaxTableSize(0);
    // A block written before the encoder saw the setting still refers to its table.
    expect(d.decode(e.encode([{ name: 'x-a', value: '1' }])).fields[0]!.representation).toBe('indexed');
    e.setMaxTableSize(0);
    d.decode(e.encode([{ name: 'x-a', value: '1' }]));
    expect([d.table.maxSize, d.table.length]).toEqual([0, 0]);
    expect(() => d.decode(Uint8Array.from([0x21]))).toThrow(/exceeds the 0 allowed/);
  });

  it('bounds the header list and rejects bad indexes with offsets', () => {
    const e = new HpackEncoder();
    const big = e.encode([{ name: 'x-big', value: 'v'.repeat(2000) }]);
    expect(() => new HpackDecoder({ maxHeaderListSize: 1000 }).decode(big)).toThrow(expect.objectContaining({ code: 'limit-exceeded', layer: 'hpack' }));
    expect(() => new HpackDecoder().decode(hex('80'), 100)).toThrow(expect.objectContaining({ code: 'bad-value', offset: 100 }));
    expect(() => new HpackDecoder().decode(hex('82 be'), 10)).toThrow(expect.objectContaining({ code: 'bad-value', offset: 11 }));
    expect(() => new HpackDecoder().decode(hex('400a6375'))).toThrow(expect.objectContaining({ code: 'truncated' }));
    expect(() => new HpackDecoder().decode(hex('ffffffffff0f'))).toThrow(expect.objectContaining({ code: 'limit-exceeded' }));
  });

  it('round trips random header lists through one encoder and one decoder, any Huffman choice', () => {
    const field = fc.record({
      name: fc.constantFrom(':method', ':path', 'content-type', 'x-a', 'x-b', 'set-cookie', 'cookie'),
      value: fc.string({ maxLength: 40 }).map((s) => s.replace(/[^\x00-\xff]/g, '?')),
      sensitive: fc.boolean(),
      noIndex: fc.boolean(),
    });
    fc.assert(
      fc.property(fc.array(fc.array(field, { maxLength: 12 }), { maxLength: 8 }), fc.constantFrom('auto', 'always', 'never' as const), fc.integer({ min: 0, max: 600 }), (lists, huffman, size) => {
        const e = new HpackEncoder({ huffman });
        e.setMaxTableSize(size);
        const d = new HpackDecoder();
        for (const list of lists) {
          const got = d.decode(e.encode(list)).fields;
          expect(got.map((f) => [f.name, f.value])).toEqual(list.map((f) => [f.name, f.value]));
          list.forEach((f, i) => {
            if (f.sensitive) expect(got[i]!.representation.startsWith('never')).toBe(true);
          });
          expect(d.table.entries()).toEqual(e.table.entries());
        }
      }),
      { numRuns: 200 },
    );
  });

  it('only ever throws WireError on random and mutated blocks', () => {
    const good = hex(VECTORS['C.6']![2]!.hex);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }), (random, edits) => {
        for (const bytes of [random, (() => {
          const m = good.slice();
          for (const [at, v] of edits) m[at % m.length] = v;
          return m;
        })()]) {
          try {
            new HpackDecoder({ maxTableSize: 256 }).decode(bytes);
          } catch (e) {
            expect(e).toBeInstanceOf(WireError);
          }
        }
      }),
      { numRuns: 500 },
    );
  });
});
