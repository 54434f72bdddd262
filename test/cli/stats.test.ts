// `wirekit stats`: the protocol hierarchy as tshark -z io,phs counts it, and conversation tables.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { cli, cliFixture, lines, REAL_CAPTURES, realCapture, root } from './cli-util.js';

/** Hierarchy lines (`  name   frames:N bytes:N`) as [depth, name, frames, bytes]. */
function hierarchy(text: string): [number, string, number, number][] {
  return lines(text).flatMap((l) => {
    const m = /^( *)(\S+) +frames:(\d+) bytes:(\d+)$/.exec(l);
    return m === null ? [] : [[m[1]!.length / 2, m[2]!, Number(m[3]), Number(m[4])] as [number, string, number, number]];
  });
}

describe('wirekit stats', () => {
  it.each(REAL_CAPTURES)('%s: protocol hierarchy as tshark -z io,phs', (capture) => {
    const r = cli(['stats', realCapture(capture)]);
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('');
    const theirs = hierarchy(readFileSync(cliFixture(`${capture}.phs.txt`), 'utf8'));
    expect(hierarchy(r.stdout)).toEqual(theirs);
    // Laid out as tshark lays it out: name indented two spaces a level, padded to 40 columns.
    expect(r.stdout).toMatch(/^(eth|null|loop|sll2?|raw) +frames:\d+ bytes:\d+$/m);
  });

  // Captures with HTTP (bodies of several media types, keep-alive, loss), TLS, WebSocket, DNS over
  // TCP and tunnels: the whole tree as tshark's, application nodes and tcp.segments included.
  const APP_CAPTURES = [
    'cli/http-keepalive-loss.pcap', 'cli/tcp-loss.pcap', 'cli/dns-tcp.pcap', 'cli/tcp-analysis.pcap',
    'wire/tls.pcap', 'wire/websocket.pcap', 'capture/pcap-variants/http-pcap.pcap',
    'reassembly/crafted-gap.pcap', 'reassembly/real-lo.pcap',
    'tcp-carried/tcp-tunnels.pcap', 'tcp-carried/tcp-wlan.pcap', 'tcp-carried/tcp-frag.pcap',
    'cli/frag-extra.pcap', 'cli/http-fields.pcap', 'cli/wlan-mgmt.pcap',
    // Frames tshark calls malformed (its _ws.malformed node), damage it only notes, DNS it finds by heuristic.
    'cli/dns-extra.pcap', 'cli/noted.pcap', 'wire/tcp.pcap', 'wire/ipctl.pcap', 'wire/ipv6.pcap', 'capture/netmon2-ipv6.cap',
    'cli/ppp-control.pcap', 'cli/slarp.pcap', 'wire/linktype-chdlc.pcap',
  ];
  it.each(APP_CAPTURES)('%s: application protocols over TCP as tshark -z io,phs nests them', (capture) => {
    const r = cli(['stats', `${root}test/fixtures/${capture}`]);
    expect(r.status).toBe(0);
    const theirs = hierarchy(readFileSync(cliFixture(`phs/${capture.replaceAll('/', '_')}.phs.txt`), 'utf8'));
    expect(hierarchy(r.stdout)).toEqual(theirs);
  });

  it('HTTP: a body under its media type, tcp.segments for a message from several segments, none for a body without a type', () => {
    const ours = hierarchy(cli(['stats', `${root}test/fixtures/wire/http.pcap`]).stdout);
    const at = (path: string[]) => {
      // The node at a path of names below tcp.
      let i = ours.findIndex(([, n]) => n === 'tcp');
      let depth = ours[i]![0];
      for (const name of path) {
        depth++;
        let j = i + 1;
        while (j < ours.length && !(ours[j]![0] === depth && ours[j]![1] === name)) {
          if (ours[j]![0] < depth) return undefined;
          j++;
        }
        if (j === ours.length) return undefined;
        i = j;
      }
      return ours[i]!.slice(2);
    };
    // tshark 4.0 on this capture (test/fixtures/wire/make-http.sh): 32 HTTP frames; text/plain
    // bodies as data-text-lines, octet-stream as data, forms as urlencoded-form; the two responses
    // without Content-Type keep their body inside HTTP (http > tcp.segments); the body the FIN ends
    // puts tcp.segments first; the WebSocket frames after the upgrade.
    expect(at(['http'])).toEqual([32, 4753]);
    expect(at(['http', 'data-text-lines', 'tcp.segments'])).toEqual([4, 335]);
    expect(at(['http', 'data', 'tcp.segments'])).toEqual([4, 453]);
    expect(at(['http', 'tcp.segments'])).toEqual([2, 152]);
    expect(at(['http', 'urlencoded-form', 'tcp.segments'])).toEqual([1, 95]);
    expect(at(['tcp.segments', 'http', 'data-text-lines'])).toEqual([1, 66]);
    expect(at(['websocket', 'data-text-lines'])).toEqual([2, 144]);
    // Not given: tshark's second HTTP node on the response whose chunked body does not parse.
    expect(at(['http', 'http'])).toBeUndefined();
  });

  it('802.11: tshark\'s wlan_radio under radiotap, a management body as wlan.mgt, DNS cut short as dns and _ws.malformed', () => {
    const r = cli(['stats', `${root}test/fixtures/wire/linktype-radiotap.pcap`]);
    expect(hierarchy(r.stdout)).toEqual(hierarchy(readFileSync(`${root}test/fixtures/wire/linktype-radiotap.phs.txt`, 'utf8')));
  });

  it('PPI: tshark\'s wlan_radio under ppi for the 802.11 frames it carries, malformed headers included', () => {
    const r = cli(['stats', `${root}test/fixtures/wire/linktype-ppi.pcap`]);
    expect(hierarchy(r.stdout)).toEqual(hierarchy(readFileSync(`${root}test/fixtures/wire/linktype-ppi.phs.txt`, 'utf8')));
  });

  it('counts conversations per IP pair and per TCP/UDP 5-tuple, both ways', () => {
    const r = cli(['stats', realCapture('http-sample.pcap')]);
    const out = lines(r.stdout);
    expect(out).toContain('Packets: 12  Bytes: 1119  Duration: 0.004039 s');
    const ip = out[out.indexOf('IP conversations') + 2]!.split(/ +/);
    // A, B, frames and bytes A→B, B→A, total frames and bytes, start, duration
    expect(ip).toEqual(['127.0.0.1', '127.0.0.1', '12', '1119', '0', '0', '12', '1119', '0.000000000', '0.004039']);
    const tcp = out[out.indexOf('TCP and UDP conversations') + 2]!.split(/ +/);
    expect(tcp.slice(0, 2)).toEqual(['TCP', tcp[1]]);
    expect(tcp[1]).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(tcp[2]).toBe('127.0.0.1:8000');
    expect(tcp.slice(3, 9).map(Number)).toEqual([6, 510, 6, 609, 12, 1119]);
  });

  it('brackets IPv6 endpoints and lists UDP', () => {
    const out = cli(['stats', realCapture('lo-eth-nsec.pcap')]).stdout;
    expect(out).toMatch(/^UDP +\[::1\]:\d+ +\[::1\]:7 +3 +/m);
  });
});

describe('wirekit stats: an MPLS label stack', () => {
  it('has an mpls node per label, as tshark -z io,phs nests them (frame.protocols names mpls once)', () => {
    const tree = lines(cli(['stats', `${root}test/fixtures/wire/mpls.pcap`]).stdout).filter((l) => / frames:\d+ bytes:\d+$/.test(l));
    // tshark 4.0's tree of the fixture, as far as the IPv6 under one label (pseudowires aside).
    expect(tree.slice(0, 20).map((l) => l.replace(/ +frames/, ' frames'))).toEqual([
      'eth frames:16 bytes:854', '  mpls frames:15 bytes:838', '    ip frames:4 bytes:234', '      udp frames:4 bytes:234', '        data frames:4 bytes:234',
      '    mpls frames:4 bytes:233', '      ip frames:2 bytes:122', '        icmp frames:1 bytes:60', '        udp frames:1 bytes:62', '          data frames:1 bytes:62',
      '      mpls frames:1 bytes:89', '        mpls frames:1 bytes:89', '          ipv6 frames:1 bytes:89', '            udp frames:1 bytes:89', '              data frames:1 bytes:89',
      '      _ws.malformed frames:1 bytes:22', '    ipv6 frames:2 bytes:152', '      icmpv6 frames:1 bytes:68', '      udp frames:1 bytes:84', '        data frames:1 bytes:84',
    ]);
  });
});
