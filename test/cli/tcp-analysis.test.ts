// tshark's TCP sequence analysis in `wirekit decode`: the flags tshark 4.0 puts in front of the
// info column ([TCP Retransmission], [TCP Dup ACK 8#2], ...), the tcp.analysis.* fields of
// --json, and display filters on them, against its output on crafted cases
// (test/fixtures/cli/make-tcp-analysis.sh) that give every flag.
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { analysisFields, analysisJson, analysisPrefix, TcpAnalysis, TcpTracker } from '../../src/cli/summary-tcp.js';
import { cli, cliFixture, lines, tsharkSummary } from './cli-util.js';

const FLAGS = [
  'TCP Previous segment not captured',
  'TCP ACKed unseen segment',
  'TCP Dup ACK',
  'TCP Fast Retransmission',
  'TCP Retransmission',
  'TCP Spurious Retransmission',
  'TCP Out-Of-Order',
  'TCP Window Update',
  'TCP Window Full',
  'TCP Keep-Alive',
  'TCP Keep-Alive ACK',
  'TCP ZeroWindow',
  'TCP ZeroWindowProbe',
  'TCP ZeroWindowProbeAck',
  'TCP Port numbers reused',
];

describe('TCP analysis flags', () => {
  const want = tsharkSummary('tcp-analysis.pcap.summary.txt');

  it('the fixture gives every flag tshark prints, some two to a line', () => {
    for (const flag of FLAGS) expect(want.some((l) => l.includes(`[${flag}]`) || l.includes(`[${flag} `)), flag).toBe(true);
    expect(want.filter((l) => /\] \[TCP /.test(l)).length).toBeGreaterThan(2);
  });

  it('every summary line equals tshark 4.0\'s, flags included', () => {
    const r = cli(['decode', cliFixture('tcp-analysis.pcap')]);
    expect(r.stderr).toBe('');
    expect(lines(r.stdout)).toEqual(want);
  });

  it('a -Y filter shows the flags the whole capture gave (the analysis runs on packets not shown)', () => {
    const r = cli(['decode', '-Y', 'tcp.port == 34570', cliFixture('tcp-analysis.pcap')]);
    expect(lines(r.stdout)).toEqual(want.filter((l) => / (34570 → \d+|\d+ → 34570) /.test(l)));
  });

  it.each(['tcp-analysis.pcap', 'tcp-loss.pcap', 'tls-loss.pcap', 'http-keepalive-loss.pcap'])('%s: --json gives tshark\'s tcp.analysis fields on every frame, and no others', (capture) => {
    const [head, ...rows] = lines(readFileSync(cliFixture(`${capture}.fields.tsv`), 'utf8')).map((l) => l.split('\t'));
    const r = cli(['decode', '--json', cliFixture(capture)]);
    expect(r.stderr).toBe('');
    const packets = lines(r.stdout).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(packets).toHaveLength(rows.length);
    let present = 0;
    rows.forEach((row, i) => {
      const packet = packets[i]!;
      for (let k = 1; k < head!.length; k++) {
        const name = head![k]!;
        const value = packet[name];
        // tshark -T fields prints a flag (no value) as 1, once per occurrence.
        const ours = value === undefined ? '' : (Array.isArray(value) ? value : [value]).map((v) => (v === '' ? '1' : String(v))).join(',');
        expect(ours, `frame ${i + 1} ${name}`).toBe(row[k] ?? '');
        if (ours !== '') present++;
      }
      for (const name of Object.keys(packet)) {
        if (name.startsWith('tcp.analysis.') && name !== 'tcp.analysis.flags') expect(head, `frame ${i + 1}`).toContain(name);
      }
      expect('tcp.analysis.flags' in packet, `frame ${i + 1}`).toBe(/\[TCP (?!segment)/.test(tsharkSummary(`${capture}.summary.txt`)[i]!));
    });
    expect(present).toBeGreaterThan(capture === 'tcp-analysis.pcap' ? 250 : 100);
  });

  it('a real capture with loss (make-tcp-loss.sh: the kernel\'s retransmissions, duplicate ACKs and SACKs): every line tshark\'s', () => {
    const want = tsharkSummary('tcp-loss.pcap.summary.txt');
    for (const flag of ['TCP Dup ACK', 'TCP Fast Retransmission', 'TCP Retransmission', 'TCP Out-Of-Order', 'TCP Window Update']) expect(want.some((l) => l.includes(`[${flag}`)), flag).toBe(true);
    // After a loss the HTTP body's segments still read as part of it, as in tshark.
    expect(want.filter((l) => l.endsWith('[TCP segment of a reassembled PDU]')).length).toBeGreaterThan(20);
    const r = cli(['decode', cliFixture('tcp-loss.pcap')]);
    expect(r.stderr).toBe('');
    expect(lines(r.stdout)).toEqual(want);
  });

  it('-Y filters on the analysis fields keep what tshark keeps', () => {
    const filters = lines(readFileSync(cliFixture('tcp-analysis.filters.txt'), 'utf8'));
    filters.forEach((filter, k) => {
      const r = cli(['decode', '-Y', filter, cliFixture('tcp-analysis.pcap')]);
      expect(r.stderr, filter).toBe('');
      expect(lines(r.stdout), filter).toEqual(tsharkSummary(`tcp-analysis.pcap.${k + 1}.filtered.txt`));
    });
  });

  it('--json writes the same analysis fields on its fast path as on the general one (a filter takes every packet there)', () => {
    const fast = cli(['decode', '--json', cliFixture('tcp-analysis.pcap')]).stdout;
    const general = cli(['decode', '--json', '-Y', 'tcp', cliFixture('tcp-analysis.pcap')]).stdout;
    expect(lines(general)).toHaveLength(112);
    expect(general).toBe(fast);
  });

  it('a real keep-alive HTTP capture with loss: a copy of a response\'s first segment gets no marker, as in tshark', () => {
    const want = tsharkSummary('http-keepalive-loss.pcap.summary.txt');
    expect(want.filter((l) => / HTTP \d+ HTTP\/1\.1 200 OK/.test(l)).length).toBeGreaterThanOrEqual(4);
    expect(want.some((l) => /\[TCP Out-Of-Order\] .*Len=\d+ TSval=\d+ TSecr=\d+$/.test(l))).toBe(true);
    const r = cli(['decode', cliFixture('http-keepalive-loss.pcap')]);
    expect(r.stderr).toBe('');
    expect(lines(r.stdout)).toEqual(want);
  });

  it('a real TLS capture with loss: every line tshark\'s but where tshark reports a reassembly error', () => {
    const want = tsharkSummary('tls-loss.pcap.summary.txt');
    const r = cli(['decode', cliFixture('tls-loss.pcap')]);
    expect(r.stderr).toBe('');
    const got = lines(r.stdout);
    expect(got).toHaveLength(want.length);
    // The flags before an emptied column keep TCP's separating space: "[TCP Window Full]  [TCP segment ...".
    expect(want.some((l) => l.endsWith('[TCP Window Full]  [TCP segment of a reassembled PDU]'))).toBe(true);
    want.forEach((line, i) => {
      // tshark's msp reassembly complains about an overlap wirekit's reassembler takes in silence.
      const cut = line.indexOf('[Reassembly error, protocol TCP:');
      expect(got[i], `frame ${i + 1}`).toBe(cut === -1 ? line : line.slice(0, cut));
    });
    expect(want.filter((l) => l.includes('[Reassembly error')).length).toBe(1);
  });
});

describe('TcpTracker analysis on arbitrary segments', () => {
  const segment = fc.record({
    forward: fc.boolean(),
    seq: fc.oneof(fc.integer({ min: 0, max: 3000 }), fc.constantFrom(0xfffffff0, 0xffffffff, 0)),
    ack: fc.oneof(fc.integer({ min: 0, max: 3000 }), fc.constantFrom(0xffffffff, 0)),
    flags: fc.oneof(fc.constant(0x10), fc.constant(0x18), fc.integer({ min: 0, max: 0x1ff })),
    window: fc.oneof(fc.constant(0), fc.constant(1000), fc.integer({ min: 0, max: 0xffff })),
    shift: fc.option(fc.integer({ min: -1, max: 14 }), { nil: undefined }),
    length: fc.oneof(fc.constant(0), fc.constant(1), fc.integer({ min: 0, max: 1500 })),
    dt: fc.oneof(fc.constant(0n), fc.bigInt({ min: -5_000_000n, max: 50_000_000n })),
  });

  it('never throws, keeps its numbers in range, and writes the same fields to --json\'s fast path as to the general one', () => {
    fc.assert(
      fc.property(fc.array(segment, { maxLength: 60 }), (segments) => {
        const t = new TcpTracker();
        let time = 1_700_000_000_000_000_000n;
        segments.forEach((s, i) => {
          time += s.dt;
          const [a, b] = s.forward ? ['10.0.0.1', '10.0.0.2'] : ['10.0.0.2', '10.0.0.1'];
          const st = t.segment(a, s.forward ? 1000 : 80, b, s.forward ? 80 : 1000, s.seq, s.ack, s.flags, s.window, s.flags & 2 ? s.shift ?? -1 : undefined, s.length, i + 1, time);
          if (st.analysis & TcpAnalysis.DUP_ACK) expect(st.dupAckNum).toBeGreaterThan(0);
          expect(st.bytesInFlight).toBeGreaterThanOrEqual(0);
          expect(st.bytesInFlight).toBeLessThan(2_000_000_000);
          // The fast path's members are the general path's fields, a name given twice as one array.
          const fields: [string, number | string][] = [];
          analysisFields(st, (n, v) => fields.push([n, v]));
          const merged = new Map<string, (number | string)[]>();
          for (const [n, v] of fields) merged.set(n, [...(merged.get(n) ?? []), v]);
          const json = JSON.parse(`{${analysisJson(st).slice(1)}}`) as Record<string, unknown>;
          expect(json).toEqual(Object.fromEntries([...merged].map(([n, v]) => [n, v.length === 1 ? v[0] : v])));
          expect(analysisPrefix(st) === '').toBe(st.analysis === 0);
        });
      }),
      { numRuns: 400 },
    );
  });
});
