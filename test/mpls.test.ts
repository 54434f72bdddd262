import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { decodePacket } from '../src/dissect.js';
import { encodeFrame, type FrameLayer } from '../src/encode.js';
import { WireError } from '../src/errors.js';
import { decodeMpls, emitMpls, encodeMpls, MPLS_ENTRY_LENGTH, type MplsEntry, type MplsHeader } from '../src/link/mpls.js';
import { bytesField } from '../src/packet/fields.js';
import { readPcapFile } from './util/pcap.js';
import { compareFields, readTsharkJson } from './util/tshark.js';

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/wire/${name}`, import.meta.url));
const records = readPcapFile(fixture('mpls.pcap'));
const tshark = readTsharkJson(fixture('mpls.json'));
const tsharkProtocols = (JSON.parse(readFileSync(fixture('mpls.json'), 'utf8')) as { _source: { layers: { frame: Record<string, string> } } }[]).map(
  (p) => p._source.layers.frame['frame.protocols']!,
);
const hex = (s: string) => Uint8Array.from(s.replace(/[^0-9a-f]/gi, '').match(/../g)!.map((b) => parseInt(b, 16)));

/**
 * Frames where tshark shows more than we do, and why (0-based indexes into mpls.pcap):
 * - 8, 9: Ethernet pseudowires. tshark 4.0's default `pwethheuristic` decodes an Ethernet frame
 *   after the stack (and guesses the control word wrong on both); we leave a first nibble of 0 opaque.
 * - 11: a padded runt. MPLS has no length field; tshark's IPv4 dissector shrinks the buffer the
 *   Ethernet dissector shares, so it finds eth.padding; ours ends the MPLS payload at the frame's end.
 */
const PSEUDOWIRE = [8, 9];
const PADDED_RUNT = 11;

describe('MPLS vs tshark', () => {
  it('agrees field by field on every scapy-made frame', () => {
    expect(records.length).toBe(tshark.length);
    records.forEach((r, i) => {
      const p = decodePacket(r.data, { linkType: r.linkType });
      const theirs = tshark[i]!;
      const fields = p.fields();
      const required = Object.keys(theirs).filter((f) => f.startsWith('mpls.'));
      // Only the pseudowire frames' inner Ethernet differs; every other field we show is tshark's.
      const ours = PSEUDOWIRE.includes(i) ? Object.fromEntries(Object.entries(fields).filter(([f]) => !f.startsWith('eth.'))) : fields;
      expect(compareFields(ours, theirs, required), `frame ${i}: ${tsharkProtocols[i]}`).toEqual([]);
      expect(Object.keys(fields).filter((f) => theirs[f] === undefined), `frame ${i}`).toEqual([]);
      if (i === PADDED_RUNT) expect(theirs['eth.padding']).toBeDefined();
    });
  });

  it('decodes the layers tshark shows, in order', () => {
    records.forEach((r, i) => {
      const ours = decodePacket(r.data).protocols.split(':');
      const theirs = tsharkProtocols[i]!.split(':').filter((n) => n !== 'ethertype' && n !== 'data');
      if (PSEUDOWIRE.includes(i)) expect(ours).toEqual(['eth', 'mpls']);
      // Two bytes of a stack: tshark names the protocol it failed in; we have no layer to show.
      else if (i === 12) expect([ours, theirs]).toEqual([['eth'], ['eth', 'mpls']]);
      else expect(ours, `frame ${i}`).toEqual(theirs);
    });
  });

  it('shows a stack as one layer with the entry fields repeated, outermost first', () => {
    const p = decodePacket(records[2]!.data);
    expect(p.protocols).toBe('eth:mpls:ipv6:udp');
    expect(p.layers[1]!.length).toBe(16);
    expect(p.fields()['mpls.label']).toEqual([1048575, 16, 299792, 524288]);
    expect(p.fields()['mpls.exp']).toEqual([7, 1, 2, 3]);
    expect(p.fields()['mpls.bottom']).toEqual([0, 0, 0, 1]);
    expect(p.fields()['mpls.ttl']).toEqual([1, 2, 3, 4]);
  });
});

describe('MPLS decode', () => {
  it('reads RFC 3032 entries: label 20 bits, EXP 3, bottom 1, TTL 8', () => {
    // Label 16000 (0x03e80), EXP 5, not bottom, TTL 255; label 24001 (0x05dc1), EXP 5, bottom, TTL 254.
    expect(decodeMpls(hex('03e80aff 05dc1bfe'))).toEqual<MplsHeader>({
      entries: [
        { label: 16000, exp: 5, bottom: 0, ttl: 255 },
        { label: 24001, exp: 5, bottom: 1, ttl: 254 },
      ],
    });
    expect(decodeMpls(records[0]!.data, 14)).toEqual({ entries: [{ label: 100, exp: 0, bottom: 1, ttl: 64 }] });
  });

  it('dispatches by the first nibble after the stack: 4 IPv4, 6 IPv6, anything else opaque', () => {
    expect(decodePacket(records[4]!.data).protocols).toBe('eth:mpls:ip:udp'); // IPv4 explicit null
    expect(decodePacket(records[5]!.data).protocols).toBe('eth:mpls:ipv6:udp'); // IPv6 explicit null
    expect(decodePacket(records[6]!.data).layers[0]!.header).toMatchObject({ type: 0x8848 });
    const opaque = decodePacket(records[10]!.data);
    expect(opaque.protocols).toBe('eth:mpls');
    expect(bytesField(opaque.payload)).toBe(bytesField(new Uint8Array(20).fill(0x55)));
    // Bottom of stack with nothing after it: a stack and an empty payload, no error.
    const empty = decodePacket(records[15]!.data);
    expect([empty.protocols, empty.errors, empty.payload.length]).toEqual(['eth:mpls', [], 0]);
  });

  it('reports a cut entry or a missing bottom as truncated, keeping the whole entries', () => {
    const noEntry = decodePacket(records[12]!.data);
    expect(noEntry.protocols).toBe('eth');
    expect(noEntry.errors[0]).toMatchObject({ code: 'truncated', layer: 'mpls', offset: 14, required: 4, available: 2 });

    const cut = decodePacket(records[13]!.data);
    expect(cut.protocols).toBe('eth:mpls');
    expect(cut.layers[1]!.header).toEqual({ entries: [{ label: 9001, exp: 0, bottom: 0, ttl: 64 }] });
    expect(cut.errors[0]).toMatchObject({ code: 'truncated', layer: 'mpls', offset: 14, required: 8, available: 7 });

    const noBottom = decodePacket(records[14]!.data);
    expect((noBottom.layers[1]!.header as MplsHeader).entries.map((e) => e.label)).toEqual([9003, 9004]);
    expect(noBottom.errors[0]).toMatchObject({ code: 'truncated', layer: 'mpls', offset: 14, required: 12, available: 8 });
    expect(noBottom.errors[0]!.message).toMatch(/no bottom-of-stack entry/);

    expect(() => decodePacket(records[14]!.data, { strict: true })).toThrow(WireError);
    expect(() => decodeMpls(records[14]!.data, 14)).toThrow(/no bottom-of-stack/);
    expect(() => decodeMpls(new Uint8Array(3))).toThrow(WireError);
  });
});

describe('MPLS encode', () => {
  it('builds the fixture frames byte for byte with encodeFrame', () => {
    const eth = { src: '02:00:00:00:00:01', dst: '02:00:00:00:00:02', pad: false };
    const ip = { src: '192.0.2.1', dst: '198.51.100.2', ttl: 63, id: 1 };
    const udp = { srcport: 40000, dstport: 40001 };
    const payload = new TextEncoder().encode('one label');
    expect(encodeFrame([{ eth }, { mpls: { entries: [{ label: 100 }] } }, { ip }, { udp }], payload)).toEqual(records[0]!.data);
    expect(encodeFrame([{ eth: { ...eth, type: 0x8848 } }, { mpls: { entries: [{ label: 3000, ttl: 32 }] } }, { ip }, { udp }], new TextEncoder().encode('multicast'))).toEqual(
      records[6]!.data,
    );
    // The layer outside gets 0x8847 and the bottom bit goes on the last entry.
    const two = encodeFrame([{ eth }, { mpls: { entries: [{ label: 1 }, { label: 5000 }] } }, { ip }, { udp }], new TextEncoder().encode('router alert'));
    expect(two).toEqual(records[7]!.data);
  });

  it('encodes standalone and checks its input', () => {
    expect(bytesField(encodeMpls({ entries: [{ label: 16000, exp: 5, ttl: 255 }, { label: 24001, exp: 5, ttl: 254 }] }))).toBe('03:e8:0a:ff:05:dc:1b:fe');
    const out = new Uint8Array(6).fill(0xee);
    expect(emitMpls({ entries: [{ label: 0xfffff, exp: 7, ttl: 0 }] }, out, 2)).toBe(4);
    expect(bytesField(out)).toBe('ee:ee:ff:ff:ff:00');
    expect(() => encodeMpls({ entries: [] })).toThrow(/at least one entry/);
    expect(() => encodeMpls({ entries: [{ label: 0x100000 }] })).toThrow(WireError);
    expect(() => encodeMpls({ entries: [{ label: 1, exp: 8 }] })).toThrow(/exp 8/);
    expect(() => emitMpls({ entries: [{ label: 1 }] }, new Uint8Array(3))).toThrow(WireError);
  });

  it('round-trips random stacks: decode(encode(h)) equals h', () => {
    const entry = fc.record({
      label: fc.integer({ min: 0, max: 0xfffff }),
      exp: fc.integer({ min: 0, max: 7 }),
      ttl: fc.integer({ min: 0, max: 255 }),
    });
    fc.assert(
      fc.property(fc.array(entry, { minLength: 1, maxLength: 8, size: 'max' }), fc.boolean(), fc.uint8Array({ maxLength: 40, size: 'max' }), (entries, v6, payload) => {
        const stack: MplsEntry[] = entries.map((e, i) => ({ ...e, bottom: i === entries.length - 1 ? 1 : 0 }));
        expect(decodeMpls(encodeMpls({ entries: stack }))).toEqual({ entries: stack });
        // Through a whole frame: the stack is one layer, the IP inside is found by its nibble.
        const inner: FrameLayer = v6 ? { ipv6: { src: '2001:db8::1', dst: '2001:db8::2' } } : { ip: { src: '192.0.2.1', dst: '192.0.2.2' } };
        const p = decodePacket(encodeFrame([{ eth: { src: '02:00:00:00:00:01', dst: '02:00:00:00:00:02', pad: false } }, { mpls: { entries: stack } }, inner, { udp: { srcport: 1, dstport: 2 } }], payload));
        expect(p.protocols).toBe(`eth:mpls:${v6 ? 'ipv6' : 'ip'}:udp`);
        expect(p.layers[1]!.header).toEqual({ entries: stack });
        expect(p.layers[1]!.length).toBe(stack.length * MPLS_ENTRY_LENGTH);
        expect([...p.payload]).toEqual([...payload]);
        expect(p.errors).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });

  it('never throws on truncations of a stack, and always says truncated', () => {
    const frame = records[2]!.data;
    for (let n = 14; n < 14 + 16; n++) {
      const p = decodePacket(frame.subarray(0, n));
      expect(p.errors.map((e) => [e.code, e.layer])).toEqual([['truncated', 'mpls']]);
      expect(p.errors[0]!.available).toBe(n - 14);
    }
  });
});
