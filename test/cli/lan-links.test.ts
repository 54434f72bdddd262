// Token Ring, FDDI and the 802.11 radio headers before radiotap (Prism, AVS), and LLC's control
// field in every format (test/fixtures/cli/make-lan-links.sh); the links that carry IP or LLC under
// a small header: ATM RFC 1483, Linux ATM CLIP, frame relay, IP over Fibre Channel, Solaris ipnet
// (make-ip-carriers.sh); CAN bus frames from SocketCAN (make-can.sh). Each compared with tshark 4.0:
// every summary line, every frame.protocols value, the io,phs tree, and (Token Ring, FDDI, Prism,
// AVS, CAN) the link fields of --json.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { cli, expectAsTshark, lines, root } from './cli-util.js';
import { encodeFrame, fragmentIpv4, writePcap } from '../../src/index.js';

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

describe('wirekit decode and stats on links that carry IP under a small header (make-ip-carriers.sh)', () => {
  it('ATM RFC 1483 (LLC first), Linux ATM CLIP (no header), IP over Fibre Channel', () => {
    expect(expectAsTshark('atm-rfc1483.pcap').join('\n')).toMatch(/LLC \d+ U, func=UI\[Malformed Packet\]\s*$/m);
    expect(expectAsTshark('clip.pcap').join('\n')).toContain('N/A → N/A          IP 4 Bogus IP version (10)');
    expect(expectAsTshark('ipfc.pcap').join('\n')).toMatch(/IP\/FC 10 \[Malformed Packet\]/);
  });

  it('frame relay: the NLPIDs of IPv4, IPv6 and SNAP, padding, Cisco\'s encapsulation, cut headers', () => {
    const want = expectAsTshark('frelay.pcap').join('\n');
    expect(want).toContain('DLCI 16, U, func=UI[Malformed Packet]');
    expect(want).toMatch(/FR 2 DLCI 16\[Malformed Packet\]/);
  });

  it('Solaris ipnet: IPv4 and IPv6 by family, another family left in the header', () => {
    expect(expectAsTshark('ipnet.pcap').join('\n')).toMatch(/IPNET \d+ Solaris IPNET\s*$/m);
  });

  it('PPPoE sessions without Ethernet, IP over IEEE 1394, PPPoE session headers cut short on Ethernet', () => {
    expect(expectAsTshark('ppp-ether.pcap').join('\n')).toContain('PPPoES 2 Session Data[Malformed Packet]');
    expect(expectAsTshark('ip1394.pcap').join('\n')).toContain('88:99:aa:bb:cc:dd:ee:ff → 00:11:22:33:44:55:66:77 IP/IEEE1394');
    expect(expectAsTshark('pppoes-cut.pcap').join('\n')).toMatch(/PPPoES 15 \[Malformed Packet\]/);
  });
});

describe('wirekit decode and stats on CAN bus frames (make-can.sh)', () => {
  it('standard and extended identifiers, remote requests, CAN FD, every error class, cut frames', () => {
    const want = expectAsTshark('can.pcap').join('\n');
    for (const text of ['CAN 16 ID: 193 (0xc1), Length: 8', 'Ext. ID: 417001744 (0x18daf110)', '(Remote Transmission Request)', 'CANFD 72 ID: 292 (0x124), Length: 64', 'ERR: Transmit timeout, Bus off', 'ERR: Reserved', 'ERR: Transmit timeout[Malformed Packet]']) {
      expect(want).toContain(text);
    }
  });

  it('the same frames through tcpdump -i any: Linux cooked headers v1 and v2, CAN and CAN FD protocols, host byte order', () => {
    for (const file of ['can-sll.pcap', 'can-sll2.pcap']) {
      const want = expectAsTshark(file).join('\n');
      expect(want).toContain('ID: 193 (0xc1), Length: 8');
      expect(want).toContain('CANFD');
    }
    expect(lines(readFileSync(`${dir}can-sll.pcap.protocols.txt`, 'utf8'))).toContain('sll:canfd:data');
  });

  it('--json: the CAN fields equal tshark\'s (byte strings with colons, as -T json writes them)', () => {
    const names = ['can.id', 'can.flags.xtd', 'can.flags.rtr', 'can.flags.err', 'can.len', 'canfd.flags.brs', 'canfd.flags.esi', 'can.err.tx_timeout', 'can.err.busoff', 'can.reserved'];
    const table = lines(readFileSync(`${dir}can.pcap.fields.tsv`, 'utf8')).map((l) => l.split('\t'));
    names.forEach((name, k) => {
      const ours = jsonField('can.pcap', name).map((v) => (name === 'can.reserved' ? v.replaceAll(':', '') : v));
      expect(ours, name).toEqual(table.map((row) => row[k] ?? ''));
    });
  });
});

describe('wirekit decode and stats on ERF records no link type stands for (make-erf-records.sh)', () => {
  it('the provenance record editcap writes, the flow counters, unknown types: summary, frame.protocols, io,phs as tshark', () => {
    const want = expectAsTshark('erf-types.erf').join('\n');
    // Each record's length is its wlen, as tshark shows it (not counting the ERF headers).
    expect(want).toMatch(/ERF 104 Provenance Metadata Record$/m);
    expect(want).toMatch(/ERF 12 TCP_FLOW_COUNTER$/m);
    expect(want).toMatch(/ERF 8 Unknown type 40$/m);
  });
});

describe('wirekit decode --json on IP fragments under any link (a fragment set rebuilt over the link layer)', () => {
  it('reassembles a datagram carried by Solaris ipnet, Linux ATM CLIP and Apple IP over IEEE 1394 and gives its fields', () => {
    // A UDP datagram of 100 payload bytes in two IPv4 fragments.
    const udp = encodeFrame([{ ip: { src: '10.0.0.1', dst: '10.0.0.2', id: 7 } }, { udp: { srcport: 1000, dstport: 2000 } }], new Uint8Array(100));
    const fragments = fragmentIpv4(udp, 68);
    expect(fragments.length).toBeGreaterThan(1);
    const links: [number, (ip: Uint8Array) => Uint8Array][] = [
      [226, (ip) => Uint8Array.from([1, 2, 0, 0, 0, 0, 0, ip.length, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, ...ip])],
      [106, (ip) => ip],
      [138, (ip) => Uint8Array.from([...new Array(16).fill(2), 0x08, 0x00, ...ip])],
    ];
    for (const [linkType, wrap] of links) {
      const file = writePcap(fragments.map((f, i) => { const data = wrap(f); return { data, timestamp: BigInt(i) * 1000n, linkType, capturedLength: data.length, originalLength: data.length, interfaceId: 0 }; }));
      const r = cli(['decode', '--json', '-'], file);
      expect(r.stderr, `link type ${linkType}`).toBe('');
      const last = JSON.parse(lines(r.stdout).at(-1)!) as Record<string, unknown>;
      expect(last['udp.dstport'], `link type ${linkType}`).toBe(2000);
      expect(last['ip.fragment.count']).toBe(fragments.length);
    }
  });
});
