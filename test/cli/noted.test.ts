// What tshark 4.0 shows beyond the common cases, every summary line compared with `tshark -r`:
// DNS records it stands for by their owner's name, empty or damaged record data, DNS on a port of
// its own found by tshark's heuristic (test/fixtures/cli/make-dns-extra.sh); damage tshark only notes
// (bogus IP versions and header lengths, UDP lengths, TCP options and data offsets) and the TCP
// options it sums up with a number, Multipath TCP included (test/fixtures/cli/make-noted.sh); DNS
// extended labels, long names and record data read past its length (make-dns-labels.sh).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, expectAsTshark, lines, root } from './cli-util.js';

const dir = `${root}test/fixtures/cli/`;
const summary = (file: string) => lines(readFileSync(`${dir}${file}.summary.txt`, 'utf8'));

describe('wirekit decode: DNS beyond the common types (make-dns-extra.sh)', () => {
  it('every line as tshark\'s', () => {
    const r = cli(['decode', `${dir}dns-extra.pcap`]);
    expect(r.stderr).toBe('');
    expect(lines(r.stdout)).toEqual(summary('dns-extra.pcap'));
  });

  it('the cases are there: owner names, damage after a shown name, empty data, the port-5300 heuristic both ways', () => {
    const want = summary('dns-extra.pcap').join('\n');
    expect(want).toContain('Standard query response 0x0005 A example.com NULL own.er');
    expect(want).toContain('SOA <Root>[Malformed Packet]');
    expect(want).toMatch(/0x0018 A example.com A SOA MX TXT NSEC\s*$/m);
    expect(want).toContain('WKS 10.0.0.1');
    expect(want).toMatch(/→ 5300 Len=45\s*$/m);
    expect(want).toMatch(/DNS \d+ Standard query 0x0001 A example.com\s*$/m);
  });
});

describe('wirekit decode: DNS names with bytes outside printable ASCII (make-dns-names.sh)', () => {
  it('every line, and the name fields, as tshark\'s: UTF-8 read leniently, U+FFFD, escapes, lengths in bytes', () => {
    const r = cli(['decode', `${dir}dns-names.pcap`]);
    expect(r.stderr).toBe('');
    expect(lines(r.stdout)).toEqual(summary('dns-names.pcap'));
    const names = ['dns.qry.name', 'dns.qry.name.len', 'dns.count.labels', 'dns.resp.name', 'dns.cname'];
    const want = lines(readFileSync(`${dir}dns-names.pcap.fields.tsv`, 'utf8')).map((l) => l.split('\t'));
    const got = lines(cli(['decode', `${dir}dns-names.pcap`, '--json']).stdout).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(got).toHaveLength(want.length);
    got.forEach((p, i) => names.forEach((n, k) => expect(Array.isArray(p[n]) ? (p[n] as unknown[]).join(',') : String(p[n] ?? ''), `frame ${i + 1} ${n}`).toBe(want[i]![k] ?? '')));
    const text = summary('dns-names.pcap').join('\n');
    for (const name of ['café.example', '\ufffd\ufffd.com', '中.cn', '😀.example', '\\000x.com', 'A\\177.com', '/.com']) expect(text).toContain(name);
  });
});

describe('wirekit decode: DNS extended labels, long names, data read past its length (make-dns-labels.sh)', () => {
  const fields = ['dns.qry.name', 'dns.qry.name.len', 'dns.count.labels', 'dns.resp.name', 'dns.resp.type', 'dns.resp.len', 'dns.cname', 'dns.ns',
    'dns.mx.mail_exchange', 'dns.kx.preference', 'dns.kx.key_exchange', 'dns.soa.mname', 'dns.soa.rname', 'dns.soa.serial_number',
    'dns.soa.minimum_ttl', 'dns.srv.service', 'dns.srv.proto', 'dns.srv.name', 'dns.srv.target'];

  it('every line, frame.protocols and the name and data fields as tshark\'s', () => {
    const r = cli(['decode', `${dir}dns-labels.pcap`]);
    expect(r.stderr).toBe('');
    expect(lines(r.stdout)).toEqual(summary('dns-labels.pcap'));
    const want = lines(readFileSync(`${dir}dns-labels.pcap.fields.tsv`, 'utf8')).map((l) => l.split('\t'));
    const got = lines(cli(['decode', `${dir}dns-labels.pcap`, '--json']).stdout).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(got).toHaveLength(want.length);
    got.forEach((p, i) => fields.forEach((n, k) => expect(Array.isArray(p[n]) ? (p[n] as unknown[]).join(',') : String(p[n] ?? ''), `frame ${i + 1} ${n}`).toBe(want[i]![k] ?? '')));
  });

  it('the cases are there: cut bitstrings, unknown labels, names too long, the pointer tshark calls a loop, KX', () => {
    const text = summary('dns-labels.pcap').join('\n');
    for (const s of ['A a\\[xa\n', 'CNAME \\[xab/8].exa', '<Unknown extended label>', 'A <Name too long>', 'CNAME <Name contains a pointer that loops>',
      'KX 7 kx.example.org', 'SOA <Root> Unused[Malformed Packet]', 'MX 10 www.example.org[Malformed Packet]']) expect(text).toContain(s);
  });
});

describe('wirekit decode and stats: damage tshark only notes, TCP options it sums up (make-noted.sh)', () => {
  it('every line as tshark\'s', () => {
    const r = cli(['decode', `${dir}noted.pcap`]);
    expect(r.stderr).toBe('');
    expect(lines(r.stdout)).toEqual(summary('noted.pcap'));
  });

  it('frame.protocols as tshark\'s (MPTCP after TCP, no data after a header tshark stops at)', () => {
    const ours = lines(cli(['decode', `${dir}noted.pcap`, '--json']).stdout).map((l) => JSON.parse(l)['frame.protocols'] as string);
    expect(ours).toEqual(lines(readFileSync(`${dir}noted.pcap.protocols.txt`, 'utf8')));
  });

  it('the cases are there', () => {
    const want = summary('noted.pcap').join('\n');
    for (const text of [
      'Bogus IPv4 version (5, must be 4)', 'Bogus IP header length (16, must be at least 20)', '[BAD UDP LENGTH 4 < 8]',
      '[BAD UDP LENGTH 100 > IP PAYLOAD LENGTH] Len=92', '[ILLEGAL CHECKSUM (0)]', 'USER_TO=10TCP AO', ' ECHO=2', ' CC=1',
      'QSresp=1.31072 Gbit/s', 'MPTCP', 'bogus TCP header length (12, must be at least 20)',
      // URG set on a bogus header: no urgent pointer (tshark stops before it).
      '[ACK, URG] Seq=1 Ack=1 Win=8192, bogus TCP header length (8, must be at least 20)',
      // IPv4 options that do not parse: the TCP segment after them is read all the same.
      '5300 → 40000 [PSH, ACK] Seq=1 Ack=1 Win=8192 Len=7', '5301 → 40000 [PSH, ACK] Seq=1 Ack=1 Win=8192 Len=7',
    ]) {
      expect(want).toContain(text);
    }
    expect(want).not.toMatch(/Bogus.*Malformed/);
    expect(want).not.toMatch(/5300 → 40000.*Malformed/);
  });
});

describe('wirekit decode: records without the usual columns, PPP control protocols, SLARP (make-link-odd.sh)', () => {
  const protocols = (file: string) => lines(cli(['decode', `${dir}${file}`, '--json']).stdout).map((l) => JSON.parse(l)['frame.protocols'] as string);
  for (const file of ['raw-odd.pcap', 'spb.pcapng', 'ppp-control.pcap', 'slarp.pcap']) {
    it(`${file}: every line and frame.protocols as tshark's`, () => {
      const r = cli(['decode', `${dir}${file}`]);
      expect(r.stderr).toBe('');
      expect(lines(r.stdout)).toEqual(summary(file));
      expect(protocols(file)).toEqual(lines(readFileSync(`${dir}${file}.protocols.txt`, 'utf8')));
    });
  }

  it('raw-odd.pcap: raw data under 8 bytes is malformed, from 8 on it is not', () => {
    const want = summary('raw-odd.pcap');
    expect(want[0]).toMatch(/N\/A → N\/A +N\/A 28 Raw packet data$/);
    expect(want[2]).toMatch(/N\/A 4 Raw packet data\[Malformed Packet\]$/);
  });

  it('spb.pcapng: a simple packet block has no time fields; the next frame\'s delta counts from 0', () => {
    const times = lines(readFileSync(`${dir}spb.pcapng.times.tsv`, 'utf8')).map((l) => l.split('\t'));
    const ours = lines(cli(['decode', `${dir}spb.pcapng`, '--json']).stdout).map((l) => {
      const j = JSON.parse(l) as Record<string, unknown>;
      return [String(j['frame.number']), j['frame.time_epoch'] ?? '', j['frame.time_delta'] ?? '', j['frame.time_relative'] ?? ''];
    });
    expect(ours).toEqual(times.map((t) => (t.length === 4 ? t : [t[0], '', '', ''])));
    expect(times[3]![2]).toBe('1700000001.000000000');
  });
});

describe('wirekit decode: HTTP request methods as tshark knows them (make-http-methods.sh)', () => {
  it('every line as tshark\'s: its 40 methods are HTTP, others TCP, and Continuation after a message', () => {
    const r = cli(['decode', `${dir}http-methods.pcap`]);
    expect(r.stderr).toBe('');
    const want = summary('http-methods.pcap');
    expect(lines(r.stdout)).toEqual(want);
    expect(want.filter((l) => / HTTP \d+ [A-Z_-]+ \/x HTTP\/1\.1/.test(l))).toHaveLength(40);
    expect(want[want.length - 1]).toMatch(/HTTP 85 Continuation$/);
  });
});

describe('wirekit decode and stats: syslog and SSDP (make-udp-apps.sh)', () => {
  it('every line, frame.protocols and the protocol hierarchy as tshark\'s', () => {
    const want = expectAsTshark('udp-apps.pcap');
    expect(want.join('\n')).toContain('AUTH.CRIT: Oct 11 22:14:15 host su: test');
    expect(want.join('\n')).toContain('LOGALERT.EMERG: x');
    expect(want.join('\n')).toMatch(/SSDP \d+ M-SEARCH \* HTTP\/1\.1 $/m);
  });
});

describe('wirekit decode: MAC addresses resolved as tshark resolves them (make-macs.sh)', () => {
  const file = `${dir}macs.pcap`;
  const addresses = (out: string) => lines(out).map((l) => l.trim().split(/\s+/).slice(2, 5).join(' '));
  const run = (env: Record<string, string>) => spawnSync(process.execPath, [`${root}bin/wirekit.js`, 'decode', file], { encoding: 'utf8', env: { ...process.env, ...env } });

  it.runIf(existsSync('/usr/share/wireshark/manuf') && existsSync('/usr/share/wireshark/wka'))('with Wireshark\'s lists installed: every line as tshark\'s', () => {
    const r = run({ WIREKIT_WIRESHARK_DIR: '/usr/share/wireshark' });
    expect(r.stderr).toBe('');
    expect(lines(r.stdout)).toEqual(summary('macs.pcap'));
  });

  it('from lists of a few lines: exact names, prefixes (longest first, before vendors), vendor blocks with the group bit clear, the rest as is', () => {
    const lists = mkdtempSync(join(tmpdir(), 'wirekit-lists-'));
    // IEEE registry facts (OUI 00-11-22, 00-1B-19, 00-00-0C; MA-S 00-1B-C5-00-0 and -1; MA-M 00-55-DA-5)
    // and well-known group addresses (RFC 7042, RFC 5798, RFC 2281), in the two files' formats.
    writeFileSync(join(lists, 'manuf'), '00:11:22\tCIMSYS\tCIMSYS Inc\n00:1B:19\tIEEEI&MS\n00:00:0C\tCisco\n00:1B:C5:00:00:00/36\tConvergi\n00:1B:C5:00:10:00/36\tOpenRBco\n00:55:DA:50:00:00/28\tNanoleaf\n');
    writeFileSync(join(lists, 'wka'), 'FF-FF-FF-FF-FF-FF\tBroadcast\n01-00-5E/25\tIPv4mcast\n33-33-00-00-00-00/16\tIPv6mcast\n00-00-0C-07-AC/40\tAll-HSRP-routers\n00-00-5E-00-01/40\tIETF-VRRP-VRID\n03-00-00-00-00-01\tNETBIOS-# a comment\n');
    try {
      const got = addresses(run({ WIREKIT_WIRESHARK_DIR: lists }).stdout).map((a) => a.split(' ')[2]);
      expect(got.slice(0, 6)).toEqual(['CIMSYS_33:44:55', 'Convergi_01', 'OpenRBco_ab', 'Nanoleaf_12:34', 'IPv4mcast_fb', 'IPv6mcast_fb']);
      expect(got.slice(8, 10)).toEqual(['Broadcast', '02:00:00:00:00:01']);
      expect(got[12]).toBe('IEEEI&MS_00:00:00');
      expect(got[14]).toBe('NETBIOS-');
      expect(got.slice(16, 19)).toEqual(['All-HSRP-routers_01', 'IETF-VRRP-VRID_0a', 'IPv4mcast_00']);
      expect(got[22]).toBe('Cisco_11:22:33');
    } finally {
      rmSync(lists, { recursive: true, force: true });
    }
    // No lists: the addresses as they are, but the few group addresses tshark always names.
    const none = addresses(run({ WIREKIT_WIRESHARK_DIR: join(tmpdir(), 'no-such-wireshark-dir') }).stdout).map((a) => a.split(' ')[2]);
    expect(none[0]).toBe('00:11:22:33:44:55');
    expect(none[8]).toBe('Broadcast');
  });
});

describe('wirekit decode and stats: LOOP, Ethernet\'s configuration testing protocol (make-ectp.sh)', () => {
  it('every line, frame.protocols and the protocol hierarchy as tshark\'s', () => {
    const want = expectAsTshark('ectp.pcap');
    expect(want.map((l) => l.replace(/^.* LOOP \d+ ?/, ''))).toEqual(['Reply', 'Forward Data', 'Unknown function (0)', 'No valid function found', 'Unknown function (3)', '[Malformed Packet]', 'Forward Data[Malformed Packet]', 'No valid function found']);
  });
});

describe('wirekit decode and stats: ICMP quotes and Neighbor Discovery options (make-icmp-quotes.sh)', () => {
  const file = `${dir}icmp-quotes.pcap`;
  const want = (suffix: string) => lines(readFileSync(`${file}.${suffix}`, 'utf8'));

  it('every line, frame.protocols and the io,phs tree as tshark\'s', () => {
    const r = cli(['decode', file]);
    expect(r.stderr).toBe('');
    expect(lines(r.stdout)).toEqual(want('summary.txt'));
    const protocols = lines(cli(['decode', file, '--json']).stdout).map((l) => (JSON.parse(l) as Record<string, string>)['frame.protocols']!);
    expect(protocols).toEqual(want('protocols.txt'));
    // A quoted first fragment is read no further than its IP header; a quoted DNS query is DNS.
    expect(protocols.slice(0, 2)).toEqual(['eth:ethertype:ip:icmp:ip:udp:dns', 'eth:ethertype:ip:icmp:ip:data']);
    const tree = lines(cli(['stats', file]).stdout).filter((l) => / frames:\d+ bytes:\d+$/.test(l));
    expect(tree).toEqual(want('phs.txt'));
  });
});

describe('wirekit decode: OCSP over HTTP (make-ocsp.sh)', () => {
  const file = `${dir}ocsp.pcap`;
  it('every line and frame.protocols as tshark\'s: OCSP Request / Response, the basic response\'s responder and certificate', () => {
    const r = cli(['decode', file]);
    expect(r.stderr).toBe('');
    expect(lines(r.stdout)).toEqual(summary('ocsp.pcap'));
    expect(r.stdout).toMatch(/OCSP \d+ Request/);
    const ours = lines(cli(['decode', file, '--json']).stdout).map((l) => (JSON.parse(l) as Record<string, string>)['frame.protocols']!);
    expect(ours).toEqual(lines(readFileSync(`${file}.protocols.txt`, 'utf8')));
    expect(ours[4]).toBe('eth:ethertype:ip:tcp:http:ocsp:ocsp:x509sat:x509sat:x509sat:x509ce:x509ce:x509ce');
  });
});
