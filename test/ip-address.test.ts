import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { isIPv4, isIPv6 } from 'node:net';
import { WireError } from '../src/errors.js';
import { formatIpv4, formatIpv6, IpAddress, parseIpv4, parseIpv6, writeIp } from '../src/network/ip-address.js';

// Printed by tshark 4.0.17 for these addresses as ipv6.src (see make-ip.py's address probe).
const TSHARK_IPV6: [string, string][] = [
  ['::ffff:1.2.3.4', '::ffff:1.2.3.4'],
  ['::1.2.3.4', '::1.2.3.4'],
  ['::1', '::1'],
  ['::', '::'],
  ['64:ff9b::102:304', '64:ff9b::102:304'],
  ['::ffff:0:102:304', '::ffff:0:102:304'],
  ['1:0:0:1:0:0:0:1', '1:0:0:1::1'],
  ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
  ['1:2:3:4:5:6:7:0', '1:2:3:4:5:6:7:0'],
  ['0:1:2:3:4:5:6:7', '0:1:2:3:4:5:6:7'],
  ['::ffff:0.0.0.1', '::ffff:0.0.0.1'],
  ['::0.0.1.0', '::100'],
  ['::0:1:0:0:0', '::1:0:0:0'],
  ['FE80::1:2:3:4', 'fe80::1:2:3:4'],
  ['1::', '1::'],
  ['0:0:0:0:0:1:0:0', '::1:0:0'],
  ['1:0:2:3:4:5:6:7', '1:0:2:3:4:5:6:7'],
  ['::0.1.0.0', '::0.1.0.0'],
  ['::ffff:0.0.0.0', '::ffff:0.0.0.0'],
  ['::255.255.255.255', '::255.255.255.255'],
  ['1:0:0:2:0:0:3:4', '1::2:0:0:3:4'],
  ['1:0:2:0:0:0:3:4', '1:0:2::3:4'],
  ['0:0:0:0:0:ffff:1:2', '::ffff:0.1.0.2'],
  ['::ffff', '::ffff'],
  ['0:0:0:0:1:ffff:1:2', '::1:ffff:1:2'],
  ['::0.0.0.2', '::2'],
  ['2001:0DB8:0000:0000:0000:0000:0000:0001', '2001:db8::1'],
];

describe('ip-address: formatting', () => {
  it('prints IPv6 exactly as tshark 4.0 does', () => {
    for (const [input, printed] of TSHARK_IPV6) expect(formatIpv6(parseIpv6(input)), input).toBe(printed);
  });

  it('agrees with the WHATWG URL serializer (RFC 5952) where no IPv4 tail is involved', () => {
    const words = fc.array(fc.oneof(fc.constant(0), fc.constant(0), fc.integer({ min: 0, max: 0xffff })), { minLength: 8, maxLength: 8 });
    fc.assert(
      fc.property(words, (ws) => {
        const bytes = new Uint8Array(16);
        ws.forEach((w, i) => {
          bytes[2 * i] = w >>> 8;
          bytes[2 * i + 1] = w;
        });
        const ours = formatIpv6(bytes);
        if (ours.includes('.')) return;
        expect(ours).toBe(new URL(`http://[${ours}]/`).hostname.slice(1, -1));
        expect(new URL(`http://[${ws.map((w) => w.toString(16)).join(':')}]/`).hostname.slice(1, -1)).toBe(ours);
      }),
    );
  });

  it('round-trips every address through text, and the text is valid to node:net', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.uint8Array({ minLength: 4, maxLength: 4 }), (v6, v4) => {
        const t6 = formatIpv6(v6);
        expect(isIPv6(t6)).toBe(true);
        expect(parseIpv6(t6)).toEqual(v6);
        const t4 = formatIpv4(v4);
        expect(isIPv4(t4)).toBe(true);
        expect(parseIpv4(t4)).toEqual(v4);
      }),
    );
  });

  it('reads at an offset and writes either family', () => {
    const out = new Uint8Array(24);
    expect(writeIp('192.0.2.1', out, 2)).toBe(4);
    expect(formatIpv4(out, 2)).toBe('192.0.2.1');
    expect(writeIp('2001:db8::8:800:200c:417a', out, 8)).toBe(16);
    expect(formatIpv6(out, 8)).toBe('2001:db8::8:800:200c:417a');
  });
});

describe('ip-address: parsing', () => {
  it('accepts the RFC 4291 section 2.2 text forms', () => {
    // RFC 4291 section 2.2 examples.
    expect(formatIpv6(parseIpv6('ABCD:EF01:2345:6789:ABCD:EF01:2345:6789'))).toBe('abcd:ef01:2345:6789:abcd:ef01:2345:6789');
    expect(formatIpv6(parseIpv6('2001:DB8:0:0:8:800:200C:417A'))).toBe('2001:db8::8:800:200c:417a');
    expect(formatIpv6(parseIpv6('FF01::101'))).toBe('ff01::101');
    expect(formatIpv6(parseIpv6('0:0:0:0:0:0:13.1.68.3'))).toBe('::13.1.68.3');
    expect(formatIpv6(parseIpv6('::FFFF:129.144.52.38'))).toBe('::ffff:129.144.52.38');
    expect(formatIpv6(parseIpv6('1:2:3:4:5:6:7::'))).toBe('1:2:3:4:5:6:7:0');
    expect(formatIpv6(parseIpv6('::2:3:4:5:6:7:8'))).toBe('0:2:3:4:5:6:7:8');
    expect(formatIpv6(parseIpv6('1:2:3:4:5:6:1.2.3.4'))).toBe('1:2:3:4:5:6:102:304');
  });

  it.each([
    ['1.2.3', /expected 4 dot-separated decimal numbers, got 3/],
    ['1.2.3.4.5', /got 5/],
    ['1.2.3.256', /part 4 \(256\) is above 255/],
    ['1.2.03.4', /part 3 \('03'\) has a leading zero/],
    ['1.2.x.4', /part 3 \('x'\) is not a decimal number/],
    ['1..3.4', /part 2 \(''\)/],
    ['', /expected 4/],
  ])('rejects IPv4 %j', (text, why) => {
    expect(() => parseIpv4(text)).toThrow(WireError);
    expect(() => parseIpv4(text)).toThrow(why);
    try {
      parseIpv4(text);
    } catch (e) {
      expect(e).toMatchObject({ code: 'bad-value', layer: 'ip' });
    }
  });

  it.each([
    ['1::2::3', /'::' may appear only once/],
    ['1:2:3:4:5:6:7', /expected 8 groups, got 7/],
    ['1:2:3:4:5:6:7:8:9', /expected 8 groups, got 9/],
    ['1:2:3:4::5:6:7:8', /8 groups leave nothing for '::'/],
    ['12345::', /group '12345' is not 1 to 4 hex digits/],
    ['g::', /group 'g'/],
    [':1:2:3:4:5:6:7', /empty group/],
    ['1:2:3:4:5:6:7:', /empty group/],
    [':::', /empty group/],
    ['fe80::1%eth0', /zone identifiers/],
    ['[::1]', /brackets/],
    ['1.2.3.4::', /group '1.2.3.4'/],
    ['::1.2.3.4:5', /group '1.2.3.4'/],
    ['::1.2.3', /expected 4 dot-separated/],
    ['1:2:3:4:5:6:7:1.2.3.4', /expected 8 groups, got 9/],
  ])('rejects IPv6 %j', (text, why) => {
    expect(() => parseIpv6(text)).toThrow(why);
    expect(() => parseIpv6(text)).toThrow(WireError);
  });
});

describe('IpAddress', () => {
  it.each([
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'reserved'],
    ['127.0.0.1', 'loopback'],
    ['10.255.0.1', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['172.32.0.0', 'global'],
    ['192.168.1.1', 'private'],
    ['100.64.0.1', 'cgnat'],
    ['100.127.255.255', 'cgnat'],
    ['100.128.0.0', 'global'],
    ['169.254.10.1', 'link-local'],
    ['192.0.2.7', 'documentation'],
    ['198.51.100.7', 'documentation'],
    ['203.0.113.7', 'documentation'],
    ['198.18.0.1', 'benchmarking'],
    ['198.19.255.255', 'benchmarking'],
    ['198.20.0.0', 'global'],
    ['224.0.0.251', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['255.255.255.255', 'broadcast'],
    ['240.0.0.1', 'reserved'],
    ['8.8.8.8', 'global'],
    ['::', 'unspecified'],
    ['::1', 'loopback'],
    ['fe80::1', 'link-local'],
    ['febf::1', 'link-local'],
    ['fec0::1', 'global'],
    ['fd12:3456::1', 'unique-local'],
    ['fc00::1', 'unique-local'],
    ['2001:db8::1', 'documentation'],
    ['2001:2::1', 'benchmarking'],
    ['ff02::fb', 'multicast'],
    ['::ffff:10.1.2.3', 'private'],
    ['::ffff:8.8.4.4', 'global'],
    ['2606:4700::1111', 'global'],
  ])('classifies %s as %s', (text, scope) => {
    expect(IpAddress.parse(text).classify()).toBe(scope);
  });

  it('answers the is* questions', () => {
    const a = IpAddress.parse('192.168.0.1');
    expect([a.isPrivate(), a.isPublic(), a.isLoopback(), a.version]).toEqual([true, false, false, 4]);
    const u = IpAddress.parse('fd00::1');
    expect([u.isPrivate(), u.isUniqueLocal(), u.isPublic(), u.version]).toEqual([true, true, false, 6]);
    expect(IpAddress.parse('1.1.1.1').isPublic()).toBe(true);
    expect(IpAddress.parse('1.1.1.1').isGlobal()).toBe(true);
    expect(IpAddress.parse('100.100.0.1').isCgnat()).toBe(true);
    expect(IpAddress.parse('255.255.255.255').isBroadcast()).toBe(true);
    expect(IpAddress.parse('ff05::2').isMulticast()).toBe(true);
    expect(IpAddress.parse('169.254.0.1').isLinkLocal()).toBe(true);
    expect(IpAddress.parse('::').isUnspecified()).toBe(true);
    expect(IpAddress.parse('203.0.113.9').isDocumentation()).toBe(true);
    expect(IpAddress.parse('198.18.5.5').isBenchmarking()).toBe(true);
  });

  it('tests subnet membership', () => {
    const a = IpAddress.parse('10.1.2.3');
    expect(a.inSubnet('10.0.0.0/8')).toBe(true);
    expect(a.inSubnet('10.1.2.0/25')).toBe(true);
    expect(a.inSubnet('10.1.2.128/25')).toBe(false);
    expect(a.inSubnet('10.1.2.3')).toBe(true);
    expect(a.inSubnet('0.0.0.0/0')).toBe(true);
    expect(a.inSubnet('10.9.9.9/8')).toBe(true);
    expect(a.inSubnet('::/0')).toBe(false);
    const b = IpAddress.parse('2001:db8:abcd:12::1');
    expect(b.inSubnet('2001:db8::/32')).toBe(true);
    expect(b.inSubnet('2001:db8:abcd:10::/62')).toBe(true);
    expect(b.inSubnet('2001:db8:abcd:10::/63')).toBe(false);
    expect(() => a.inSubnet('10.0.0.0/33')).toThrow(/prefix length must be 0..32/);
    expect(() => b.inSubnet('::/129')).toThrow(/0..128/);
    expect(() => a.inSubnet('10.0.0.0/')).toThrow(WireError);
    expect(() => a.inSubnet('10.0.0/8')).toThrow(WireError);
  });

  it('compares, equals, sorts and copies', () => {
    const list = ['::1', '10.0.0.2', '10.0.0.10', '2001:db8::', '9.255.255.255'].map((t) => IpAddress.parse(t));
    expect(list.sort((x, y) => x.compare(y)).map(String)).toEqual(['9.255.255.255', '10.0.0.2', '10.0.0.10', '::1', '2001:db8::']);
    expect(IpAddress.parse('2001:DB8:0::1').equals('2001:db8::1')).toBe(true);
    expect(IpAddress.parse('10.0.0.1').equals('::ffff:10.0.0.1')).toBe(false);
    const bytes = IpAddress.parse('10.0.0.1').toBytes();
    bytes[0] = 11;
    expect(IpAddress.fromBytes(bytes).toString()).toBe('11.0.0.1');
    expect(IpAddress.fromBytes(parseIpv6('fe80::1')).version).toBe(6);
    expect(IpAddress.fromBytes(new Uint8Array([0, 1, 2, 3, 4]), 1, 4).toString()).toBe('1.2.3.4');
    expect(() => IpAddress.fromBytes(new Uint8Array(10), 0, 6)).toThrow(/needs 16 bytes, 10 given/);
    expect(JSON.stringify({ a: IpAddress.parse('::ffff:1.2.3.4') })).toBe('{"a":"::ffff:1.2.3.4"}');
    expect(IpAddress.parse('::ffff:1.2.3.4').ipv4Mapped()?.toString()).toBe('1.2.3.4');
    expect(IpAddress.parse('::1.2.3.4').ipv4Mapped()).toBeUndefined();
  });
});
