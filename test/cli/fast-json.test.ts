// The NDJSON fast path (src/cli/fast-json.ts) against the general one (decodePacket + fields() +
// json-line.ts): wherever the fast path takes a packet, its line must be the general line byte for
// byte. Over every fixture capture, and random Ethernet/IPv4/TCP|UDP frames with their fields,
// checksums, options and lengths varied (including the ones it must refuse).
import { readdirSync, readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodePacket, encodeFrame, readCaptureSync, registerProtocol, type CaptureRecord } from 'wirekit';
import { ByteWriter } from '../../src/cli/byte-writer.js';
import { writeFastJson } from '../../src/cli/fast-json.js';
import { FieldRecorder } from '../../src/cli/field-recorder.js';
import { frameProtocols, leavesData } from '../../src/cli/frame-protocols.js';
import { epochText, writePacketJson } from '../../src/cli/json-line.js';

const decoder = new TextDecoder();

function lineOf(w: ByteWriter): string {
  return decoder.decode(w.buf.subarray(0, w.pos));
}

function generalLine(record: CaptureRecord, number: number): string {
  const w = new ByteWriter(() => undefined);
  const fields = new FieldRecorder();
  const packet = decodePacket(record.data, { linkType: record.linkType });
  fields.record(packet);
  writePacketJson(
    w,
    // No TCP state here (the fast path is called without it): no analysis, no application layer.
    { number, epoch: epochText(record.timestamp), length: record.originalLength, capturedLength: record.capturedLength, interfaceId: record.interfaceId, protocols: frameProtocols(packet, record.linkType, undefined, leavesData(packet, record.linkType, 0, undefined)) },
    fields,
    packet.errors,
  );
  return lineOf(w);
}

/** The fast line, or undefined when the fast path refuses the packet. */
function fastLine(record: CaptureRecord, number: number): string | undefined {
  const w = new ByteWriter(() => undefined);
  return writeFastJson(w, record, number) ? lineOf(w) : undefined;
}

function recordOf(data: Uint8Array, i = 0): CaptureRecord {
  return { timestamp: 1_795_000_000_123_456_789n + BigInt(i), capturedLength: data.length, originalLength: data.length + (i & 1), linkType: 1, interfaceId: i & 3, data };
}

function captures(): string[] {
  const out: string[] = [];
  for (const d of ['test/fixtures/capture-real', 'test/fixtures/wire', 'test/fixtures/batch', 'test/fixtures/capture']) {
    for (const f of readdirSync(d)) if (/\.pcap(ng)?$/.test(f)) out.push(`${d}/${f}`);
  }
  return out;
}

describe('NDJSON fast path == general path', () => {
  let taken = 0;

  it.each(captures())('%s', (path) => {
    let n = 0;
    for (const record of readCaptureSync(readFileSync(path))) {
      n++;
      const fast = fastLine(record, n);
      if (fast === undefined) continue;
      taken++;
      expect(fast).toBe(generalLine(record, n));
    }
  });

  it('took packets of the real captures (the test above compared something)', () => {
    expect(taken).toBeGreaterThan(50);
  });

  const mac = fc.uint8Array({ minLength: 6, maxLength: 6 });
  const ip4 = fc.uint8Array({ minLength: 4, maxLength: 4 }).map((b) => Array.from(b).join('.'));
  const frame = fc.record({
    dst: mac,
    src: mac,
    ipSrc: ip4,
    ipDst: ip4,
    tos: fc.integer({ min: 0, max: 255 }),
    id: fc.integer({ min: 0, max: 0xffff }),
    ttl: fc.integer({ min: 0, max: 255 }),
    df: fc.boolean(),
    rb: fc.boolean(),
    udp: fc.boolean(),
    srcport: fc.integer({ min: 0, max: 0xffff }),
    dstport: fc.integer({ min: 0, max: 0xffff }),
    seq: fc.nat({ max: 0xffffffff }),
    ack: fc.nat({ max: 0xffffffff }),
    flags: fc.integer({ min: 0, max: 0xfff }),
    window: fc.integer({ min: 0, max: 0xffff }),
    urgent: fc.integer({ min: 0, max: 0xffff }),
    timestamps: fc.option(fc.tuple(fc.nat({ max: 0xffffffff }), fc.nat({ max: 0xffffffff }))),
    payload: fc.uint8Array({ maxLength: 200, size: 'max' }),
    corrupt: fc.option(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 }))),
    trailer: fc.uint8Array({ maxLength: 3 }),
  });

  type Frame = typeof frame extends fc.Arbitrary<infer T> ? T : never;
  const fmt = (m: Uint8Array) => Array.from(m, (x) => x.toString(16).padStart(2, '0')).join(':');

  function build(f: Frame): Uint8Array {
    const flags = f.flags;
    const l4 = f.udp
      ? { udp: { srcport: f.srcport, dstport: f.dstport } }
      : {
          tcp: {
            srcport: f.srcport, dstport: f.dstport, seq: f.seq, ack: f.ack, flags, window: f.window, urgentPointer: f.urgent,
            options: f.timestamps === null ? [] : [{ kind: 'nop' }, { kind: 'nop' }, { kind: 'timestamp', tsval: f.timestamps[0], tsecr: f.timestamps[1] }],
          },
        };
    const bytes = encodeFrame(
      [
        { eth: { dst: fmt(f.dst), src: fmt(f.src), pad: false } },
        { ip: { src: f.ipSrc, dst: f.ipDst, dscp: f.tos >> 2, ecn: f.tos & 3, id: f.id, ttl: f.ttl, dontFragment: f.df, reservedFlag: f.rb } },
        l4,
      ] as never,
      f.payload,
    );
    const out = new Uint8Array(bytes.length + f.trailer.length);
    out.set(bytes);
    out.set(f.trailer, bytes.length);
    if (f.corrupt !== null) out[f.corrupt[0] % out.length] = f.corrupt[1];
    return out;
  }

  it('random frames: the same line wherever the fast path takes one', () => {
    let tookRandom = 0;
    fc.assert(
      fc.property(frame, fc.nat({ max: 1_000_000 }), (f, i) => {
        const record = recordOf(build(f), i);
        const fast = fastLine(record, i + 1);
        if (fast === undefined) return;
        tookRandom++;
        expect(fast).toBe(generalLine(record, i + 1));
      }),
      { numRuns: 3000 },
    );
    expect(tookRandom).toBeGreaterThan(500);
  });

  it('refuses what it does not write: VLAN tags, IP options, fragments, other TCP options, trailers, zero UDP checksums', () => {
    const base = [{ eth: { dst: '02:00:00:00:00:02', src: '02:00:00:00:00:01' } }, { ip: { src: '10.0.0.1', dst: '10.0.0.2' } }];
    const tcp = { tcp: { srcport: 1, dstport: 2, flags: 0x10 } };
    const ok = encodeFrame([...base, tcp] as never, new Uint8Array(10));
    expect(fastLine(recordOf(ok), 1)).toBeDefined();
    const vlan = encodeFrame([base[0], { vlan: { vid: 5 } }, base[1], tcp] as never, new Uint8Array(10));
    expect(fastLine(recordOf(vlan), 1)).toBeUndefined();
    const mss = encodeFrame([...base, { tcp: { srcport: 1, dstport: 2, flags: 2, options: [{ kind: 'mss', value: 1460 }] } }] as never, new Uint8Array(0));
    expect(fastLine(recordOf(mss), 1)).toBeUndefined();
    const fragment = ok.slice();
    fragment[20] = 0x20; // MF
    expect(fastLine(recordOf(fragment), 1)).toBeUndefined();
    const padded = new Uint8Array(ok.length + 4);
    padded.set(ok);
    expect(fastLine(recordOf(padded), 1)).toBeUndefined();
    const udp = encodeFrame([...base, { udp: { srcport: 1, dstport: 2 } }] as never, new Uint8Array(20));
    expect(fastLine(recordOf(udp), 1)).toBeDefined();
    udp[40] = 0;
    udp[41] = 0;
    expect(fastLine(recordOf(udp), 1)).toBeUndefined();
    expect(fastLine({ ...recordOf(ok), linkType: 101 }, 1)).toBeUndefined();
  });

  it('steps aside for a protocol registered on a port', () => {
    const frameBytes = encodeFrame(
      [{ eth: { dst: '02:00:00:00:00:02', src: '02:00:00:00:00:01' } }, { ip: { src: '10.0.0.1', dst: '10.0.0.2' } }, { udp: { srcport: 40000, dstport: 47999 } }] as never,
      new Uint8Array(20).fill(1),
    );
    expect(fastLine(recordOf(frameBytes), 1)).toBeDefined();
    registerProtocol(
      { name: 'fastjsontest', decode: (ctx) => ({ header: { b: ctx.bytes[ctx.offset]! }, headerLength: 1 }), fields: (h: { b: number }, out) => out.add('fastjsontest.b', h.b) },
      [{ table: 'udp.port', value: 47999 }],
    );
    expect(fastLine(recordOf(frameBytes), 1)).toBeUndefined();
    expect(generalLine(recordOf(frameBytes), 1)).toContain('"fastjsontest.b":1');
  });
});
