// Fuzzing every decoder through decodePacket: seeds are all committed wire fixtures; mutations are
// bit flips, truncations, length-field lies, random byte runs and splices. Properties:
// - lenient decoding never throws, strict decoding throws nothing but WireError;
// - no error is 'internal' (a decoder bug caught by the safety net);
// - every layer and payload lies inside the packet, and no field is NaN or undefined (a read past
//   the end of a Uint8Array yields undefined and then NaN);
// - decoding does not read past the packet's view: the same bytes placed before two different
//   garbage tails in their ArrayBuffers decode identically.
// FUZZ_COUNT sets the number of mutated packets (CI default below; `FUZZ_COUNT=1000000 npx vitest
// run --project node test/fuzz` for the full local run).
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { decodePacket } from '../src/dissect.js';
import { WireError } from '../src/errors.js';
import type { Packet } from '../src/packet/packet.js';
import { readPcapFile, type TestRecord } from './util/pcap.js';

const COUNT = Number(process.env.FUZZ_COUNT ?? 150_000);
const fixtures = fileURLToPath(new URL('./fixtures/wire/', import.meta.url));

/** Captures of the CLI's fixtures that hold link types the wire fixtures do not (Token Ring, FDDI, Prism, AVS, ATM, frame relay, IP/FC, ipnet, CAN). */
const cliFixtures = fileURLToPath(new URL('./fixtures/cli/', import.meta.url));
const CLI_SEEDS = ['lan-tr.pcap', 'lan-fddi.pcap', 'lan-prism.pcap', 'lan-avs.pcap', 'llc-control.pcap', 'atm-rfc1483.pcap', 'clip.pcap', 'frelay.pcap', 'ipfc.pcap', 'ipnet.pcap', 'can.pcap', 'can-sll2.pcap', 'ppp-ether.pcap', 'ip1394.pcap'];

function seeds(): TestRecord[] {
  return [
    ...readdirSync(fixtures)
      .filter((f) => f.endsWith('.pcap'))
      .sort()
      .map((f) => fixtures + f),
    ...CLI_SEEDS.map((f) => cliFixtures + f),
  ].flatMap((f) => readPcapFile(f));
}

/** xorshift32: fast, deterministic, good enough to pick mutations. */
function rng(seed: number) {
  let x = seed | 1;
  return (n: number) => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) % n;
  };
}

function mutate(seed: Uint8Array, rand: (n: number) => number): Uint8Array {
  let p = seed.slice();
  const rounds = 1 + rand(4);
  for (let r = 0; r < rounds; r++) {
    switch (rand(7)) {
      case 0: // bit flips
        for (let k = 0, n = 1 + rand(8); k < n && p.length; k++) p[rand(p.length)]! ^= 1 << rand(8);
        break;
      case 1: // truncation
        p = p.slice(0, rand(p.length + 1));
        break;
      case 2: // a 16-bit field (a length, a count) set to an interesting value
        if (p.length >= 2) {
          const at = rand(p.length - 1);
          const v = [0, 1, 0xffff, 0x8000, p.length, p.length - at, rand(0x10000), 20, 40, 60][rand(10)]!;
          p[at] = v >>> 8;
          p[at + 1] = v;
        }
        break;
      case 3: // an 8-bit field (IHL, option length, data offset, ext header length)
        if (p.length) p[rand(p.length)] = [0, 1, 2, 0x0f, 0x4f, 0x45, 0xf0, 0xff, rand(256)][rand(9)]!;
        break;
      case 4: // a run of random bytes (option-list garbage)
        if (p.length) {
          const at = rand(p.length);
          for (let k = at, end = Math.min(p.length, at + 1 + rand(16)); k < end; k++) p[k] = rand(256);
        }
        break;
      case 5: {
        // duplicate a slice (stacked headers)
        const at = rand(p.length + 1);
        const len = rand(Math.min(64, p.length - at) + 1);
        const q = new Uint8Array(p.length + len);
        q.set(p.subarray(0, at + len));
        q.set(p.subarray(at), at + len);
        p = q;
        break;
      }
      default: {
        // extend with random bytes
        const q = new Uint8Array(p.length + 1 + rand(64));
        q.set(p);
        for (let k = p.length; k < q.length; k++) q[k] = rand(256);
        p = q;
      }
    }
  }
  return p;
}

/** The packet's bytes at the start of a buffer whose remaining bytes are `fill`. */
function placed(p: Uint8Array, fill: number): Uint8Array {
  const backing = new Uint8Array(p.length + 256).fill(fill);
  backing.set(p);
  return backing.subarray(0, p.length);
}

/** Plain checks (expect() per field would dominate the run time); throws on the first violation. */
function checkPacket(packet: Packet, length: number, input: Uint8Array): void {
  const fail = (why: string) => {
    throw new Error(`${why} in packet ${Buffer.from(input).toString('hex')}`);
  };
  for (const layer of packet.layers) {
    if (layer.offset < 0 || layer.offset + layer.length > length) fail(`${layer.name} header out of bounds`);
    if (layer.payloadOffset + layer.payloadLength > length) fail(`${layer.name} payload out of bounds`);
  }
  for (const e of packet.errors) {
    if (!(e instanceof WireError)) fail(`non-WireError ${String(e)}`);
    if (e.code === 'internal') fail(`internal error: ${e.message}`);
  }
  const fields = packet.fields();
  for (const name in fields) {
    const value = fields[name]!;
    for (const v of Array.isArray(value) ? value : [value]) {
      if (typeof v === 'number' ? !Number.isFinite(v) : typeof v !== 'string') fail(`${name} = ${String(v)}`);
    }
  }
}

describe('fuzz: decodePacket on mutated packets', () => {
  const all = seeds();

  it(`has seeds from every fixture (${all.length})`, () => {
    expect(all.length).toBeGreaterThan(0);
  });

  it(`${COUNT} mutated packets: only WireErrors, in bounds, no reads past the end`, () => {
    const rand = rng(0x5eed);
    let slowest = 0;
    let decodedLayers = 0;
    for (let i = 0; i < COUNT; i++) {
      const seed = all[rand(all.length)]!;
      const p = mutate(seed.data, rand);
      const started = performance.now();
      const a = decodePacket(placed(p, 0x00), { linkType: seed.linkType });
      slowest = Math.max(slowest, performance.now() - started);
      checkPacket(a, p.length, p);
      decodedLayers += a.layers.length;
      if (i % 16 === 0) {
        const b = decodePacket(placed(p, 0xff), { linkType: seed.linkType });
        if (JSON.stringify(b.fields()) !== JSON.stringify(a.fields())) {
          throw new Error(`decoding depends on bytes past the packet: ${Buffer.from(p).toString('hex')}`);
        }
        try {
          decodePacket(p, { linkType: seed.linkType, strict: true });
        } catch (e) {
          if (!(e instanceof WireError) || e.code === 'internal') throw e;
        }
      }
    }
    // Mutations must still reach past the link layer most of the time, or the fuzzing is shallow.
    expect(decodedLayers).toBeGreaterThan(COUNT * 1.5);
    // No decode may hang: the slowest single packet stays far below a second.
    expect(slowest).toBeLessThan(250);
  });
});
