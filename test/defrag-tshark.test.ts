// IpDefragmenter (ipv4Overlap 'tshark') against tshark 4.0 (ip.defragment and ipv6.defragment on, its default single
// pass) on scapy-made fragments: test/fixtures/defrag/ (make-defrag.sh). Reassembly must happen
// on the same frames, with the same bytes, the same fragment lists and overlap marks, and the
// reassembled datagrams' upper layers must decode to what tshark shows. The built CLI's `decode
// --json` must show tshark's markers on the same frames.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { readCaptureSync } from '../src/capture/index.js';
import { decodePacket } from '../src/dissect.js';
import { IpDefragmenter, type DefragResult } from '../src/network/defrag.js';
import { normalizeTshark } from './util/tshark.js';
import { cli, lines } from './cli/cli-util.js';

const dir = (name: string) => fileURLToPath(new URL(`./fixtures/defrag/${name}`, import.meta.url));
const pcap = new Uint8Array(readFileSync(dir('defrag.pcap')));
type TsharkFrame = Record<string, string[]>;
const tshark = (JSON.parse(readFileSync(dir('defrag.json'), 'utf8')) as { _source: { layers: TsharkFrame } }[]).map((p) => p._source.layers);

const hex = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.length).toString('hex');

/** tshark's ip.fragment list: frame numbers by offset (arrival order among equals), conflicting fragments apart. */
function fragmentList(r: Extract<DefragResult, { status: 'complete' }>): { list: string[]; errors: string[]; overlaps: number; conflicts: number } {
  const sorted = [...r.fragments].sort((a, b) => a.offset - b.offset);
  return {
    list: sorted.filter((f) => !f.conflict).map((f) => String(f.tag)),
    errors: sorted.filter((f) => f.conflict).map((f) => String(f.tag)),
    overlaps: r.fragments.filter((f) => f.overlap).length,
    conflicts: r.conflicts,
  };
}

interface Frame {
  number: number;
  result: DefragResult | undefined;
}

function run(): Frame[] {
  const defrag = new IpDefragmenter({ ipv4Overlap: 'tshark' });
  const out: Frame[] = [];
  let number = 0;
  for (const record of readCaptureSync(pcap)) {
    number++;
    const packet = decodePacket(record.data, { linkType: record.linkType });
    const ip = packet.layers.find((l) => l.name === 'ip' || l.name === 'ipv6');
    const result = ip === undefined ? undefined : defrag.push(record.data.subarray(ip.offset, ip.payloadOffset + ip.payloadLength), record.timestamp, number);
    out.push({ number, result });
  }
  return out;
}

describe('IpDefragmenter against tshark', () => {
  const frames = run();

  it('covers the fixture: every frame, several reassemblies of each kind', () => {
    expect(frames).toHaveLength(tshark.length);
    expect(tshark.filter((t) => t['ip.reassembled.data']).length).toBe(9);
    expect(tshark.filter((t) => t['ipv6.reassembled.data']).length).toBe(3);
  });

  it('reassembles on the frames tshark does, and nowhere else', () => {
    const ours = frames.filter((f) => f.result?.status === 'complete').map((f) => f.number);
    const theirs = tshark.filter((t) => t['ip.reassembled.data'] || t['ipv6.reassembled.data']).map((t) => Number(t['frame.number']![0]));
    expect(ours).toEqual(theirs);
  });

  it('gives the bytes, lengths, fragment lists and overlap marks tshark gives', () => {
    for (const [i, t] of tshark.entries()) {
      const r = frames[i]!.result;
      const v = t['ip.reassembled.data'] ? 'ip' : t['ipv6.reassembled.data'] ? 'ipv6' : undefined;
      if (v === undefined || r?.status !== 'complete') continue;
      const data = r.packet.subarray(r.headerLength);
      expect(hex(data), `frame ${i + 1}`).toBe(t[`${v}.reassembled.data`]![0]);
      expect(String(data.length)).toBe(t[`${v}.reassembled.length`]![0]);
      expect(String(r.fragments.length)).toBe(t[`${v}.fragment.count`]![0]);
      const { list, errors, overlaps, conflicts } = fragmentList(r);
      expect(list, `frame ${i + 1}`).toEqual(t[`${v}.fragment`]);
      expect(errors).toEqual(t[`${v}.fragment.error`] ?? []);
      expect(overlaps).toBe((t[`${v}.fragment.overlap`] ?? []).length);
      expect(conflicts).toBe((t[`${v}.fragment.overlap.conflict`] ?? []).length);
    }
  });

  it('decodes the reassembled datagrams to the upper layers tshark shows', () => {
    let checked = 0;
    for (const [i, t] of tshark.entries()) {
      const r = frames[i]!.result;
      if (r?.status !== 'complete') continue;
      const packet = decodePacket(r.packet, { linkType: 'raw' });
      const fields = packet.fields();
      const upper = packet.layers.at(-1)!.name;
      expect(t['frame.protocols']![0]!.endsWith(`:${upper}:data`)).toBe(true);
      for (const name of ['udp.srcport', 'udp.dstport', 'udp.length', 'icmp.type', 'icmp.code', 'icmp.ident', 'icmp.seq']) {
        if (t[name] === undefined) continue;
        expect(String(fields[name]), `frame ${i + 1} ${name}`).toBe(String(Number(t[name]![0])));
        checked++;
      }
      expect(hex(packet.payload)).toBe(t['data.data']![0]);
      expect(String(packet.payload.length)).toBe(t['data.len']![0]);
    }
    expect(checked).toBeGreaterThan(30);
  });

  it('passes packets that are not fragments through, and buffers the others (the rest of this file needs the build)', () => {
    for (const [i, t] of tshark.entries()) {
      const r = frames[i]!.result!;
      const fragment = t['ip.flags.mf']?.[0] === '1' || Number(t['ip.frag_offset']?.[0] ?? 0) > 0 || t['ipv6.fraghdr.ident'] !== undefined;
      if (!fragment) expect(r.status, `frame ${i + 1}`).toBe('not-fragment');
      else expect(['buffered', 'complete'], `frame ${i + 1}`).toContain(r.status);
    }
  });
});

/** tshark's names for what wirekit's layer list leaves out: dissector tables, payload bytes, extension headers (inside wirekit's ipv6 layer). */
/** A value as the NDJSON writes it, from tshark's -e text: hex-printed integers to numbers, plain hex bytes to colon hex. */
function tsharkValue(name: string, value: string): string {
  if (name.endsWith('.reassembled.data')) return value.replace(/(..)(?!$)/g, '$1:');
  return normalizeTshark(name, value);
}

/** Fields tshark shows that the CLI does not (the payload bytes, the undecoded data layer) or shows only once reassembled. */
const NOT_COMPARED = new Set(['frame.number', 'frame.protocols', 'data.data', 'data.len', 'udp.payload', 'ip.fragment.overlap', 'ipv6.fragment.overlap']);
/** Fields the CLI must show wherever tshark does. */
const REQUIRED = [
  'ip.fragment', 'ip.fragment.count', 'ip.fragment.error', 'ip.fragment.overlap.conflict', 'ip.reassembled.length', 'ip.reassembled.data',
  'ipv6.fragment', 'ipv6.fragment.count', 'ipv6.reassembled.length', 'ipv6.reassembled.data',
  'udp.srcport', 'udp.dstport', 'udp.length', 'icmp.type', 'icmp.code', 'icmp.ident', 'icmp.seq',
];

describe('wirekit decode --json with reassembly, against tshark', () => {
  it('marks the same frames with the same fields and decodes the reassembled upper layers', () => {
    const r = cli(['decode', '--json', dir('defrag.pcap')]);
    expect(r.stderr).toBe('');
    const ours = lines(r.stdout).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(ours).toHaveLength(tshark.length);
    let compared = 0;
    for (const [i, t] of tshark.entries()) {
      const o = ours[i]!;
      const where = `frame ${i + 1}`;
      expect(o['frame.number'], where).toBe(i + 1);
      expect(o['frame.protocols'], where).toBe(t['frame.protocols']![0]!);
      for (const [name, values] of Object.entries(t)) {
        if (NOT_COMPARED.has(name)) continue;
        const mine = o[name];
        if (mine === undefined) {
          expect(REQUIRED.includes(name), `${where}: ${name} missing`).toBe(false);
          continue;
        }
        expect((Array.isArray(mine) ? mine : [mine]).map(String), `${where}: ${name}`).toEqual(values.map((v) => tsharkValue(name, v)));
        compared++;
      }
      // One overlap mark per overlapping fragment (tshark puts them in each fragment's subtree).
      for (const v of ['ip', 'ipv6']) {
        const marks = o[`${v}.fragment.overlap`];
        expect(marks === undefined ? 0 : Array.isArray(marks) ? marks.length : 1, where).toBe((t[`${v}.fragment.overlap`] ?? []).length);
      }
    }
    expect(compared).toBeGreaterThan(200);
  });
});

describe('wirekit decode summary lines with reassembly, against tshark', () => {
  it('prints every line as tshark does, the frames completing a datagram with their reassembled upper layers', () => {
    const ours = lines(cli(['decode', dir('defrag.pcap')]).stdout);
    const theirs = lines(readFileSync(dir('defrag.summary.txt'), 'utf8'));
    expect(ours).toEqual(theirs);
  });
});
