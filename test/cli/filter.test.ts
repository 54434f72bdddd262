// Display filters: parsing (precedence, errors with columns) and evaluation with Wireshark's
// semantics (any-of for repeated fields, != as "none equal", absent fields never match).
import { describe, expect, it } from 'vitest';
import type { FieldValue } from 'wirekit';
import { compileFilter, FilterError, type FilterRecord } from '../../src/cli/filter.js';

type Fields = Record<string, FieldValue | FieldValue[]>;

function record(fields: Fields, layers: string[] = []): FilterRecord {
  return { field: (name) => fields[name], hasProtocol: (name) => layers.includes(name) };
}

const tcpPacket = record(
  {
    'eth.src': '00:11:22:33:44:55',
    'eth.addr': ['ff:ff:ff:ff:ff:ff', '00:11:22:33:44:55'],
    'ip.src': '127.0.0.1',
    'ip.dst': '10.1.2.3',
    'ip.addr': ['127.0.0.1', '10.1.2.3'],
    'ip.ttl': 64,
    'tcp.srcport': 46956,
    'tcp.dstport': 8080,
    'tcp.port': [46956, 8080],
    'tcp.flags': 0x018,
    'tcp.flags.syn': 0,
    'tcp.flags.ack': 1,
    'tcp.checksum.status': 'bad',
    'tcp.options': '01:01:08:0a:9c:e1:bd:eb:27:cb:1c:ec',
    'tcp.flags.str': '·······AP···',
  },
  ['eth', 'ip', 'tcp'],
);

const v6Packet = record(
  { 'ipv6.src': '2001:db8::1', 'ipv6.dst': '::1', 'ipv6.addr': ['2001:db8::1', '::1'], 'udp.port': [53, 40000], 'udp.length': 33 },
  ['eth', 'ipv6', 'udp'],
);

const test = (filter: string, r: FilterRecord = tcpPacket) => compileFilter(filter)(r);

describe('filter evaluation', () => {
  it('compares integers in decimal and hex, with symbols and words', () => {
    expect(test('tcp.dstport == 8080')).toBe(true);
    expect(test('tcp.dstport eq 0x1f90')).toBe(true);
    expect(test('tcp.flags == 0x18')).toBe(true);
    expect(test('ip.ttl > 63 && ip.ttl < 65 && ip.ttl >= 64 && ip.ttl <= 64')).toBe(true);
    expect(test('ip.ttl gt 64 or ip.ttl lt 64')).toBe(false);
    expect(test('ip.ttl ge 64 and ip.ttl le 64 and ip.ttl ne 63')).toBe(true);
    expect(test('tcp.flags.ack == true && tcp.flags.syn == false')).toBe(true);
  });

  it('a field with several values matches when any value does', () => {
    expect(test('tcp.port == 8080')).toBe(true);
    expect(test('tcp.port == 46956')).toBe(true);
    expect(test('tcp.port > 10000')).toBe(true);
    expect(test('tcp.port < 1024')).toBe(false);
    expect(test('ip.addr == 10.1.2.3')).toBe(true);
  });

  it('!= means no value equals (Wireshark 3.6+); ~= means some value differs', () => {
    expect(test('tcp.port != 8080')).toBe(false);
    expect(test('tcp.port != 443')).toBe(true);
    expect(test('tcp.port ~= 8080')).toBe(true);
    expect(test('!(tcp.port == 8080)')).toBe(false);
  });

  it('every relation on an absent field is false, and its negation true', () => {
    expect(test('udp.port == 53')).toBe(false);
    expect(test('udp.port != 53')).toBe(false);
    expect(test('udp.port < 99999')).toBe(false);
    expect(test('!udp.port')).toBe(true);
    expect(test('not udp')).toBe(true);
  });

  it('bare names test presence of fields and of protocol layers', () => {
    expect(test('tcp')).toBe(true);
    expect(test('ip && tcp && eth')).toBe(true);
    expect(test('udp')).toBe(false);
    expect(test('tcp.flags.syn')).toBe(true); // present, though 0: presence, as in Wireshark
    expect(test('tcp.options.mss_val')).toBe(false);
  });

  it('compares IPv4 and IPv6 addresses, with CIDR prefixes', () => {
    expect(test('ip.src == 127.0.0.1 && tcp.dstport == 8080')).toBe(true);
    expect(test('ip.src == 127.0.0.0/8')).toBe(true);
    expect(test('ip.dst == 10.0.0.0/8 && ip.dst != 10.1.3.0/24')).toBe(true);
    expect(test('ip.src == 127.0.0.2')).toBe(false);
    expect(test('ip.dst > 10.1.2.2 && ip.dst < 10.1.2.4')).toBe(true);
    expect(test('ipv6.src == 2001:DB8:0:0::1', v6Packet)).toBe(true);
    expect(test('ipv6.addr == ::1', v6Packet)).toBe(true);
    expect(test('ipv6.src == 2001:db8::/32', v6Packet)).toBe(true);
    expect(test('ipv6.src == 2001:db9::/32', v6Packet)).toBe(false);
  });

  it('compares MAC addresses and byte strings in any of their spellings', () => {
    expect(test('eth.src == 00:11:22:33:44:55')).toBe(true);
    expect(test('eth.src == 00-11-22-33-44-55')).toBe(true);
    expect(test('eth.src == 0011.2233.4455')).toBe(true);
    expect(test('eth.addr == FF:FF:FF:FF:FF:FF')).toBe(true);
    expect(test('tcp.options contains 08:0a')).toBe(true);
  });

  it('compares quoted strings and bare words, and supports contains and matches', () => {
    expect(test('tcp.checksum.status == "bad"')).toBe(true);
    expect(test('tcp.checksum.status == bad')).toBe(true);
    expect(test('tcp.checksum.status != good')).toBe(true);
    expect(test('tcp.flags.str contains "AP"')).toBe(true);
    expect(test('tcp.flags.str matches "A.P"')).toBe(false);
    expect(test('tcp.flags.str matches "AP"')).toBe(true);
    expect(test('tcp.flags.str ~ "^·+AP"')).toBe(true);
  });

  it('supports set membership with ranges', () => {
    expect(test('tcp.port in {80 443 8080}')).toBe(true);
    expect(test('tcp.port in {80, 443}')).toBe(false);
    expect(test('tcp.dstport in {8000..8100}')).toBe(true);
    expect(test('udp.length in {1..32}', v6Packet)).toBe(false);
  });

  it('compares a field with another field', () => {
    expect(test('ip.src == ip.dst')).toBe(false);
    expect(test('ip.src != ip.dst')).toBe(true);
    expect(test('tcp.srcport > tcp.dstport')).toBe(true);
  });

  it('gives && precedence over || and ! over both', () => {
    // false && false || true: (false && false) || true
    expect(test('udp && udp || tcp')).toBe(true);
    // true || true && false: true || (true && false)
    expect(test('tcp || tcp && udp')).toBe(true);
    expect(test('(tcp || tcp) && udp')).toBe(false);
    // !udp && tcp: (!udp) && tcp
    expect(test('!udp && tcp')).toBe(true);
    expect(test('!(udp && tcp)')).toBe(true);
    expect(test('not tcp or tcp')).toBe(true);
    expect(test('not (tcp or udp)')).toBe(false);
    expect(test('NOT udp AND tcp')).toBe(true);
  });
});

describe('filter errors', () => {
  const error = (filter: string) => {
    try {
      compileFilter(filter);
    } catch (e) {
      expect(e).toBeInstanceOf(FilterError);
      return (e as Error).message;
    }
    throw new Error(`'${filter}' compiled`);
  };

  it('names what is wrong and the 1-based column', () => {
    expect(error('ip.src == 1.2.3.4)')).toBe("unexpected ')' at column 18");
    expect(error('(tcp.port == 80')).toBe("missing ')' at column 16");
    expect(error('tcp.port ==')).toBe('unexpected end of filter at column 12');
    expect(error('tcp.port == 80 &&')).toBe('unexpected end of filter at column 18');
    expect(error('&& tcp')).toBe("unexpected '&&' at column 1");
    expect(error('tcp.port == 80 tcp')).toBe("unexpected 'tcp' at column 16");
    expect(error('ip.src == "10.0.0.1')).toBe('unterminated string at column 11');
    expect(error('ip.src # 1')).toBe("unexpected '#' at column 8");
    expect(error('')).toBe('empty filter at column 1');
    expect(error('ip.src == 10.0.0.0/40')).toBe('prefix /40 is longer than an IPv4 address at column 11');
    expect(error('tcp.port in {}')).toBe('empty set at column 13');
    expect(error('tcp.flags.str matches AP')).toBe('matches needs a quoted regular expression at column 23');
    expect(error('tcp.flags.str matches "("')).toMatch(/^bad regular expression: .* at column 23$/);
    expect(error('1.2 == tcp')).toBe("'1.2' is not a field name at column 1");
  });
});
