// Known vectors for the checksum kernels, on every backend. Runs in Node (sources) and in
// Chromium (the built package).
import { afterAll, describe, expect, it } from 'vitest';
import {
  checksumUpdate,
  crc32,
  crc32c,
  internetChecksum,
  onesComplementSum,
  pseudoHeaderSum,
  setBackend,
  WireError,
} from 'wirekit';

const ascii = (s: string) => new TextEncoder().encode(s);
const hex = (s: string) => new Uint8Array(s.replace(/\s+/g, '').match(/../g)!.map((b) => parseInt(b, 16)));

const backends = [
  { name: 'auto', set: () => setBackend('auto') },
  { name: 'js', set: () => setBackend('js') },
  { name: 'wasm-simd', set: () => setBackend('wasm', { simd: true }) },
  { name: 'wasm-scalar', set: () => setBackend('wasm', { simd: false }) },
];

afterAll(() => setBackend('auto'));

describe.each(backends)('checksum vectors ($name)', ({ set }) => {
  it('CRC-32 check value and classic strings (IEEE 802.3 / zlib)', () => {
    set();
    expect(crc32(ascii('123456789'))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array(0))).toBe(0);
    expect(crc32(ascii('The quick brown fox jumps over the lazy dog'))).toBe(0x414fa339);
    // 32 bytes of zeros and of 0xff: iSCSI test patterns, RFC 3720 appendix B.4, here for CRC-32.
    expect(crc32(new Uint8Array(32))).toBe(0x190a55ad);
    expect(crc32(new Uint8Array(32).fill(0xff))).toBe(0xff6cab0b);
  });

  it('CRC-32 is chainable through the seed', () => {
    set();
    const data = ascii('123456789');
    expect(crc32(data.subarray(4), crc32(data.subarray(0, 4)))).toBe(0xcbf43926);
    expect(crc32(data, 0xffffffff) >>> 0).toBe(crc32(data, -1));
  });

  it('CRC-32C check value and the RFC 3720 appendix B.4 vectors', () => {
    set();
    expect(crc32c(ascii('123456789'))).toBe(0xe3069283);
    expect(crc32c(new Uint8Array(32))).toBe(0x8a9136aa);
    expect(crc32c(new Uint8Array(32).fill(0xff))).toBe(0x62a8ab43);
    expect(crc32c(Uint8Array.from({ length: 32 }, (_, i) => i))).toBe(0x46dd794e);
    expect(crc32c(Uint8Array.from({ length: 32 }, (_, i) => 31 - i))).toBe(0x113fdb5c);
    const iscsiRead = hex(
      '01c00000 00000000 00000000 00000000 14000000 00000400 00000014 00000018 28000000 00000000 02000000 00000000',
    );
    expect(crc32c(iscsiRead)).toBe(0xd9963a56);
    expect(crc32c(ascii('56789'), crc32c(ascii('1234')))).toBe(0xe3069283);
  });

  it('RFC 1071 section 3 numerical example: 00 01 f2 03 f4 f5 f6 f7 sums to ddf2', () => {
    set();
    const data = hex('0001f203f4f5f6f7');
    expect(onesComplementSum(data) % 0xffff).toBe(0xddf2);
    expect(internetChecksum(data)).toBe(0x220d);
    // Byte-order independence: the swapped data sums to the swapped result.
    expect(internetChecksum(hex('0100 03f2 f5f4 f7f6'))).toBe(0x0d22);
  });

  it('an IPv4 header with a known checksum (0xb861) verifies to 0 and recomputes', () => {
    set();
    const header = hex('4500 0073 0000 4000 4011 b861 c0a8 0001 c0a8 00c7');
    expect(internetChecksum(header)).toBe(0);
    const zeroed = header.slice();
    zeroed[10] = 0;
    zeroed[11] = 0;
    expect(internetChecksum(zeroed)).toBe(0xb861);
  });

  it('odd lengths pad the last byte with zero and odd splits chain through offset', () => {
    set();
    expect(internetChecksum(hex('01'))).toBe(~0x0100 & 0xffff);
    const data = hex('0001f203f4f5f6f7ab');
    const whole = internetChecksum(data);
    for (let cut = 0; cut <= data.length; cut++) {
      const partial = onesComplementSum(data.subarray(cut), onesComplementSum(data.subarray(0, cut)), cut);
      expect(internetChecksum(new Uint8Array(0), partial)).toBe(whole);
    }
  });

  it('UDP over IPv4 with the pseudo-header (RFC 768): a DNS query verifies', () => {
    set();
    // 192.168.1.2:53221 -> 8.8.8.8:53, a 27-byte UDP datagram; checksum 0x474d as scapy computes it.
    const udp = hex('cfe5 0035 001b 474d 1234 0100 0001 0000 0000 0000 0161 0000 0100 01');
    expect(udp.length).toBe(27);
    const pseudo = pseudoHeaderSum(hex('c0a80102'), hex('08080808'), 17, udp.length);
    const computed = internetChecksum(udp, pseudo);
    const zeroed = udp.slice();
    zeroed[6] = 0;
    zeroed[7] = 0;
    expect(internetChecksum(zeroed, pseudo)).toBe((udp[6]! << 8) | udp[7]!);
    expect(computed).toBe(0);
    expect(pseudoHeaderSum(0xc0a80102, 0x08080808, 17, 27)).toBe(pseudo);
  });

  it('ICMPv6 over the IPv6 pseudo-header (RFC 8200 8.1): an echo request verifies', () => {
    set();
    // fe80::1 -> ff02::1, ICMPv6 echo request id 0x1234 seq 1, no data; checksum 0x7002 as scapy
    // computes it.
    const src = hex('fe80 0000 0000 0000 0000 0000 0000 0001');
    const dst = hex('ff02 0000 0000 0000 0000 0000 0000 0001');
    const icmp = hex('8000 0000 1234 0001');
    const pseudo = pseudoHeaderSum(src, dst, 58, icmp.length);
    // Pseudo-header sum by hand: fe80 + 0001 + ff02 + 0001 + length 0008 + next header 003a.
    expect(pseudo).toBe(0xfe80 + 1 + 0xff02 + 1 + 8 + 58);
    expect(internetChecksum(icmp, pseudo)).toBe(0x7002);
    icmp.set([0x70, 0x02], 2);
    expect(internetChecksum(icmp, pseudo)).toBe(0);
  });

  it('RFC 1624 section 4: eqn. 3 gives 0x0000 where RFC 1141 gave 0xffff', () => {
    set();
    // Header sum without the changed field 0xcd7a; field 0x5555 -> 0x3285; HC 0xdd2f -> 0x0000.
    expect(checksumUpdate(0xdd2f, 0x5555, 0x3285)).toBe(0x0000);
    // The same through a full recomputation.
    expect(internetChecksum(hex('3285 cd7a'))).toBe(0x0000);
  });

  it('incremental update of a 32-bit field (NAT rewrite) matches recomputation', () => {
    set();
    const header = hex('4500 0073 0000 4000 4011 b861 c0a8 0001 c0a8 00c7');
    const rewritten = header.slice();
    rewritten.set(hex('0a000001'), 12);
    rewritten[10] = 0;
    rewritten[11] = 0;
    expect(checksumUpdate(0xb861, 0xc0a80001, 0x0a000001)).toBe(internetChecksum(rewritten));
    // TTL 64 -> 63: the word holding TTL and protocol goes 0x4011 -> 0x3f11.
    const ttl = header.slice();
    ttl[8] = 63;
    ttl[10] = 0;
    ttl[11] = 0;
    expect(checksumUpdate(0xb861, 0x4011, 0x3f11)).toBe(internetChecksum(ttl));
  });

  it('bad arguments raise WireError with a code', () => {
    set();
    expect(() => pseudoHeaderSum(new Uint8Array(5), new Uint8Array(4), 6, 20)).toThrow(WireError);
    expect(() => pseudoHeaderSum(new Uint8Array(4), new Uint8Array(16), 6, 20)).toThrow(/IPv4 but destination is IPv6/);
    expect(() => pseudoHeaderSum(new Uint8Array(4), new Uint8Array(4), 6, 70000)).toThrow(WireError);
    expect(() => checksumUpdate(0x10000, 1, 2)).toThrow(WireError);
    expect(() => internetChecksum(new Uint8Array(2), -1)).toThrow(WireError);
    try {
      onesComplementSum(new Uint8Array(2), Number.NaN);
      expect.unreachable();
    } catch (e) {
      expect((e as WireError).code).toBe('bad-value');
      expect((e as WireError).layer).toBe('checksum');
    }
  });
});
