// HTTP/1.1 parsing: one direction's byte stream of keep-alive messages into whole messages,
// wirekit's Http1Parser (pure TypeScript) against what Node users have: http-parser-js (pure JS,
// the drop-in for Node's parser) and Node's own llhttp (C, reached through the deprecated
// process.binding('http_parser'), as Node's http module uses it).
//
//   npm run build && npm run bench:peers && node --no-deprecation bench/http.mjs [--quick] [--processes N]
//
// tinybench, p50 latency per round, rounds in several fresh processes; medians of messages/s with
// half the interquartile range. Each implementation must find every message before timing.
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
const COUNT = 2000;

async function child() {
  const lib = await import(join(here, '..', 'dist', 'index.js'));
  const { Http1Parser, encodeHttp1 } = lib;
  const require = createRequire(join(here, 'peers-npm', 'package.json'));
  const requests = [];
  for (let i = 0; i < COUNT; i++) {
    requests.push(encodeHttp1({
      type: 'request', method: i % 5 === 0 ? 'POST' : 'GET', target: `/api/v1/items/${i}?fields=name,price&page=${i % 7}`,
      headers: [
        { name: 'Host', value: 'shop.example' }, { name: 'User-Agent', value: 'Mozilla/5.0 (X11; Linux x86_64) wirekit-bench/1.0' },
        { name: 'Accept', value: 'application/json, text/plain, */*' }, { name: 'Accept-Encoding', value: 'gzip, deflate, br' },
        { name: 'Accept-Language', value: 'en-US,en;q=0.9' }, { name: 'Cookie', value: `session=${'ab'.repeat(24)}; theme=dark` },
        { name: 'Connection', value: 'keep-alive' },
      ],
      ...(i % 5 === 0 ? { body: JSON.stringify({ id: i, name: `item ${i}`, tags: ['a', 'b', 'c'] }) } : {}),
    }));
  }
  const stream = Buffer.concat(requests.map((r) => Buffer.from(r)));
  const impls = {
    'wirekit Http1Parser (TypeScript)': () => {
      let n = 0;
      const p = new Http1Parser({ onMessage: () => { n++; } }, { kind: 'request' });
      p.push(stream);
      return n;
    },
  };
  try {
    const { HTTPParser } = require('http-parser-js');
    impls['http-parser-js (JS)'] = () => {
      let n = 0;
      const p = new HTTPParser(HTTPParser.REQUEST);
      p[HTTPParser.kOnHeadersComplete] = () => {};
      p[HTTPParser.kOnBody] = () => {};
      p[HTTPParser.kOnMessageComplete] = () => { n++; };
      p.execute(stream);
      return n;
    };
  } catch {
    process.stderr.write('bench/peers-npm lacks http-parser-js: run npm run bench:peers\n');
  }
  try {
    const { HTTPParser } = process.binding('http_parser');
    impls["Node's llhttp (C)"] = () => {
      let n = 0;
      const p = new HTTPParser();
      p.initialize(HTTPParser.REQUEST, {});
      p[HTTPParser.kOnHeaders] = () => {};
      p[HTTPParser.kOnHeadersComplete] = () => 0;
      p[HTTPParser.kOnBody] = () => {};
      p[HTTPParser.kOnExecute] = () => {};
      p[HTTPParser.kOnMessageComplete] = () => { n++; };
      p.execute(stream);
      return n;
    };
  } catch {
    process.stderr.write("Node's http_parser binding is not reachable here\n");
  }
  for (const [name, run] of Object.entries(impls)) if (run() !== COUNT) throw new Error(`${name}: ${run()} messages, not ${COUNT}`);
  const rounds = quick ? 2 : 5;
  const samples = {};
  for (let r = 0; r < rounds; r++) {
    const names = Object.keys(impls);
    for (let k = 0; k < names.length; k++) {
      const name = names[(k + r) % names.length];
      const bench = new Bench({ time: quick ? 100 : 250, warmup: true, warmupTime: 50 });
      bench.add(name, impls[name]);
      await bench.run();
      (samples[name] ??= []).push(COUNT / (bench.tasks[0].result.latency.p50 / 1000));
    }
  }
  process.stdout.write(JSON.stringify({ samples, bytes: stream.length }));
}

async function parent() {
  const outputs = runChildren(import.meta.url, processes, quick ? ['--quick'] : [], 'http');
  const all = mergeSamples(outputs.map((o) => o.samples));
  const bytes = outputs[0].bytes;
  const n = all[Object.keys(all)[0]].length;
  let md = `### HTTP/1.1 request parsing (messages/s, median of ${n} rounds over ${processes} processes, Node ${process.version})\n\n`;
  md += '| implementation | messages/s | MB/s | ± |\n|---|--:|--:|--:|\n';
  for (const [k, v] of Object.entries(all)) {
    const s = summarize(v);
    md += `| ${k} | ${(s.median / 1e6).toFixed(2)} M | ${((s.median * bytes) / COUNT / 1e6).toFixed(0)} | ${spreadPct(s).toFixed(0)}% |\n`;
  }
  md += `\n${COUNT.toLocaleString('en-US')} keep-alive requests (${(bytes / COUNT).toFixed(0)} bytes each on average, 7 header fields, every fifth a POST with a JSON body) in one buffer per call; every parser counts whole messages (wirekit's also gives each one's fields and byte range). Command: \`npm run build && npm run bench:peers && node --no-deprecation bench/http.mjs\`.\n`;
  process.stdout.write(`${md}\n`);
  mkdirSync(join(here, 'results'), { recursive: true });
  writeFileSync(join(here, 'results', 'http.md'), md);
}

if (args.includes('--child')) await child();
else await parent();
