// Packet decode and encode benchmark: wirekit's decodePacket (with and without checksum checks and
// fields()), against the npm `pcap` package's pure-JS decoders and a hand-written DataView parser;
// and frame building with emitFrame. Runs several fresh processes, interleaves implementations
// round by round, and reports medians (packets/s) and per-round ratios.
//
//   node bench/packets.mjs [--quick] [--processes N]
//
// Peers come from bench/peers-npm (installed with --ignore-scripts by `npm run bench`: the pcap
// package's native libpcap addon is not needed for its decoders).
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeFileSync, mkdirSync } from 'node:fs';
import { summarize, spreadPct } from './stats.mjs';
import { mergeSamples, runChildren } from './children.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const processes = Number(args[args.indexOf('--processes') + 1]) || (quick ? 1 : 3);

const BATCH = 1024; // packets per timed call: a call of ~0.1-1 ms, far above timer resolution

async function child() {
  const lib = await import(join(here, '..', 'dist', 'index.js'));
  const require = createRequire(join(here, 'peers-npm', 'package.json'));
  let PcapEthernet = null;
  try {
    PcapEthernet = require('pcap/decode/ethernet_packet');
  } catch {
    process.stderr.write('bench/peers-npm is not installed: skipping the pcap package\n');
  }
  const { encodeFrame, emitFrame, decodePacket, TcpFlag } = lib;

  // Three traffic mixes, BATCH distinct frames each, in one receive-buffer-like Buffer per mix.
  const rnd = (() => {
    let x = 0x2545f491;
    return (n) => {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      return (x >>> 0) % n;
    };
  })();
  const mac = (i) => `02:00:00:${(i >> 16) & 255}:${(i >> 8) & 255}:${i & 255}`.replace(/:(\d+)/g, (_, d) => ':' + Number(d).toString(16).padStart(2, '0'));
  // UDP goes to port 9 (discard): no decoder here or in the pcap package reads past UDP there, so
  // every implementation decodes the same headers (on port 53 wirekit would go on into DNS).
  const mixes = {
    'eth/ipv4/tcp': (i) =>
      encodeFrame(
        [
          { eth: { src: mac(i), dst: mac(i + 1) } },
          { ip: { src: `10.0.${i & 255}.1`, dst: '10.1.0.2', ttl: 64, id: i } },
          { tcp: { srcport: 1024 + i, dstport: 443, seq: i * 7919, ack: i * 104729, flags: TcpFlag.ACK | TcpFlag.PSH, options: [{ kind: 'nop' }, { kind: 'nop' }, { kind: 'timestamp', tsval: i, tsecr: i + 1 }] } },
        ],
        new Uint8Array(rnd(1400)),
      ),
    'eth/ipv6/udp': (i) =>
      encodeFrame(
        [{ eth: { src: mac(i), dst: mac(i + 1) } }, { ipv6: { src: `2001:db8::${(i & 0xffff).toString(16)}`, dst: '2001:db8::2' } }, { udp: { srcport: 40000 + (i % 20000), dstport: 9 } }],
        new Uint8Array(rnd(512)),
      ),
    'eth/vlan/ipv4/udp': (i) =>
      encodeFrame(
        [{ eth: { src: mac(i), dst: mac(i + 1) } }, { vlan: { id: 1 + (i % 4000), priority: i % 8 } }, { ip: { src: '192.0.2.1', dst: `198.51.100.${i & 255}` } }, { udp: { srcport: 40000 + (i % 20000), dstport: 9 } }],
        new Uint8Array(rnd(200)),
      ),
  };
  const inputs = {};
  for (const [name, make] of Object.entries(mixes)) {
    const frames = Array.from({ length: BATCH }, (_, i) => make(i));
    const total = frames.reduce((n, f) => n + f.length, 0);
    const backing = Buffer.alloc(total);
    let at = 0;
    inputs[name] = frames.map((f) => {
      backing.set(f, at);
      const view = backing.subarray(at, at + f.length);
      at += f.length;
      return view;
    });
  }

  // The parser a user would write by hand for the same headers: DataView reads, a small object.
  const dataViewParse = (b) => {
    const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
    let off = 14;
    let type = v.getUint16(12);
    let vlan = 0;
    if (type === 0x8100) {
      vlan = v.getUint16(14) & 0xfff;
      type = v.getUint16(16);
      off = 18;
    }
    const r = { type, vlan, src: 0, dst: 0, proto: 0, sport: 0, dport: 0, seq: 0, ack: 0, flags: 0 };
    if (type === 0x0800) {
      const ihl = (v.getUint8(off) & 15) * 4;
      r.proto = v.getUint8(off + 9);
      r.src = v.getUint32(off + 12);
      r.dst = v.getUint32(off + 16);
      off += ihl;
    } else if (type === 0x86dd) {
      r.proto = v.getUint8(off + 6);
      off += 40;
    }
    r.sport = v.getUint16(off);
    r.dport = v.getUint16(off + 2);
    if (r.proto === 6) {
      r.seq = v.getUint32(off + 4);
      r.ack = v.getUint32(off + 8);
      r.flags = v.getUint16(off + 12) & 0xfff;
    }
    return r;
  };

  const impls = {
    'wirekit decodePacket (checksums off)': (frames) => {
      let n = 0;
      for (let i = 0; i < frames.length; i++) n += decodePacket(frames[i], { checksums: false }).layers.length;
      return n;
    },
    'wirekit decodePacket (checksums verified)': (frames) => {
      let n = 0;
      for (let i = 0; i < frames.length; i++) n += decodePacket(frames[i]).layers.length;
      return n;
    },
    // What a caller of decodePacket mostly does next: read a header (here the transport layer's,
    // built on this first access, its checksum verified over the payload in the second row).
    'wirekit decodePacket + transport header read (checksums off)': (frames) => {
      let n = 0;
      for (let i = 0; i < frames.length; i++) {
        const layers = decodePacket(frames[i], { checksums: false }).layers;
        n += layers[layers.length - 1].header.srcport;
      }
      return n;
    },
    'wirekit decodePacket + transport header read (checksums verified)': (frames) => {
      let n = 0;
      for (let i = 0; i < frames.length; i++) {
        const layers = decodePacket(frames[i]).layers;
        n += layers[layers.length - 1].header.checksumStatus === 'good' ? 1 : 0;
      }
      if (n !== frames.length) throw new Error(`${frames.length - n} frames failed their checksum check`);
      return n;
    },
    'wirekit decodePacket + fields()': (frames) => {
      let n = 0;
      for (let i = 0; i < frames.length; i++) n += Object.keys(decodePacket(frames[i], { checksums: false }).fields()).length;
      return n;
    },
    'hand-written DataView parser': (frames) => {
      let n = 0;
      for (let i = 0; i < frames.length; i++) n += dataViewParse(frames[i]).sport;
      return n;
    },
  };
  if (PcapEthernet) {
    const emitter = null;
    impls['pcap package decoders (pure JS)'] = (frames) => {
      let n = 0;
      for (let i = 0; i < frames.length; i++) n += new PcapEthernet(emitter).decode(frames[i], 0).ethertype;
      return n;
    };
  }
  if (typeof lib.decodeBatch === 'function') {
    impls['wirekit decodeBatch (wasm)'] = (frames) => {
      lib.setBackend('wasm');
      const t = lib.decodeBatch(frames);
      lib.setBackend('auto');
      return t.count;
    };
    impls['wirekit decodeBatch (js twin)'] = (frames) => {
      lib.setBackend('js');
      const t = lib.decodeBatch(frames);
      lib.setBackend('auto');
      return t.count;
    };
  }

  // Encoding: Ethernet/IPv4/TCP frames with checksums, written into one preallocated buffer.
  const payload1500 = new Uint8Array(1460).fill(0x61);
  const out = new Uint8Array(2048 * 64);
  const layersFor = (i) => [
    { eth: { src: '02:00:00:00:00:01', dst: '02:00:00:00:00:02' } },
    { ip: { src: '10.0.0.1', dst: '10.0.0.2', id: i & 0xffff } },
    { tcp: { srcport: 40000, dstport: 80, seq: i, ack: 1, flags: TcpFlag.ACK } },
  ];
  const specs = Array.from({ length: 64 }, (_, i) => layersFor(i));
  const encoders = {
    'emitFrame eth/ipv4/tcp, 1460-byte payload': () => {
      let at = 0;
      for (let i = 0; i < 64; i++) at += emitFrame(specs[i], payload1500, out, (i & 63) * 1600);
      return at;
    },
    'emitFrame eth/ipv4/tcp, no payload': () => {
      let at = 0;
      for (let i = 0; i < 64; i++) at += emitFrame(specs[i], new Uint8Array(0), out, (i & 63) * 1600);
      return at;
    },
  };

  // Frame templates (compileFrame): the same frames, compiled once, then per frame one copy of the
  // 54 header bytes, the per-frame fields (seq, ack, IPv4 id) and both checksums finished from
  // precomputed sums. Every row writes 64 frames back to back with fresh seq/ack/id values and
  // checksums computed for real; what differs is how the 1460-byte payload gets there:
  //   copied + summed    the payload is copied into each frame and summed each frame;
  //   pre-placed, summed the payload already sits in each frame (placed once before timing) and is
  //                      summed where it lies, in WASM memory (allocBuffer) so the sum needs no copy;
  //   payloadSum given   pre-placed, and its sum given by the caller (one payload, many frames):
  //                      the payload bytes are neither copied nor read, only headers are written;
  //   emitMany           typed-array columns for seq/ack/id, no per-frame objects.
  if (typeof lib.compileFrame === 'function') {
    const { compileFrame, allocBuffer, onesComplementSum } = lib;
    const shape = [
      { eth: { src: '02:00:00:00:00:01', dst: '02:00:00:00:00:02' } },
      { ip: { src: '10.0.0.1', dst: '10.0.0.2', id: 0 } },
      { tcp: { srcport: 40000, dstport: 80, seq: 0, ack: 1, flags: TcpFlag.ACK } },
    ];
    const t = compileFrame(shape);
    const frameLength = t.frameLength(payload1500.length);
    const payloadSum = onesComplementSum(payload1500);
    const placeAll = (buf) => {
      for (let i = 0; i < 64; i++) buf.set(payload1500, i * frameLength + t.headerLength);
      return buf;
    };
    const placed = placeAll(new Uint8Array(frameLength * 64));
    const placedWasm = placeAll(allocBuffer(frameLength * 64));
    const offsets = new Uint32Array(65);
    const seqColumn = new Uint32Array(64);
    const ackColumn = new Uint32Array(64);
    const idColumn = new Uint16Array(64);
    const sumColumn = new Float64Array(64).fill(payloadSum);
    let base = 0; // seq/ack/id move on every call, as a sender's would
    const next = () => (base = (base + 64 * 1460) >>> 0);
    const fillColumns = (b) => {
      for (let i = 0; i < 64; i++) {
        seqColumn[i] = (b + i * 1460) >>> 0;
        ackColumn[i] = (b ^ 0x5555) >>> 0;
        idColumn[i] = (b + i) & 0xffff;
      }
    };
    // The frames are emitFrame's: check once before timing, so no row measures wrong bytes.
    {
      const b = 12345;
      const check = new Uint8Array(frameLength);
      t.emit(check, 0, payload1500, { seq: b, ack: b ^ 0x5555, id: b & 0xffff });
      const want = encodeFrame([shape[0], { ip: { ...shape[1].ip, id: b & 0xffff } }, { tcp: { ...shape[2].tcp, seq: b, ack: b ^ 0x5555 } }], payload1500);
      if (want.length !== check.length || want.some((x, k) => x !== check[k])) throw new Error('compileFrame and encodeFrame disagree');
    }
    Object.assign(encoders, {
      'template emit, 1460-byte payload copied + summed per frame': () => {
        const b = next();
        let at = 0;
        for (let i = 0; i < 64; i++) at += t.emit(out, at, payload1500, { seq: (b + i * 1460) >>> 0, ack: (b ^ 0x5555) >>> 0, id: (b + i) & 0xffff });
        return at;
      },
      'template emit, payload pre-placed, summed in place (WASM memory)': () => {
        const b = next();
        let at = 0;
        for (let i = 0; i < 64; i++) at += t.emit(placedWasm, at, 1460, { seq: (b + i * 1460) >>> 0, ack: (b ^ 0x5555) >>> 0, id: (b + i) & 0xffff });
        return at;
      },
      'template emit, payload pre-placed, payloadSum given': () => {
        const b = next();
        let at = 0;
        for (let i = 0; i < 64; i++) at += t.emit(placed, at, 1460, { seq: (b + i * 1460) >>> 0, ack: (b ^ 0x5555) >>> 0, id: (b + i) & 0xffff, payloadSum });
        return at;
      },
      'template emitMany, one payload copied into each frame, summed once': () => {
        fillColumns(next());
        return t.emitMany(out, 0, 64, payload1500, { seq: seqColumn, ack: ackColumn, id: idColumn }, offsets)[64];
      },
      'template emitMany, payloads pre-placed, payloadSum column': () => {
        fillColumns(next());
        return t.emitMany(placed, 0, 64, 1460, { seq: seqColumn, ack: ackColumn, id: idColumn, payloadSum: sumColumn }, offsets)[64];
      },
      'template emit, no payload (padded to 60 bytes)': () => {
        const b = next();
        let at = 0;
        for (let i = 0; i < 64; i++) at += t.emit(out, at, 0, { seq: (b + i * 1460) >>> 0, ack: (b ^ 0x5555) >>> 0, id: (b + i) & 0xffff });
        return at;
      },
    });
  } else {
    process.stderr.write('compileFrame is not exported from dist: skipping the frame-template rows\n');
  }

  const rounds = quick ? 3 : 8;
  const roundMs = quick ? 150 : 400;
  const time = (fn, arg) => {
    fn(arg); // warm
    let calls = 0;
    const t0 = performance.now();
    let t = t0;
    while (t - t0 < roundMs) {
      fn(arg);
      calls++;
      t = performance.now();
    }
    return { calls, ms: t - t0 };
  };
  const samples = {};
  for (let r = 0; r < rounds; r++) {
    for (const [mix, frames] of Object.entries(inputs)) {
      const names = Object.keys(impls);
      const order = names.map((_, k) => names[(k + r) % names.length]);
      for (const name of order) {
        // A fresh closure per round, as callers make them.
        const fn = (f) => impls[name](f);
        const { calls, ms } = time(fn, frames);
        (samples[`${mix}|${name}`] ??= []).push((calls * frames.length) / (ms / 1000));
      }
    }
    for (const [name, fn] of Object.entries(encoders)) {
      const { calls, ms } = time(() => fn(), undefined);
      (samples[`encode|${name}`] ??= []).push((calls * 64) / (ms / 1000));
    }
  }
  process.stdout.write(JSON.stringify(samples));
}

async function parent() {
  const all = mergeSamples(runChildren(import.meta.url, processes, quick ? ['--quick'] : [], 'packets'));
  const med = {};
  for (const [k, v] of Object.entries(all)) med[k] = summarize(v);
  const fmt = (x) => (x >= 1e6 ? `${(x / 1e6).toFixed(2)} M` : `${(x / 1e3).toFixed(0)} k`);
  const mixes = [...new Set(Object.keys(med).map((k) => k.split('|')[0]))].filter((m) => m !== 'encode');
  const impls = [...new Set(Object.keys(med).filter((k) => !k.startsWith('encode|')).map((k) => k.split('|')[1]))];
  let md = `### Packet decoding (packets/s, median of ${all[Object.keys(all)[0]].length} rounds over ${processes} processes)\n\n`;
  md += `| implementation | ${mixes.join(' | ')} |\n|---|${mixes.map(() => '--:').join('|')}|\n`;
  for (const impl of impls) md += `| ${impl} | ${mixes.map((m) => { const s = med[`${m}|${impl}`]; return s ? `${fmt(s.median)} ±${spreadPct(s).toFixed(0)}%` : '—'; }).join(' | ')} |\n`;
  const peer = 'pcap package decoders (pure JS)';
  for (const impl of impls.filter((i) => i.startsWith('wirekit'))) {
    if (!impls.includes(peer)) break;
    md += `| *${impl} ÷ pcap package* | ${mixes.map((m) => `${(med[`${m}|${impl}`].median / med[`${m}|${peer}`].median).toFixed(2)}×`).join(' | ')} |\n`;
  }
  if (impls.includes('wirekit decodeBatch (wasm)')) {
    md += `| *decodeBatch wasm ÷ js twin* | ${mixes.map((m) => `${(med[`${m}|wirekit decodeBatch (wasm)`].median / med[`${m}|wirekit decodeBatch (js twin)`].median).toFixed(2)}×`).join(' | ')} |\n`;
  }
  md += `\n### Frame encoding (frames/s)\n\n| what | frames/s |\n|---|--:|\n`;
  for (const [k, s] of Object.entries(med).filter(([k]) => k.startsWith('encode|'))) md += `| ${k.slice(7)} | ${fmt(s.median)} ±${spreadPct(s).toFixed(0)}% |\n`;
  md += `\nEthernet/IPv4/TCP frames, IPv4 and TCP checksums computed for every frame; 64 frames per timed call. emitFrame parses the layer objects each frame.`;
  if (Object.keys(med).some((k) => k.startsWith('encode|template'))) {
    md += ` Template rows compile them once (compileFrame); "pre-placed" rows do not copy the payload (it was put in place once, before timing); "payloadSum given" rows do not read it either.`;
  }
  md += '\n';
  process.stdout.write(md + '\n');
  mkdirSync(join(here, 'results'), { recursive: true });
  writeFileSync(join(here, 'results', 'packets.json'), JSON.stringify({ date: new Date().toISOString(), node: process.version, medians: med, samples: all }, null, 1));
}

if (args.includes('--child')) await child();
else await parent();
