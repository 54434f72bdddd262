// TCP reassembly benchmark: payload throughput (bytes of reassembled payload per second) of one
// connection's capture, in order and with its segments shuffled, through wirekit (WebAssembly and
// the JS twin), against the npm `pcap` package's TCPTracker fed the same capture through its own
// decoders, as its users do. Writes bench/results/reassembly.md and prints the table.
//
//   npm run build && node bench/reassembly.mjs [--quick] [--processes N]
//
// The capture: a handshake, then MiB of payload in 1448-byte segments (an Ethernet MSS with
// timestamps), one direction, as an in-memory pcap. "Shuffled" permutes the segments within
// windows of 32 (46 KiB, well inside the per-flow cap), so most segments arrive ahead of the stream
// and wait in the reassembly buffer. What is counted:
// - `reassembleTcp`: the whole in-memory path from the pcap bytes: decodeCaptureBatches (one walk
//   per batch, table memory reused) and TcpReassembler.pushTable, with an onData callback summing
//   chunk lengths. Chunks are views of the capture, those that waited included (zeroCopy, on by
//   default in reassembleTcp); "zeroCopy off" copies waiting segments into reassembly memory and
//   out again (the WebAssembly kernel or its JS twin places them);
// - `pushTable`: the reassembler alone, on a table decoded before timing, with and without zeroCopy;
// - pcap TCPTracker: PcapPacket.decode (its Ethernet/IPv4/TCP decoders, one object tree per
//   packet) and track_packet, summing its "data send" events. It does not reorder (it emits data in
//   arrival order and keys retransmissions by end sequence number), so on the shuffled capture it
//   does less work than a reassembler: its figure is an upper bound for what it would cost.
// tinybench, p50 latency of each task per round; rounds rotate the task order and run in several
// fresh processes; the table shows medians over all rounds and half the interquartile range.
import { createRequire } from 'node:module';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Bench } from 'tinybench';
import { spreadPct, summarize } from './stats.mjs';
import { mergeSamples, runChildren } from './children.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const processes = Number(args[args.indexOf('--processes') + 1]) || (quick ? 1 : 3);
const MSS = 1448;
const PAYLOAD = (quick ? 4 : 16) * 1024 * 1024;

async function child() {
  const lib = await import(join(here, '..', 'dist', 'index.js'));
  const { compileFrame, writePcap, reassembleTcp, indexCapture, decodeBatch, TcpReassembler, setBackend, TcpFlag } = lib;
  const require = createRequire(join(here, 'peers-npm', 'package.json'));
  let PcapPacket = null;
  let TCPTracker = null;
  try {
    PcapPacket = require('pcap/decode/pcap_packet');
    TCPTracker = require('pcap/tcp_tracker').TCPTracker;
  } catch {
    process.stderr.write('bench/peers-npm is not installed: skipping the pcap package\n');
  }

  let seed = 0x2545f491;
  const rnd = (n) => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) % n;
  };
  const payload = new Uint8Array(PAYLOAD);
  for (let i = 0; i < payload.length; i++) payload[i] = (i * 2654435761) >>> 24;

  const isn = 0xfff00000; // the stream crosses 2^32
  const shape = (flags) => [
    { eth: { src: '02:00:00:00:00:01', dst: '02:00:00:00:00:02' } },
    { ip: { src: '10.0.0.1', dst: '10.0.0.2' } },
    { tcp: { srcport: 40000, dstport: 443, seq: 0, ack: 0, flags } },
  ];
  const back = (flags) => [
    { eth: { src: '02:00:00:00:00:02', dst: '02:00:00:00:00:01' } },
    { ip: { src: '10.0.0.2', dst: '10.0.0.1' } },
    { tcp: { srcport: 443, dstport: 40000, seq: 0, ack: 0, flags } },
  ];
  const emit = (t, data, values) => {
    const out = new Uint8Array(t.frameLength(data.length));
    t.emit(out, 0, data, values);
    return out;
  };
  const empty = new Uint8Array(0);
  const handshake = [
    emit(compileFrame(shape(TcpFlag.SYN)), empty, { seq: isn, ack: 0 }),
    emit(compileFrame(back(TcpFlag.SYN | TcpFlag.ACK)), empty, { seq: 7, ack: (isn + 1) >>> 0 }),
    emit(compileFrame(shape(TcpFlag.ACK)), empty, { seq: (isn + 1) >>> 0, ack: 8 }),
  ];
  const data = compileFrame(shape(TcpFlag.ACK | TcpFlag.PSH));
  const segments = [];
  for (let at = 0; at < PAYLOAD; at += MSS) segments.push(emit(data, payload.subarray(at, at + MSS), { seq: (isn + 1 + at) >>> 0, ack: 8 }));
  const shuffled = [...segments];
  for (let w = 0; w < shuffled.length; w += 32) {
    for (let i = Math.min(shuffled.length, w + 32) - 1; i > w; i--) {
      const j = w + rnd(i - w + 1);
      [shuffled[i], shuffled[j]] = [shuffled[j], shuffled[i]];
    }
  }
  const capture = (frames) =>
    writePcap(frames.map((f, i) => ({ data: f, timestamp: 1_700_000_000_000_000_000n + BigInt(i) * 1000n, linkType: 1, capturedLength: f.length, originalLength: f.length, interfaceId: 0 })), { precision: 'micro' });
  const workloads = { 'in order': capture([...handshake, ...segments]), shuffled: capture([...handshake, ...shuffled]) };

  // Every path reassembles the payload exactly before anything is timed.
  for (const [name, file] of Object.entries(workloads)) {
    for (const backend of ['wasm', 'js']) {
      setBackend(backend);
      const out = new Uint8Array(PAYLOAD);
      let at = 0;
      let gaps = 0;
      reassembleTcp(file, { onData: (c, d, bytes) => { out.set(bytes, at); at += bytes.length; }, onGap: () => gaps++ });
      if (at !== PAYLOAD || gaps !== 0 || out.some((x, k) => x !== payload[k])) throw new Error(`${name} (${backend}): reassembled payload differs`);
    }
  }
  setBackend('auto');

  // The same captures placed in WebAssembly memory (allocBuffer: one region, so both in one buffer):
  // the batch decoder then reads them where they are instead of copying each sub-batch in.
  const { allocBuffer } = lib;
  const names = Object.keys(workloads);
  const region = allocBuffer(names.reduce((n, k) => n + workloads[k].length, 0));
  const inWasm = {};
  {
    let at = 0;
    for (const k of names) {
      region.set(workloads[k], at);
      inWasm[k] = region.subarray(at, at + workloads[k].length);
      at += workloads[k].length;
    }
  }

  const tables = {};
  for (const [name, file] of Object.entries(workloads)) {
    const index = indexCapture(file);
    tables[name] = { index, table: decodeBatch(index) };
  }

  const impls = {
    'wirekit reassembleTcp (wasm)': (name) => {
      setBackend('wasm');
      let n = 0;
      reassembleTcp(workloads[name], { onData: (c, d, bytes) => { n += bytes.length; } });
      return n;
    },
    'wirekit reassembleTcp (wasm, capture in allocBuffer)': (name) => {
      setBackend('wasm');
      let n = 0;
      reassembleTcp(inWasm[name], { onData: (c, d, bytes) => { n += bytes.length; } });
      return n;
    },
    'wirekit reassembleTcp (js twin)': (name) => {
      setBackend('js');
      let n = 0;
      reassembleTcp(workloads[name], { onData: (c, d, bytes) => { n += bytes.length; } });
      return n;
    },
    'wirekit reassembleTcp (wasm, zeroCopy off)': (name) => {
      setBackend('wasm');
      let n = 0;
      reassembleTcp(workloads[name], { onData: (c, d, bytes) => { n += bytes.length; } }, { zeroCopy: false });
      return n;
    },
    'wirekit pushTable only (zeroCopy)': (name) => {
      setBackend('wasm');
      let n = 0;
      const r = new TcpReassembler({ onData: (c, d, bytes) => { n += bytes.length; } }, { zeroCopy: true });
      r.pushTable(tables[name].table, tables[name].index);
      r.end();
      return n;
    },
    'wirekit pushTable only (wasm, zeroCopy off)': (name) => {
      setBackend('wasm');
      let n = 0;
      const r = new TcpReassembler({ onData: (c, d, bytes) => { n += bytes.length; } });
      r.pushTable(tables[name].table, tables[name].index);
      r.end();
      return n;
    },
    'wirekit pushTable only (js twin, zeroCopy off)': (name) => {
      setBackend('js');
      let n = 0;
      const r = new TcpReassembler({ onData: (c, d, bytes) => { n += bytes.length; } });
      r.pushTable(tables[name].table, tables[name].index);
      r.end();
      return n;
    },
  };
  if (PcapPacket !== null) {
    // The pcap file's record headers are the 16 bytes node_pcap's PcapHeader reads (sec, usec, caplen, len; little-endian).
    const pcapInputs = {};
    for (const [name, { index }] of Object.entries(tables)) {
      const buf = Buffer.from(index.data.buffer, index.data.byteOffset, index.data.byteLength);
      pcapInputs[name] = Array.from({ length: index.count }, (_, i) => ({
        link_type: 'LINKTYPE_ETHERNET',
        header: buf.subarray(index.offsets[i] - 16, index.offsets[i]),
        buf: buf.subarray(index.offsets[i], index.offsets[i] + index.lengths[i]),
      }));
    }
    impls['pcap package TCPTracker (decode + track)'] = (name) => {
      let n = 0;
      const tracker = new TCPTracker();
      tracker.on('session', (s) => s.on('data send', (_s, d) => { n += d.length; }));
      const list = pcapInputs[name];
      for (let i = 0; i < list.length; i++) tracker.track_packet(new PcapPacket(null).decode(list[i]));
      return n;
    };
  }

  const rounds = quick ? 2 : 4;
  const samples = {};
  for (let r = 0; r < rounds; r++) {
    const bench = new Bench({ time: quick ? 300 : 800, warmup: true, warmupTime: 100 });
    const names = Object.keys(impls);
    const order = names.map((_, k) => names[(k + r) % names.length]);
    for (const workload of Object.keys(workloads)) {
      for (const name of order) {
        const fn = impls[name];
        bench.add(`${workload}|${name}`, () => {
          if (fn(workload) < (name.startsWith('pcap') ? 1 : PAYLOAD)) throw new Error(`${name}: short`);
        });
      }
    }
    await bench.run();
    for (const task of bench.tasks) (samples[task.name] ??= []).push(PAYLOAD / (task.result.latency.p50 / 1000));
  }
  setBackend('auto');
  process.stdout.write(JSON.stringify(samples));
}

async function parent() {
  const all = mergeSamples(runChildren(import.meta.url, processes, quick ? ['--quick'] : [], 'reassembly'));
  const med = {};
  for (const [k, v] of Object.entries(all)) med[k] = summarize(v);
  const fmt = (x) => (x >= 1e9 ? `${(x / 1e9).toFixed(2)} GB/s` : `${(x / 1e6).toFixed(0)} MB/s`);
  const workloads = [...new Set(Object.keys(med).map((k) => k.split('|')[0]))];
  const impls = [...new Set(Object.keys(med).map((k) => k.split('|')[1]))];
  const n = all[Object.keys(all)[0]].length;
  let md = `### TCP reassembly (payload bytes/s, median of ${n} rounds over ${processes} processes)\n\n`;
  md += `${PAYLOAD / 1048576} MiB of payload in ${MSS}-byte segments, one connection, an in-memory pcap; shuffled: segments permuted within windows of 32.\n\n`;
  md += `| implementation | ${workloads.join(' | ')} |\n|---|${workloads.map(() => '--:').join('|')}|\n`;
  for (const impl of impls) md += `| ${impl} | ${workloads.map((w) => { const s = med[`${w}|${impl}`]; return s ? `${fmt(s.median)} ±${spreadPct(s).toFixed(0)}%` : '—'; }).join(' | ')} |\n`;
  const peer = 'pcap package TCPTracker (decode + track)';
  if (impls.includes(peer)) {
    for (const impl of impls.filter((i) => i.startsWith('wirekit reassembleTcp'))) {
      md += `| *${impl} ÷ pcap TCPTracker* | ${workloads.map((w) => `${(med[`${w}|${impl}`].median / med[`${w}|${peer}`].median).toFixed(1)}×`).join(' | ')} |\n`;
    }
  }
  const ratio = (a, b) => `| *${a} ÷ ${b}* | ${workloads.map((w) => `${(med[`${w}|wirekit ${a}`].median / med[`${w}|wirekit ${b}`].median).toFixed(2)}×`).join(' | ')} |\n`;
  md += ratio('reassembleTcp (wasm)', 'reassembleTcp (js twin)');
  md += ratio('pushTable only (wasm, zeroCopy off)', 'pushTable only (js twin, zeroCopy off)');
  md += ratio('reassembleTcp (wasm)', 'reassembleTcp (wasm, zeroCopy off)');
  md += `\nTargets: in order >= 1.5 GB/s, shuffled >= 400 MB/s, >= 10x the pcap package's tracker. Command: \`npm run build && node bench/reassembly.mjs\`.\n`;
  mkdirSync(join(here, 'results'), { recursive: true });
  writeFileSync(join(here, 'results', 'reassembly.md'), md);
  process.stdout.write(md);
}

if (args.includes('--child')) await child();
else await parent();
