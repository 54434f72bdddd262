// FieldSink builds its map from lists of names and values, with an object literal compiled per
// sequence of names (src/packet/fields.ts): the map must be what adding the fields one by one to
// an object gives (same keys, same order, repeated names as arrays), whatever the interleaving of
// sinks, with or without compiled literals.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { decodePacket, registerProtocol } from '../src/dissect.js';
import { FieldSink, setFieldLiteralsForTests, type FieldMap, type FieldValue } from '../src/packet/fields.js';
import { readPcapFile } from './util/pcap.js';

/** The map built the plain way: one keyed store per field. */
function reference(adds: readonly [string, FieldValue][]): FieldMap {
  const map: FieldMap = {};
  for (const [name, value] of adds) {
    const prev = Object.hasOwn(map, name) ? map[name] : undefined;
    if (prev === undefined) map[name] = value;
    else if (Array.isArray(prev)) prev.push(value);
    else map[name] = [prev, value];
  }
  return map;
}

const shown = (m: FieldMap) => JSON.stringify(Object.entries(m));

const name = fc.constantFrom('eth.src', 'eth.addr', 'ip.ttl', 'ip.addr', 'tcp.flags.syn', 'x.y', 'a"b', 'sp ace', 'π.unicode', 'tcp.options.mss_val', 'constructor', 'toString');
const value = fc.oneof(fc.integer(), fc.string({ maxLength: 4 }));
const add = fc.tuple(name, value);

describe('FieldSink', () => {
  for (const literals of [true, false]) {
    it(`gives the plain map on random adds, two sinks interleaved (${literals ? 'compiled literals' : 'field by field'})`, () => {
      setFieldLiteralsForTests(literals);
      try {
        fc.assert(
          fc.property(fc.array(fc.tuple(fc.boolean(), add), { maxLength: 40, size: 'max' }), fc.nat(40), (steps, readAt) => {
            const sinks = [new FieldSink(), new FieldSink()];
            const adds: [string, FieldValue][][] = [[], []];
            steps.forEach(([second, [n, v]], i) => {
              // A sink's map may be read midway: later adds go into that object.
              if (i === readAt) void sinks[0]!.map;
              sinks[second ? 1 : 0]!.add(n, v);
              adds[second ? 1 : 0]!.push([n, v]);
            });
            expect(shown(sinks[0]!.map)).toBe(shown(reference(adds[0]!)));
            expect(shown(sinks[1]!.map)).toBe(shown(reference(adds[1]!)));
          }),
          { numRuns: 1500, endOnFailure: true },
        );
      } finally {
        setFieldLiteralsForTests(true);
      }
    });
  }

  it('gives every fixture packet the same fields() with and without compiled literals, twice over (the second from the cache)', () => {
    const dir = fileURLToPath(new URL('./fixtures/wire/', import.meta.url));
    const records = readdirSync(dir).filter((f) => f.endsWith('.pcap')).sort().flatMap((f) => readPcapFile(dir + f));
    const fields = (compiled: boolean) => {
      setFieldLiteralsForTests(compiled);
      try {
        return records.map((r) => shown(decodePacket(r.data, { linkType: r.linkType }).fields()));
      } finally {
        setFieldLiteralsForTests(true);
      }
    };
    const plain = fields(false);
    expect(fields(true)).toEqual(plain);
    expect(fields(true)).toEqual(plain);
    expect(records.length).toBeGreaterThan(50);
  });

  it("keeps a packet's fields whole when a protocol's fields decode another packet", () => {
    const inner = decodePacket(new Uint8Array([0x45, 0, 0, 28, 0, 1, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2, 0, 53, 0, 53, 0, 8, 0, 0]), { linkType: 'raw' });
    registerProtocol(
      {
        name: 'nesttest',
        decode: ({ bytes, offset }) => ({ header: { kind: bytes[offset]! }, headerLength: 1 }),
        fields: (h: { kind: number }, out) => {
          out.add('nesttest.kind', h.kind);
          // Another packet's fields, built while this packet's sink is half full.
          const other = decodePacket(inner.bytes, { linkType: 'raw' }).fields();
          out.add('nesttest.ttl', other['ip.ttl'] as number);
          out.add('nesttest.kind', h.kind + 1);
        },
      },
      [{ table: 'udp.port', value: 47998 }],
    );
    const outer = new Uint8Array([0x45, 0, 0, 31, 0, 2, 0, 0, 32, 17, 0, 0, 10, 0, 0, 3, 10, 0, 0, 4, 0xbb, 0x7e, 0xbb, 0x7e, 0, 11, 0, 0, 7, 8, 9]);
    const f = decodePacket(outer, { linkType: 'raw', checksums: false }).fields();
    expect(f['ip.ttl']).toBe(32);
    expect(f['ip.addr']).toEqual(['10.0.0.3', '10.0.0.4']);
    expect(f['nesttest.kind']).toEqual([7, 8]);
    expect(f['nesttest.ttl']).toBe(64);
  });
});
