// Token Ring, FDDI and the 802.11 radio headers before radiotap (Prism, AVS), and LLC's control
// field in every format, each compared with tshark 4.0 (test/fixtures/cli/make-lan-links.sh):
// every summary line, every frame.protocols value, the io,phs tree, and the link fields of --json.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { cli, expectAsTshark, lines, root } from './cli-util.js';

const dir = `${root}test/fixtures/cli/`;

/** A field of every packet's --json object, as tshark's -T fields prints it (lists joined with commas). */
function jsonField(file: string, name: string): string[] {
  return lines(cli(['decode', `${dir}${file}`, '--json']).stdout).map((l) => {
    const v = JSON.parse(l)[name];
    return v === undefined ? '' : Array.isArray(v) ? v.join(',') : String(v);
  });
}

describe('wirekit decode and stats on LAN links of old (make-lan-links.sh)', () => {
  it('Token Ring: LLC frames, source routes of every length, MAC frames and their vectors, cut headers', () => {
    const want = expectAsTshark('lan-tr.pcap').join('\n');
    // What the capture holds: routed and unrouted sources, each MAC vector tshark names, damage.
    expect(want).toContain('TR MAC');
    expect(want).toContain('Report Monitor Errors');
    expect(want).toMatch(/Unknown Major Vector: 68\s*$/m);
    expect(want).toContain('Token-Ring Reserved');
    expect(want).toContain('Token-Ring LLC[Malformed Packet]');
    expect(want).toMatch(/Active Monitor Present\[Malformed Packet\]\s*$/m);
    expect(want).toContain('Who has 10.0.0.2? Tell 10.0.0.1');
  });

  it('FDDI: asynchronous LLC frames carry IP, every other frame control is named, addresses bit-reversed', () => {
    const want = expectAsTshark('lan-fddi.pcap').join('\n');
    for (const name of ['Sync LLC frame, control 8', 'SMT Next station address', 'MAC claim token', 'Restricted token', 'Implementor sync frame, control 5', 'Unknown frame type']) {
      expect(want).toContain(name);
    }
    // 02:00:00:00:00:01 on the wire: its bits reversed byte by byte.
    expect(want).toContain('40:00:00:00:00:80 → Broadcast');
  });

  it('Prism and AVS headers before 802.11: both byte orders, AVS under the Prism link type, cut headers', () => {
    const prism = expectAsTshark('lan-prism.pcap').join('\n');
    expect(prism).toContain('Prism');
    expect(prism).toContain('Device: wlan0, Message 0x44, Length 144[Malformed Packet]');
    const avs = expectAsTshark('lan-avs.pcap').join('\n');
    expect(avs).toContain('AVS WLAN Capture v1, Length 64[Malformed Packet]');
    expect(lines(readFileSync(`${dir}lan-prism.pcap.protocols.txt`, 'utf8'))).toContain('prism:wlancap:wlan_radio:wlan:llc:ip:tcp');
  });

  it('LLC: I, S and U formats with the poll/final bit, every unnumbered function by name', () => {
    const want = expectAsTshark('llc-control.pcap').join('\n');
    for (const text of ['U P, func=UI', 'S F, func=RNR', 'U F, func=DM', 'U, func=SARM', 'U P, func=SABME', 'U, func=BCN', 'U, func=Unknown']) expect(want).toContain(text);
  });

  it('--json: the link fields equal tshark\'s', () => {
    const fields: Record<string, string[]> = {
      'lan-tr.pcap': ['tr.ac', 'tr.fc', 'tr.dst', 'tr.src', 'tr.addr', 'tr.sr', 'tr.rif_bytes', 'tr.broadcast', 'tr.max_frame_size', 'tr.direction', 'tr.rif', 'trmac.mvec'],
      'lan-fddi.pcap': ['fddi.fc', 'fddi.fc.clf', 'fddi.fc.prio', 'fddi.dst', 'fddi.src', 'fddi.addr'],
      'lan-avs.pcap': ['wlancap.magic', 'wlancap.version', 'wlancap.length', 'wlancap.mactime', 'wlancap.hosttime', 'wlancap.phytype', 'wlancap.data_rate', 'wlancap.dbm_antsignal'],
      'lan-prism.pcap': ['prism.msgcode', 'prism.msglen', 'prism.devname', 'prism.did.type', 'prism.did.hosttime', 'prism.did.signal', 'prism.did.rate'],
    };
    // tshark's -T fields output of the same (hex-printed fields as numbers), committed by make-lan-links.sh.
    for (const [file, names] of Object.entries(fields)) {
      const table = lines(readFileSync(`${dir}${file}.fields.tsv`, 'utf8')).map((l) => l.split('\t'));
      names.forEach((name, k) => {
        const want = table.map((row) => (row[k] ?? '').split(',').filter((x) => x !== '').map((x) => (/^0x[0-9a-f]+$/i.test(x) ? String(parseInt(x, 16)) : x)).join(','));
        expect(jsonField(file, name), `${file} ${name}`).toEqual(want);
      });
    }
  });
});
