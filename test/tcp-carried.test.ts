// TCP carried in IP fragments and in tunnels (test/fixtures/tcp-carried/, make-tcp-carried.sh), as
// tshark follows it with its defaults: IPv4 and IPv6 datagrams reassembled before TCP (a fragmented
// segment counts whole at the frame that completes it), and the inner connection of GRE, 6in4, IP
// in IP, MPLS, PPPoE, VXLAN and Geneve followed; and TCP over 802.11 (radiotap frames, LLC/SNAP, an FCS). The reassembler does the same on every path: `wirekit follow`,
// reassembleTcp (the batch table: fragment and tunnel rows go through decodePacket) and
// reassembleCapture (a Packet per record).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { setBackend } from '../src/wasm/backend.js';
import { reassembleCapture, reassembleTcp } from '../src/transport/tcp-follow.js';
import type { TcpReassemblyHandlers, TcpReassemblyOptions } from '../src/transport/tcp-flows.js';
import { cli } from './cli/cli-util.js';
import { bytesByNode, followFixtures, parseFollowRaw } from './util/follow.js';

const dir = fileURLToPath(new URL('./fixtures/tcp-carried/', import.meta.url));
const fixtures = followFixtures(dir);
const CAPTURES = { 'tcp-frag.pcap': 2, 'tcp-tunnels.pcap': 7, 'tcp-wlan.pcap': 2 } as const;
const load = (capture: string) => new Uint8Array(readFileSync(dir + capture));

/** tshark's bytes of each stream of a capture, [node 0, node 1]. */
const tsharkBytes = (capture: string) =>
  fixtures.filter((f) => f.capture === capture && f.mode === 'raw').map((f) => bytesByNode(parseFollowRaw(readFileSync(dir + f.file, 'utf8')).chunks));

type Streams = { bytes: [Uint8Array, Uint8Array][]; gaps: number };

/** Each stream's bytes per direction (direction 0: the stream's first sender, tshark's node 0), and the gaps. */
function collect(run: (handlers: TcpReassemblyHandlers) => void): Streams {
  const parts: Buffer[][][] = [];
  let gaps = 0;
  run({
    onData: (c, d, data) => ((parts[c.stream] ??= [[], []])[d]!.push(Buffer.from(data))),
    onGap: () => gaps++,
  });
  return { bytes: parts.map((p) => [new Uint8Array(Buffer.concat(p[0]!)), new Uint8Array(Buffer.concat(p[1]!))]), gaps };
}

async function viaCapture(capture: Uint8Array, options: TcpReassemblyOptions = {}): Promise<Streams> {
  const parts: Buffer[][][] = [];
  let gaps = 0;
  for await (const e of reassembleCapture(capture, options)) {
    if (e.type === 'data') (parts[e.connection.stream] ??= [[], []])[e.direction]!.push(Buffer.from(e.data));
    if (e.type === 'gap') gaps++;
  }
  return { bytes: parts.map((p) => [new Uint8Array(Buffer.concat(p[0]!)), new Uint8Array(Buffer.concat(p[1]!))]), gaps };
}

describe('TCP in IP fragments and tunnels, as tshark follows it', () => {
  it('has tshark outputs for every stream', () => {
    for (const [capture, streams] of Object.entries(CAPTURES)) {
      expect(fixtures.filter((f) => f.capture === capture && f.mode === 'raw').map((f) => f.stream)).toEqual([...Array(streams).keys()]);
    }
  });

  it.each(fixtures.map((f) => ({ ...f, name: `${f.capture} --stream ${f.stream} --format ${f.mode}` })))('wirekit follow $name: byte for byte', (f) => {
    const r = cli(['follow', dir + f.capture, '--stream', String(f.stream), '--format', f.mode]);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(readFileSync(dir + f.file, 'utf8'));
  });

  for (const capture of Object.keys(CAPTURES)) {
    it.each(['wasm', 'js'] as const)(`${capture}: reassembleTcp (%s) gives every stream as tshark does, with no gaps`, (backend) => {
      setBackend(backend);
      try {
        const got = collect((h) => reassembleTcp(load(capture), h));
        expect(got.gaps).toBe(0);
        expect(got.bytes).toEqual(tsharkBytes(capture));
      } finally {
        setBackend('auto');
      }
    });

    it(`${capture}: reassembleCapture (a packet at a time) too`, async () => {
      const got = await viaCapture(load(capture));
      expect(got.gaps).toBe(0);
      expect(got.bytes).toEqual(tsharkBytes(capture));
    });
  }

  it('defragment: false takes a first fragment\'s part of a segment: the rest is a gap', async () => {
    const capture = load('tcp-frag.pcap');
    const want = tsharkBytes('tcp-frag.pcap');
    const table = collect((h) => reassembleTcp(capture, h, { defragment: false }));
    const packets = await viaCapture(capture, { defragment: false });
    for (const got of [table, packets]) {
      expect(got.gaps).toBeGreaterThan(0);
      expect(got.bytes[0]![0]!.length).toBeLessThan(want[0]![0]!.length);
    }
  });
});
