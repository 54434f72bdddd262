// The lazy path (each protocol's `scan`, headers built on first access) must agree exactly with
// the eager path (`decode` for every layer): same layers, same errors, same headers, same fields,
// on every fixture packet and on mutated ones.
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decodePacket, protocolNamed, registerProtocol, setCommonWalkForTests } from '../src/dissect.js';
import { encodeFrame } from '../src/encode.js';
import { WireError } from '../src/errors.js';
import type { ChecksumPolicy } from '../src/packet/checksum-policy.js';
import type { Packet } from '../src/packet/packet.js';
import type { DecodeOptions } from '../src/packet/protocol.js';
import { anyPacket, type Sample } from './fixtures/batch/arbitraries.js';
import { readPcapFile } from './util/pcap.js';

const dir = fileURLToPath(new URL('./fixtures/wire/', import.meta.url));
const seeds = readdirSync(dir)
  .filter((f) => f.endsWith('.pcap'))
  .sort()
  .flatMap((f) => readPcapFile(dir + f));

function snapshot(run: () => Packet): string {
  try {
    const p = run();
    return JSON.stringify({
      layers: p.layers.map((l) => [l.name, l.offset, l.length, l.payloadOffset, l.payloadLength, l.header]),
      errors: p.errors.map((e) => [e.code, e.layer, e.offset, e.required, e.available, e.message]),
      fields: p.fields(),
      payload: [p.payload.byteOffset, p.payload.length],
      trailer: [p.trailer.byteOffset, p.trailer.length],
    });
  } catch (e) {
    if (!(e instanceof WireError)) throw e;
    return `throws ${e.code} ${e.layer} ${e.offset} ${e.message}`;
  }
}

function mutate(p: Uint8Array, seed: number): Uint8Array {
  let x = seed | 1;
  const rand = (n: number) => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) % n;
  };
  const q = p.slice(0, rand(4) === 0 ? rand(p.length + 1) : p.length);
  for (let k = 0, n = 1 + rand(4); k < n && q.length; k++) {
    const at = rand(q.length);
    q[at] = rand(3) === 0 ? [0, 1, 0xff, 0x45, 0x4f, 0x50, 0xf0][rand(7)]! : q[at]! ^ (1 << rand(8));
  }
  return q;
}

describe('lazy decoding agrees with eager decoding', () => {
  it('on every fixture packet, lenient and strict', () => {
    for (const r of seeds) {
      for (const strict of [false, true]) {
        const lazy = snapshot(() => decodePacket(r.data, { linkType: r.linkType, strict }));
        const eager = snapshot(() => decodePacket(r.data, { linkType: r.linkType, strict, lazy: false }));
        expect(lazy, Buffer.from(r.data).toString('hex')).toBe(eager);
      }
    }
  });

  it('on 30,000 mutated packets', () => {
    for (let i = 0; i < 30_000; i++) {
      const r = seeds[i % seeds.length]!;
      const p = mutate(r.data, i * 2654435761);
      const lazy = snapshot(() => decodePacket(p, { linkType: r.linkType }));
      const eager = snapshot(() => decodePacket(p, { linkType: r.linkType, lazy: false }));
      if (lazy !== eager) expect(lazy, Buffer.from(p).toString('hex')).toBe(eager);
    }
  });
});

// decodePacket takes well-formed Ethernet, tag, IPv4, IPv6, UDP and TCP layers through a walk of
// its own (src/dissect-walk.ts) before the protocols' scans: it must change nothing at all.
describe('the common walk agrees with the protocols’ scans', () => {
  const policies: ChecksumPolicy[] = [true, false, { tcp: false }, { default: false, udp: true, ip: true }, { vlan: false, ipv6: false }];
  const both = (s: Sample, options: DecodeOptions): [string, string] => {
    setCommonWalkForTests(false);
    try {
      const scans = snapshot(() => decodePacket(s.bytes, { ...options, linkType: s.linkType }));
      setCommonWalkForTests(true);
      return [snapshot(() => decodePacket(s.bytes, { ...options, linkType: s.linkType })), scans];
    } finally {
      setCommonWalkForTests(true);
    }
  };

  it('on random well-formed, mutated and noise packets, every checksum policy, lenient and strict', () => {
    fc.assert(
      fc.property(anyPacket, fc.constantFrom(...policies), fc.boolean(), (s, checksums, strict) => {
        const [walk, scans] = both(s, { checksums, strict });
        expect(walk, Buffer.from(s.bytes).toString('hex')).toBe(scans);
      }),
      { numRuns: 6000, endOnFailure: true },
    );
  });

  it('on every fixture packet', () => {
    for (const r of seeds) {
      const [walk, scans] = both({ bytes: r.data, linkType: r.linkType }, {});
      expect(walk, Buffer.from(r.data).toString('hex')).toBe(scans);
    }
  });

  it('hands a layer to a protocol registered over a built-in one, and to one bound to a port', () => {
    const frame = encodeFrame([{ eth: { src: '02:00:00:00:00:01', dst: '02:00:00:00:00:02' } }, { ip: { src: '10.0.0.1', dst: '10.0.0.2' } }, { udp: { srcport: 40000, dstport: 47999 } }], new Uint8Array([7, 1, 2, 3]));
    expect(decodePacket(frame).protocols).toBe('eth:ip:udp');
    const kinds: number[] = [];
    registerProtocol({ name: 'walktest', decode: ({ bytes, offset }) => ({ header: { kind: bytes[offset]! }, headerLength: 1 }), fields: (h: { kind: number }, out) => (kinds.push(h.kind), out.add('walktest.kind', h.kind)) }, [{ table: 'udp.port', value: 47999 }]);
    const p = decodePacket(frame);
    expect(p.protocols).toBe('eth:ip:udp:walktest');
    expect(p.fields()['walktest.kind']).toBe(7);
    // A protocol of the same name replaces the built-in one: the walk must not take its layers.
    const builtIn = protocolNamed('udp')!;
    try {
      registerProtocol({ ...builtIn, scan: undefined, decode: (ctx) => ({ ...builtIn.decode(ctx), header: { mine: true } }) });
      const q = decodePacket(frame);
      expect(q.protocols).toBe('eth:ip:udp:walktest');
      expect(q.layer('udp')!.header).toEqual({ mine: true });
    } finally {
      registerProtocol(builtIn);
    }
    expect(decodePacket(frame).layer('udp')!.header).toMatchObject({ srcport: 40000, dstport: 47999 });
  });
});
