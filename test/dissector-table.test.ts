// Dissector tables resolve values to protocols through 256-entry chunks for values below 65536 and a
// Map for the rest (src/dissect.ts, ResolvedTable): values at chunk edges, chunks left unbound
// between bound ones, and values no chunk can hold must all find what registerProtocol bound.
import { describe, expect, it } from 'vitest';
import { decodePacket, dissectorFor, registerProtocol } from '../src/dissect.js';
import type { Protocol } from '../src/packet/protocol.js';

const probe = (name: string): Protocol<{ kind: number }> => ({
  name,
  decode: ({ bytes, offset }) => ({ header: { kind: bytes[offset]! }, headerLength: 1 }),
  fields: (h, out) => out.add(`${name}.kind`, h.kind),
});

/** IPv4/UDP from port `sport` to port `dport`, one byte of payload. */
function udpTo(sport: number, dport: number): Uint8Array {
  return new Uint8Array([0x45, 0, 0, 29, 0, 1, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2, sport >> 8, sport & 255, dport >> 8, dport & 255, 0, 9, 0, 0, 42]);
}

const names = (bytes: Uint8Array, linkType: number | 'raw' = 'raw') => decodePacket(bytes, { linkType, checksums: false }).layers.map((l) => l.name);

describe('dissector tables', () => {
  it('find values at the edges of their chunks and skip unbound chunks between bound ones', () => {
    registerProtocol(probe('edge0'), [{ table: 'udp.port', value: 1 }]);
    registerProtocol(probe('edge255'), [{ table: 'udp.port', value: 255 }]);
    registerProtocol(probe('edge256'), [{ table: 'udp.port', value: 256 }]);
    registerProtocol(probe('edgemax'), [{ table: 'udp.port', value: 65535 }]);
    // tshark's order: the lower port first, then the higher.
    expect(names(udpTo(40000, 1))).toEqual(['ip', 'udp', 'edge0']);
    expect(names(udpTo(40000, 255))).toEqual(['ip', 'udp', 'edge255']);
    expect(names(udpTo(256, 40000))).toEqual(['ip', 'udp', 'edge256']);
    expect(names(udpTo(65535, 65534))).toEqual(['ip', 'udp', 'edgemax']);
    // Unbound values: in a bound chunk, in an unbound chunk between bound ones, next to a bound one.
    for (const port of [2, 254, 257, 300, 512, 1279, 40000, 65534]) expect(names(udpTo(port, port))).toEqual(['ip', 'udp']);
    expect(dissectorFor('udp.port', 256)).toBe('edge256');
    expect(dissectorFor('udp.port', 257)).toBeUndefined();
  });

  it('find values beyond 16 bits (link types) and rebind a value to a later protocol', () => {
    registerProtocol(probe('biglink'), [{ table: 'linktype', value: 70000 }]);
    const one = new Uint8Array([7]);
    const p = decodePacket(one, { linkType: 70000 });
    expect(p.layers.map((l) => l.name)).toEqual(['biglink']);
    expect(p.fields()['biglink.kind']).toBe(7);
    // 70000 - 65536 = 4464 must not alias to a value below 65536.
    expect(decodePacket(one, { linkType: 4464 }).layers).toEqual([]);
    registerProtocol(probe('rebound'), [{ table: 'udp.port', value: 255 }]);
    expect(names(udpTo(40000, 255))).toEqual(['ip', 'udp', 'rebound']);
  });
});
