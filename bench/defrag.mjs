// IP fragmentation and reassembly benchmark: IpDefragmenter on 4-fragment UDP datagrams (5,888
// bytes of UDP payload over a 1500-byte MTU; in order, each datagram's fragments shuffled, and 64
// datagrams' fragments interleaved), IPv6 likewise over 1280, packets that are not fragments (the
// cost every packet pays when a capture is fed through), and fragmentIpv4 / fragmentIpv6.
//
//   npm run build && node bench/defrag.mjs [--quick] [--processes N]
//
// tinybench, p50 latency of each task per round; rounds interleave the tasks (rotated order) and
// run in several fresh processes; the table shows medians over all rounds and half the
// interquartile range. Each task call handles a batch of 256 datagrams (or packets), so a call
// is far above timer resolution; closures and defragmenters are made afresh every round. Counted:
// the whole push() per fragment including the copy into the defragmenter and, at completion, the
// reassembled packet (header written in front of the data: no second copy); not counted: making
// the fragments (prebuilt).
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
const BATCH = 256;

async function child() {
  const lib = await import(join(here, '..', 'dist', 'index.js'));
  const { encodeIpv4, encodeIpv6, fragmentIpv4, fragmentIpv6, IpDefragmenter } = lib;
  let seed = 0x9e3779b9;
  const rnd = (n) => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) % n;
  };
  const shuffle = (a) => {
    for (let i = a.length - 1; i > 0; i--) {
      const j = rnd(i + 1);
      [a[i], a[j]] = [a[j], a[i]];
    }
    return a;
  };
  const udp = (i) => {
    const b = new Uint8Array(8 + 1472 * 4);
    for (let k = 8; k < b.length; k++) b[k] = (k * 31 + i) & 0xff;
    b[0] = 0x9c;
    b[2] = 0x00;
    b[3] = 0x35;
    b[4] = (b.length >>> 8) & 0xff;
    b[5] = b.length & 0xff;
    return b;
  };
  // BATCH distinct datagrams (distinct ids and sources), fragmented once.
  const v4 = Array.from({ length: BATCH }, (_, i) => fragmentIpv4(encodeIpv4({ src: `10.0.${i >> 8}.${i & 255}`, dst: '10.1.0.2', protocol: 17, id: i }, udp(i)), 1500));
  const v6 = Array.from({ length: BATCH }, (_, i) => fragmentIpv6(encodeIpv6({ src: `2001:db8::${i.toString(16)}`, dst: '2001:db8::2', protocol: 17 }, udp(i)), 1280, { identification: i }));
  if (v4[0].length !== 4 || v6[0].length !== 5) throw new Error(`unexpected fragment counts ${v4[0].length} / ${v6[0].length}`);
  const inOrder = v4.flat();
  const eachShuffled = v4.flatMap((f) => shuffle([...f]));
  const interleaved = [];
  for (let g = 0; g < BATCH; g += 64) interleaved.push(...shuffle(v4.slice(g, g + 64).flat()));
  const v6InOrder = v6.flat();
  const plain = Array.from({ length: BATCH }, (_, i) => encodeIpv4({ src: '10.0.0.1', dst: '10.1.0.2', protocol: 17, id: i }, new Uint8Array(100 + (i % 1300))));
  const datagrams = v4.map((f, i) => encodeIpv4({ src: `10.0.${i >> 8}.${i & 255}`, dst: '10.1.0.2', protocol: 17, id: i }, udp(i)));
  const datagrams6 = v6.map((_, i) => encodeIpv6({ src: `2001:db8::${i.toString(16)}`, dst: '2001:db8::2', protocol: 17 }, udp(i)));

  // Every input reassembles to its datagram before anything is timed.
  for (const [name, input, want] of [['in order', inOrder, BATCH], ['shuffled', eachShuffled, BATCH], ['interleaved', interleaved, BATCH], ['ipv6', v6InOrder, BATCH]]) {
    const d = new IpDefragmenter();
    let n = 0;
    for (const p of input) {
      const r = d.push(p, 0n);
      if (r.status === 'complete') {
        const orig = name === 'ipv6' ? datagrams6[r.datagram.id] : datagrams[r.datagram.id];
        if (r.packet.length !== orig.length || r.packet.some((x, k) => x !== orig[k])) throw new Error(`${name}: datagram ${r.datagram.id} differs`);
        n++;
      }
    }
    if (n !== want) throw new Error(`${name}: ${n} datagrams reassembled, expected ${want}`);
  }

  const defragTask = (input) => () => {
    const d = new IpDefragmenter();
    let t = 0n;
    return () => {
      let n = 0;
      for (let i = 0; i < input.length; i++) if (d.push(input[i], t++).status === 'complete') n++;
      if (n !== BATCH && input !== plain) throw new Error('lost datagrams');
      return n;
    };
  };
  const tasks = {
    'defrag IPv4, in order': { unit: 'datagrams', make: defragTask(inOrder) },
    "defrag IPv4, each datagram's fragments shuffled": { unit: 'datagrams', make: defragTask(eachShuffled) },
    'defrag IPv4, 64 datagrams interleaved': { unit: 'datagrams', make: defragTask(interleaved) },
    'defrag IPv6, in order (5 fragments over 1280)': { unit: 'datagrams', make: defragTask(v6InOrder) },
    'push of a packet that is not a fragment': { unit: 'packets', make: defragTask(plain) },
    'fragmentIpv4, MTU 1500 (4 fragments each)': {
      unit: 'fragments',
      make: () => () => {
        let n = 0;
        for (let i = 0; i < BATCH; i++) n += fragmentIpv4(datagrams[i], 1500).length;
        return n;
      },
      perCall: BATCH * 4,
    },
    'fragmentIpv6, MTU 1280 (5 fragments each)': {
      unit: 'fragments',
      make: () => () => {
        let n = 0;
        for (let i = 0; i < BATCH; i++) n += fragmentIpv6(datagrams6[i], 1280, { identification: i }).length;
        return n;
      },
      perCall: BATCH * 5,
    },
  };

  const rounds = quick ? 3 : 6;
  const samples = {};
  for (let r = 0; r < rounds; r++) {
    const bench = new Bench({ time: quick ? 150 : 400, warmup: true, warmupTime: 50 });
    const names = Object.keys(tasks);
    for (let k = 0; k < names.length; k++) {
      const name = names[(k + r) % names.length];
      bench.add(name, tasks[name].make()); // a fresh closure (and defragmenter) per round
    }
    await bench.run();
    for (const task of bench.tasks) {
      const perCall = tasks[task.name].perCall ?? BATCH;
      (samples[task.name] ??= []).push(perCall / (task.result.latency.p50 / 1000));
    }
  }
  process.stdout.write(JSON.stringify({ samples, units: Object.fromEntries(Object.entries(tasks).map(([k, v]) => [k, v.unit])) }));
}

async function parent() {
  const outputs = runChildren(import.meta.url, processes, quick ? ['--quick'] : [], 'defrag');
  const all = mergeSamples(outputs.map((out) => out.samples));
  const units = outputs.at(-1).units;
  const fmt = (x) => (x >= 1e6 ? `${(x / 1e6).toFixed(2)} M` : `${(x / 1e3).toFixed(0)} k`);
  const n = all[Object.keys(all)[0]].length;
  let md = `### IP fragmentation and reassembly (median of ${n} rounds over ${processes} processes, Node ${process.version})\n\n`;
  md += '| task | rate | ± |\n|---|--:|--:|\n';
  for (const [k, v] of Object.entries(all)) {
    const s = summarize(v);
    md += `| ${k} | ${fmt(s.median)} ${units[k]}/s | ${spreadPct(s).toFixed(0)}% |\n`;
  }
  md += `\nUDP datagrams of 5,888 payload bytes (4 IPv4 fragments over MTU 1500, 5 IPv6 fragments over 1280), ${BATCH} distinct datagrams per timed call, prebuilt; a fresh IpDefragmenter per round. "not a fragment": IPv4 packets of 100-1400 bytes. Command: \`npm run build && node bench/defrag.mjs\`.\n`;
  process.stdout.write(`${md}\n`);
  mkdirSync(join(here, 'results'), { recursive: true });
  writeFileSync(join(here, 'results', 'defrag.md'), md);
}

if (args.includes('--child')) await child();
else await parent();
