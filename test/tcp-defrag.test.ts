// TCP segments carried in IP fragments (test/fixtures/tcp-defrag/, make-tcp-defrag.sh): tshark
// reassembles IPv4 and IPv6 datagrams before TCP (its defaults), so its follow shows such a segment
// whole at the frame that completes it. The reassembler does the same (`defragment`, on by
// default) on every path: `wirekit follow`, reassembleTcp (the batch table: fragment rows go
// through decodePacket) and reassembleCapture (a Packet per record).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { setBackend } from '../src/wasm/backend.js';
import { reassembleCapture, reassembleTcp } from '../src/transport/tcp-follow.js';
import type { TcpReassemblyOptions } from '../src/transport/tcp-flows.js';
import { cli } from './cli/cli-util.js';
import { bytesByNode, followFixtures, parseFollowRaw } from './util/follow.js';

const dir = fileURLToPath(new URL('./fixtures/tcp-defrag/', import.meta.url));
const capture = new Uint8Array(readFileSync(`${dir}tcp-frag.pcap`));
const fixtures = followFixtures(dir);
/** tshark's bytes of each stream, [node 0, node 1]. */
const tsharkBytes = fixtures.filter((f) => f.mode === 'raw').map((f) => bytesByNode(parseFollowRaw(readFileSync(dir + f.file, 'utf8')).chunks));

/** Each stream's bytes per direction (direction 0: the stream's first sender, tshark's node 0), and the gaps. */
function collect(run: (handlers: Parameters<typeof reassembleTcp>[1]) => void): { bytes: [Uint8Array, Uint8Array][]; gaps: number } {
  const parts: Buffer[][][] = [];
  let gaps = 0;
  run({
    onData: (c, d, data) => ((parts[c.stream] ??= [[], []])[d]!.push(Buffer.from(data))),
    onGap: () => gaps++,
  });
  return { bytes: parts.map((p) => [new Uint8Array(Buffer.concat(p[0]!)), new Uint8Array(Buffer.concat(p[1]!))]), gaps };
}

async function viaCapture(options: TcpReassemblyOptions = {}) {
  const parts: Buffer[][][] = [];
  let gaps = 0;
  for await (const e of reassembleCapture(capture, options)) {
    if (e.type === 'data') (parts[e.connection.stream] ??= [[], []])[e.direction]!.push(Buffer.from(e.data));
    if (e.type === 'gap') gaps++;
  }
  return { bytes: parts.map((p) => [new Uint8Array(Buffer.concat(p[0]!)), new Uint8Array(Buffer.concat(p[1]!))]), gaps };
}

describe('TCP over IP fragments, as tshark follows it', () => {
  it('has tshark outputs for both streams (IPv4 and IPv6)', () => {
    expect(fixtures.filter((f) => f.mode === 'raw').map((f) => f.stream)).toEqual([0, 1]);
  });

  it.each(fixtures.map((f) => ({ ...f, name: `--stream ${f.stream} --format ${f.mode}` })))('wirekit follow $name: byte for byte', (f) => {
    const r = cli(['follow', `${dir}tcp-frag.pcap`, '--stream', String(f.stream), '--format', f.mode]);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(readFileSync(dir + f.file, 'utf8'));
  });

  it.each(['wasm', 'js'] as const)('reassembleTcp (%s): every stream equals tshark\'s, with no gaps', (backend) => {
    setBackend(backend);
    try {
      const got = collect((h) => reassembleTcp(capture, h));
      expect(got.gaps).toBe(0);
      expect(got.bytes).toEqual(tsharkBytes);
    } finally {
      setBackend('auto');
    }
  });

  it('reassembleCapture (a packet at a time): the same', async () => {
    const got = await viaCapture();
    expect(got.gaps).toBe(0);
    expect(got.bytes).toEqual(tsharkBytes);
  });

  it('defragment: false takes a first fragment\'s part of a segment: the rest is a gap', async () => {
    const table = collect((h) => reassembleTcp(capture, h, { defragment: false }));
    const packets = await viaCapture({ defragment: false });
    for (const got of [table, packets]) {
      expect(got.gaps).toBeGreaterThan(0);
      expect(got.bytes[0]![0]!.length).toBeLessThan(tsharkBytes[0]![0]!.length);
    }
  });
});
