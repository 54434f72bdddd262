// The TCP reassembly fixtures themselves (test/fixtures/reassembly/, made by make-reassembly.sh):
// every tshark follow output parses, the modes agree with each other, the real capture's streams
// are its segments' payloads in capture order, and tshark's view of every crafted stream is what
// craft.py meant. No reassembly code is involved: these tests hold the references still, so
// test/cli/follow.test.ts can trust them.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { asciiOf, bytesByNode, type FollowOutput, followFixtures, formatFollowRaw, parseFollowAscii, parseFollowHex, parseFollowRaw } from './util/follow.js';
import { readPcapFile } from './util/pcap.js';

const dir = fileURLToPath(new URL('./fixtures/reassembly/', import.meta.url));

/** Streams per capture, so a regenerated set that lost a case fails loudly. */
const STREAMS: Record<string, number> = {
  'real-lo.pcap': 6,
  'crafted-order.pcap': 4,
  'crafted-wrap.pcap': 2,
  'crafted-gap.pcap': 3,
  'crafted-probes.pcap': 3,
  'crafted-midstream.pcap': 2,
  'crafted-reuse.pcap': 3,
  'crafted-ipv6.pcap': 2,
};

const captures = readdirSync(dir).filter((f) => f.endsWith('.pcap')).sort();
const fixtures = followFixtures(dir);
const text = (file: string) => readFileSync(dir + file, 'utf8');
const raw = (capture: string, stream: number) => parseFollowRaw(text(`${capture}.follow-raw.${stream}.txt`));
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/** `-T fields -E header=y` output as one record per frame. */
function fields(capture: string): Record<string, string>[] {
  const [head, ...rows] = text(`${capture}.fields.tsv`).replace(/\n$/, '').split('\n');
  const names = head!.split('\t');
  return rows.map((r) => Object.fromEntries(r.split('\t').map((v, i) => [names[i]!, v])));
}

interface Segment {
  src: string;
  flags: number;
  payload: Uint8Array;
}

/** tshark's way of writing an IPv6 address: lowercase, the longest run of two or more zero groups as `::`. */
function ipv6Text(a: Uint8Array): string {
  const groups = Array.from({ length: 8 }, (_, i) => ((a[2 * i]! << 8) | a[2 * i + 1]!).toString(16));
  let best = [-1, 0];
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > best[1]! && j - i >= 2) best = [i, j - i];
    i = j === i ? i + 1 : j;
  }
  if (best[0]! < 0) return groups.join(':');
  return `${groups.slice(0, best[0]).join(':')}::${groups.slice(best[0]! + best[1]!).join(':')}`;
}

/** The TCP segments of an Ethernet capture holding only IPv4/IPv6 TCP, decoded by hand. */
function segments(capture: string): Segment[] {
  return readPcapFile(dir + capture).map((r) => {
    const d = r.data;
    expect(r.linkType).toBe(1);
    const type = (d[12]! << 8) | d[13]!;
    let tcp: number;
    let src: string;
    let end: number;
    if (type === 0x0800) {
      const ihl = (d[14]! & 0x0f) * 4;
      expect(d[23]).toBe(6);
      tcp = 14 + ihl;
      end = 14 + ((d[16]! << 8) | d[17]!);
      src = Array.from(d.subarray(26, 30)).join('.');
    } else {
      expect(type).toBe(0x86dd);
      expect(d[20]).toBe(6);
      tcp = 54;
      end = 54 + ((d[18]! << 8) | d[19]!);
      src = `[${ipv6Text(d.subarray(22, 38))}]`;
    }
    const port = (d[tcp]! << 8) | d[tcp + 1]!;
    const offset = (d[tcp + 12]! >> 4) * 4;
    return { src: `${src}:${port}`, flags: d[tcp + 13]!, payload: d.subarray(tcp + offset, end) };
  });
}

describe('reassembly fixtures', () => {
  it('has every capture, and a follow-raw output, fields and conversations for each', () => {
    expect(captures).toEqual(Object.keys(STREAMS).sort());
    for (const capture of captures) {
      const n = STREAMS[capture]!;
      const streams = fixtures.filter((f) => f.capture === capture && f.mode === 'raw').map((f) => f.stream);
      expect(streams, capture).toEqual(Array.from({ length: n }, (_, i) => i));
      const numbered = new Set(fields(capture).map((f) => f['tcp.stream']));
      expect(numbered.size, capture).toBe(n);
      // One conversation row per stream (tshark sorts them by bytes, not by stream).
      expect(text(`${capture}.conv.txt`).split('\n').filter((l) => l.includes('<->')), capture).toHaveLength(n);
    }
    expect(fixtures.filter((f) => f.mode === 'ascii').length).toBeGreaterThanOrEqual(5);
    expect(fixtures.filter((f) => f.mode === 'hex').map((f) => `${f.capture}:${f.stream}`)).toEqual(
      fixtures.filter((f) => f.mode === 'ascii').map((f) => `${f.capture}:${f.stream}`),
    );
  });

  it.each(fixtures.filter((f) => f.mode === 'raw'))('$file parses, and writing it back gives the same text', (f) => {
    const t = text(f.file);
    const out = parseFollowRaw(t);
    expect(out.stream).toBe(f.stream);
    expect(out.nodes[0]).toMatch(/^(\d+\.\d+\.\d+\.\d+|\[[0-9a-f:]+\]):\d+$/);
    expect(out.nodes[1]).toMatch(/^(\d+\.\d+\.\d+\.\d+|\[[0-9a-f:]+\]):\d+$/);
    expect(out.chunks.every((c) => c.data.length > 0)).toBe(true);
    expect(formatFollowRaw(out) === t).toBe(true);
  });

  it.each(fixtures.filter((f) => f.mode !== 'raw'))('$file shows the same chunks as the raw output', (f) => {
    const theirs = raw(f.capture, f.stream);
    const t = text(f.file);
    if (f.mode === 'ascii') {
      const ascii = parseFollowAscii(t);
      expect(ascii.nodes).toEqual(theirs.nodes);
      expect(ascii.chunks.map((c) => [c.node, c.data.length])).toEqual(theirs.chunks.map((c) => [c.node, c.data.length]));
      ascii.chunks.forEach((c, i) => expect(Buffer.from(c.data).toString('latin1')).toBe(asciiOf(theirs.chunks[i]!.data)));
    } else {
      const hexOut = parseFollowHex(t);
      expect(hexOut.nodes).toEqual(theirs.nodes);
      expect(bytesByNode(hexOut.chunks).map(hex)).toEqual(bytesByNode(theirs.chunks).map(hex));
      // Offsets count each node's bytes across chunks; every chunk starts a line of its own.
      const seen = [0, 0];
      const starts: number[][] = [[], []];
      for (const line of hexOut.lines) {
        expect(line.offset).toBe(seen[line.node]);
        seen[line.node]! += line.data.length;
      }
      const chunkStarts = [0, 0];
      for (const c of theirs.chunks) {
        starts[c.node]!.push(chunkStarts[c.node]!);
        chunkStarts[c.node]! += c.data.length;
      }
      for (const node of [0, 1] as const) {
        const lineOffsets = new Set(hexOut.lines.filter((l) => l.node === node).map((l) => l.offset));
        for (const s of starts[node]!) if (s < chunkStarts[node]!) expect(lineOffsets.has(s)).toBe(true);
      }
    }
  });

  describe('real-lo.pcap (real loopback traffic, MTU 1500)', () => {
    const frames = fields('real-lo.pcap');
    const segs = segments('real-lo.pcap');

    it('is complete and in order: tshark flags no retransmission, reordering, probe or missing segment', () => {
      expect(segs).toHaveLength(frames.length);
      const flagged = frames.filter((f) => Object.entries(f).some(([k, v]) => k.startsWith('tcp.analysis.') && v !== ''));
      expect(flagged).toEqual([]);
      expect(Math.max(...segs.map((s) => s.payload.length))).toBeLessThanOrEqual(1448);
    });

    it.each(Array.from({ length: STREAMS['real-lo.pcap']! }, (_, i) => i))('stream %i: one chunk per non-empty segment, in capture order', (stream) => {
      const out = raw('real-lo.pcap', stream);
      const mine = segs.filter((_, i) => frames[i]!['tcp.stream'] === String(stream));
      expect(out.nodes[0]).toBe(mine[0]!.src);
      const expected = mine.filter((s) => s.payload.length > 0).map((s) => [s.src === out.nodes[0] ? 0 : 1, hex(s.payload)]);
      expect(out.chunks.map((c) => [c.node, hex(c.data)])).toEqual(expected);
    });

    it('holds the traffic make-reassembly.sh describes', () => {
      const streams = Array.from({ length: 6 }, (_, i) => raw('real-lo.pcap', i));
      const latin1 = (b: Uint8Array) => Buffer.from(b).toString('latin1');
      const [req0, res0] = bytesByNode(streams[0]!.chunks).map(latin1) as [string, string];
      expect(req0).toMatch(/^GET \/big\.txt HTTP\/1\.1\r\n/);
      expect(res0).toMatch(/^HTTP\/1\.[01] 200 OK\r\n/);
      expect(res0.endsWith(`big line 003437 of the file ${'.'.repeat(35)}\n`)).toBe(true);
      expect(res0.length - res0.indexOf('\r\n\r\n') - 4).toBe(220_032);
      const [post] = bytesByNode(streams[1]!.chunks).map(latin1) as [string, string];
      expect(post).toMatch(/^POST \/upload HTTP\/1\.1\r\n/);
      expect(post.length - post.indexOf('\r\n\r\n') - 4).toBe(100_032);
      expect(Buffer.from(bytesByNode(streams[1]!.chunks)[1]).toString()).toMatch(/received 100032 bytes\n$/);
      expect(Buffer.from(bytesByNode(streams[2]!.chunks)[0]).toString().match(/GET \//g)).toHaveLength(2);
      // 3: the client's RST; 4: the client's FIN comes before any byte of the answer.
      const of = (s: number) => segs.filter((_, i) => frames[i]!['tcp.stream'] === String(s));
      expect(of(3).some((s) => s.flags & 0x04 && s.src === streams[3]!.nodes[0])).toBe(true);
      const four = of(4);
      const fin = four.findIndex((s) => s.flags & 0x01);
      expect(four[fin]!.src).toBe(streams[4]!.nodes[0]);
      expect(four.findIndex((s) => s.src === streams[4]!.nodes[1] && s.payload.length > 0)).toBeGreaterThan(fin);
      expect(streams[5]!.nodes[1]).toBe('[::1]:8000');
    });
  });

  describe('crafted captures: tshark shows what craft.py meant', () => {
    interface Side {
      node: string;
      sent: string;
      follow: string;
    }
    interface Stream {
      stream: number;
      description: string;
      nodes: [string, string];
      client: Side;
      server: Side;
      notes?: string[];
    }
    const crafted = captures.filter((c) => c.startsWith('crafted-'));
    const cases = crafted.flatMap((capture) => {
      const doc = JSON.parse(text(capture.replace(/\.pcap$/, '.json'))) as { capture: string; streams: Stream[] };
      if (doc.capture !== capture || doc.streams.length !== STREAMS[capture]) throw new Error(`${capture}: its JSON does not match`);
      return doc.streams.map((s) => ({ name: `${capture} stream ${s.stream}: ${s.description}`, capture, s }));
    });

    it.each(cases)('$name', ({ capture, s }) => {
      const out: FollowOutput = raw(capture, s.stream);
      expect(out.nodes).toEqual(s.nodes);
      const bytes = bytesByNode(out.chunks).map(hex);
      const clientNode = out.nodes[0] === s.client.node ? 0 : 1;
      expect(out.nodes[clientNode]).toBe(s.client.node);
      expect(out.nodes[1 - clientNode]).toBe(s.server.node);
      expect(bytes[clientNode]).toBe(s.client.follow);
      expect(bytes[1 - clientNode]).toBe(s.server.follow);
      // Where tshark cannot show what was sent, the generator says why.
      if (s.client.follow !== s.client.sent || s.server.follow !== s.server.sent) expect(s.notes?.length).toBeGreaterThan(0);
    });

    it('chunking: each segment\'s new bytes are one chunk, never merged', () => {
      const sizes = (capture: string, stream: number) => raw(capture, stream).chunks.map((c) => [c.node, c.data.length]);
      // out of order 1, 4, 3, 2: released in sequence order once 2 arrives
      expect(sizes('crafted-order.pcap', 0)).toEqual([[0, 45], [1, 500], [1, 500], [1, 500], [1, 500]]);
      // retransmissions: only the bytes not seen before, one chunk each
      expect(sizes('crafted-order.pcap', 1)).toEqual([[0, 300], [0, 300], [0, 200], [0, 200], [0, 200], [1, 27]]);
      // overlaps: trimmed to their new part
      expect(sizes('crafted-order.pcap', 2)).toEqual([[0, 25], [1, 100], [1, 50], [1, 100], [1, 70], [1, 80], [1, 200]]);
      // a missing segment acknowledged by the peer: a 36-byte placeholder chunk ("[500 bytes missing in capture file]" and NUL)
      expect(sizes('crafted-gap.pcap', 0)).toEqual([[0, 21], [1, 500], [1, 500], [1, 36], [1, 500], [1, 500]]);
      // zero-window probes: the probe byte is a chunk, the later segment carries the rest
      expect(sizes('crafted-probes.pcap', 1)).toEqual([[0, 1000], [0, 1000], [0, 1], [0, 1], [0, 998], [1, 19]]);
      // no data at all
      expect(sizes('crafted-probes.pcap', 2)).toEqual([]);
    });
  });
});
