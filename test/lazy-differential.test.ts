// The lazy path (each protocol's `scan`, headers built on first access) must agree exactly with
// the eager path (`decode` for every layer): same layers, same errors, same headers, same fields,
// on every fixture packet and on mutated ones.
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { decodePacket } from '../src/dissect.js';
import { WireError } from '../src/errors.js';
import type { Packet } from '../src/packet/packet.js';
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
