// Snaplen cuts against tshark: packets of the wire fixtures cut at every length (make-cuts.py), each
// decoded by decodePacket and by tshark 4.0. A header cut too short to decode shows its captured
// fields (packet.partial), a header cut inside its options or a quoted one shows what tshark shows,
// so for the protocols below: no field differs, none tshark shows is missing (of those decodePacket
// gives for the whole packet), and none is shown that tshark leaves out.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { decodePacket } from '../src/dissect.js';
import type { FieldMap } from '../src/packet/fields.js';
import { readPcapFile } from './util/pcap.js';
import { compareFields, type TsharkFields } from './util/tshark.js';

const dir = fileURLToPath(new URL('./fixtures/cuts/', import.meta.url));
const wire = fileURLToPath(new URL('./fixtures/wire/', import.meta.url));
const picks = JSON.parse(readFileSync(dir + 'picks.json', 'utf8')) as Record<string, number[]>;

/**
 * Protocols whose cut headers are held to tshark field by field; not yet: IPv6 extension headers,
 * and ICMP and ICMPv6 message bodies cut past their first word (their first 8 bytes are held).
 */
const CHECKED = new Set(['eth', 'vlan', 'ieee8021ad', 'arp', 'ip', 'ipv6', 'tcp', 'udp', 'sll', 'icmp', 'icmpv6']);
const NOT_YET = /^ipv6\.(hopopts|dstopts|routing|opt|fraghdr)|^icmp\.(unused|length|originate_timestamp|receive_timestamp|transmit_timestamp|address_mask)|^icmpv6\.(nd|opt)\./;

/**
 * Known differences, each with its reason:
 * - a TCP option list cut short: tshark adds some options' kind after the next option's (its order,
 *   not the values, differs);
 * - IPv4 total length 0 (segmentation offload) cut: tshark shows the frame's original length,
 *   which decodePacket is not given.
 */
const KNOWN: readonly ((field: string, ours: FieldMap) => boolean)[] = [
  (field) => field === 'tcp.option_kind' || field === 'tcp.option_len',
  (field, ours) => field === 'ip.len' && ours['ip.len'] === 0,
];

const namespace = (field: string) => field.split('.')[0]!;

/** tshark fields decodePacket does not give at all (stream state, analysis, expert items, resolved names). */
const NEVER = /stream|time_|completeness|analysis|nxtseq|^tcp\.(seq|ack)$|window_size$|scalefactor|_resolved|connection|checksum_bad|ack\.nonzero|\.lncb|expert|^(tcp|udp)\.payload|bogus|short_segment|mss\.absent|possible_traceroute/;

/** What differs between our fields and tshark's for the checked protocols, as lines naming `where`. */
function problemsOf(where: string, ours: FieldMap, t: TsharkFields, gives: (field: string) => boolean): string[] {
  const problems: string[] = [];
  for (const m of compareFields(ours, t)) {
    if (!KNOWN.some((k) => k(m.field, ours))) problems.push(`${where}: ${m.field} ours ${JSON.stringify(m.ours)} tshark ${JSON.stringify(m.tshark)}`);
  }
  for (const field of Object.keys(t)) {
    if (CHECKED.has(namespace(field)) && !NOT_YET.test(field) && gives(field) && ours[field] === undefined) problems.push(`${where}: ${field} missing (tshark ${JSON.stringify(t[field])})`);
  }
  for (const field of Object.keys(ours)) {
    if (CHECKED.has(namespace(field)) && !NOT_YET.test(field) && t[field] === undefined && !/\.(trailer|padding|fcs|fcs\.status)$/.test(field)) {
      problems.push(`${where}: ${field} shown (${JSON.stringify(ours[field])}), tshark has none`);
    }
  }
  return problems;
}

const readFields = (path: string) => readFileSync(path, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as TsharkFields);

describe('cut headers vs tshark (snaplen sweep)', () => {
  for (const [file, indexes] of Object.entries(picks)) {
    it(`${file}: every cut of ${indexes.length} packets`, () => {
      const whole = readPcapFile(wire + file);
      const records = readPcapFile(dir + file.replace('.pcap', '-cuts.pcap'));
      const theirs = readFields(dir + file.replace('.pcap', '-cuts.fields.jsonl'));
      expect(records.length).toBe(theirs.length);
      const problems: string[] = [];
      let at = 0;
      let partials = 0;
      for (const index of indexes) {
        const full = whole[index]!;
        const fullFields = decodePacket(full.data, { linkType: full.linkType }).fields();
        for (let cut = 1; cut < full.data.length; cut++, at++) {
          const r = records[at]!;
          expect(r.data).toEqual(full.data.subarray(0, cut));
          const p = decodePacket(r.data, { linkType: r.linkType });
          if (p.partial !== undefined) partials++;
          const ours = p.fields();
          problems.push(...problemsOf(`${file} packet ${index} cut at ${cut}`, ours, theirs[at]!, (field) => fullFields[field] !== undefined));
        }
      }
      expect(at).toBe(records.length);
      expect(partials).toBeGreaterThan(0);
      expect(problems).toEqual([]);
    });
  }

  // tcpdump -s 58 and -s 70 on loopback HTTP over IPv4 and IPv6 (make-snaplen.sh).
  for (const snap of [58, 70]) {
    it(`a real capture cut at ${snap} bytes`, () => {
      const records = readPcapFile(`${dir}snaplen-${snap}.pcap`);
      const theirs = readFields(`${dir}snaplen-${snap}.fields.jsonl`);
      expect(records.length).toBe(theirs.length);
      const problems: string[] = [];
      let cutFixed = 0;
      records.forEach((r, i) => {
        expect(r.data.length).toBeLessThanOrEqual(snap);
        const p = decodePacket(r.data, { linkType: r.linkType });
        const captured = p.layer<{ captured?: number }>('tcp')?.header.captured;
        if (captured !== undefined && captured < 20) cutFixed++;
        problems.push(...problemsOf(`packet ${i + 1}`, p.fields(), theirs[i]!, (field) => !NEVER.test(field)));
      });
      // -s 58 cuts every IPv6 TCP header to 4 bytes, -s 70 to 16.
      expect(cutFixed).toBeGreaterThan(5);
      expect(problems).toEqual([]);
    });
  }
});
