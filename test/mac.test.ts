import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WireError } from '../src/errors.js';
import { formatMac, MacAddress, parseMac, writeMac } from '../src/link/mac.js';

describe('MacAddress', () => {
  it('parses the colon, dash and Cisco dotted forms, any case, to the lowercase colon form', () => {
    for (const text of ['00:1B:21:3a:4b:5c', '00-1b-21-3A-4B-5C', '001b.213a.4b5c', '  001B.213A.4B5C  ']) {
      expect(MacAddress.parse(text).toString()).toBe('00:1b:21:3a:4b:5c');
    }
  });

  it('refuses anything else with a bad-value WireError', () => {
    const bad = ['', '00:1b:21:3a:4b', '00:1b:21:3a:4b:5c:6d', '00:1b-21:3a:4b:5c', '001b:213a:4b5c', '00:1b:21:3a:4b:5g',
      '0:1b:21:3a:4b:5c0', '001b213a4b5c', '001b.213a.4b5', 'zz:zz:zz:zz:zz:zz', '00.1b.21.3a.4b.5c'];
    for (const text of bad) {
      expect(() => MacAddress.parse(text), text).toThrow(WireError);
      expect(MacAddress.tryParse(text), text).toBeUndefined();
    }
    expect(() => MacAddress.parse('nope')).toThrow(/'nope' is not a MAC address/);
    expect(MacAddress.tryParse(42 as unknown as string)).toBeUndefined();
  });

  it('classifies by the I/G and U/L bits (IEEE 802-2014 clause 8.2)', () => {
    const cases: [string, string, boolean][] = [
      ['ff:ff:ff:ff:ff:ff', 'broadcast', true],
      ['01:00:5e:00:00:fb', 'multicast', false], // IPv4 mDNS group (RFC 1112 mapping)
      ['33:33:00:00:00:01', 'multicast', true], // IPv6 all-nodes (RFC 2464): 0x33 has both bits set
      ['01:80:c2:00:00:00', 'multicast', false], // 802.1D bridge group address
      ['00:1b:21:3a:4b:5c', 'unicast', false], // an Intel OUI
      ['02:00:00:00:00:01', 'unicast', true], // locally administered
      ['00:00:00:00:00:00', 'unicast', false],
    ];
    for (const [text, kind, local] of cases) {
      const mac = MacAddress.parse(text);
      expect(mac.kind, text).toBe(kind);
      expect(mac.isBroadcast, text).toBe(kind === 'broadcast');
      expect(mac.isMulticast, text).toBe(kind === 'multicast');
      expect(mac.isUnicast, text).toBe(kind === 'unicast');
      expect(mac.isGroup, text).toBe(kind !== 'unicast');
      expect(mac.isLocal, text).toBe(local);
      expect(mac.isUniversal, text).toBe(!local);
    }
  });

  it('gives the OUI as tshark prints eth.src.oui', () => {
    expect(MacAddress.parse('00:1b:21:3a:4b:5c').oui).toBe(0x001b21);
    expect(MacAddress.parse('02:00:00:00:00:01').oui).toBe(131072); // tshark's eth.src.oui for 02:00:00:..
    expect(MacAddress.BROADCAST.oui).toBe(16777215);
  });

  it('compares, equals, converts', () => {
    const a = MacAddress.parse('00:00:00:00:00:ff');
    const b = MacAddress.parse('00:00:00:00:01:00');
    const c = MacAddress.parse('80:00:00:00:00:00');
    expect([c, b, a].sort(MacAddress.compare).map(String)).toEqual([a, b, c].map(String));
    expect(a.compare(b)).toBe(-1);
    expect(c.compare(a)).toBe(1);
    expect(a.compare(MacAddress.parse('00-00-00-00-00-FF'))).toBe(0);
    expect(a.equals('0000.0000.00ff')).toBe(true);
    expect(a.equals(b)).toBe(false);
    expect(a.equals('not a mac')).toBe(false);
    expect([...c.toBytes()]).toEqual([0x80, 0, 0, 0, 0, 0]);
    expect(c.value).toBe(0x8000_0000_0000);
    expect(MacAddress.fromNumber(0x0180_c200_0000).toString()).toBe('01:80:c2:00:00:00');
    expect(JSON.stringify({ mac: MacAddress.ZERO })).toBe('{"mac":"00:00:00:00:00:00"}');
    expect(() => MacAddress.fromNumber(2 ** 48)).toThrow(WireError);
    expect(() => MacAddress.fromNumber(-1)).toThrow(WireError);
    expect(() => MacAddress.fromBytes(new Uint8Array(5))).toThrow(/needs 6 bytes, 5 at offset 0/);
    expect(MacAddress.fromBytes(new Uint8Array([9, 1, 2, 3, 4, 5, 6]), 1).toString()).toBe('01:02:03:04:05:06');
    const out = new Uint8Array(8);
    b.writeTo(out, 2);
    expect([...out]).toEqual([0, 0, 0, 0, 0, 0, 1, 0]);
  });

  it('round-trips every address through every text form and through bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 6, maxLength: 6 }), (bytes) => {
        const mac = MacAddress.fromBytes(bytes);
        const colon = mac.toString();
        const hex = colon.replace(/:/g, '');
        const cisco = `${hex.slice(0, 4)}.${hex.slice(4, 8)}.${hex.slice(8)}`;
        for (const text of [colon, colon.toUpperCase(), colon.replace(/:/g, '-'), cisco]) {
          expect(MacAddress.parse(text).equals(mac)).toBe(true);
        }
        expect([...mac.toBytes()]).toEqual([...bytes]);
        expect(MacAddress.fromNumber(mac.value).toString()).toBe(colon);
        expect(colon).toBe(formatMac(bytes));
      }),
      { numRuns: 300 },
    );
  });
});

describe('formatMac / writeMac / parseMac', () => {
  it('keep working for the Ethernet codec', () => {
    const out = new Uint8Array(8);
    writeMac('aa-bb-cc-dd-ee-ff', out, 1);
    expect(formatMac(out, 1)).toBe('aa:bb:cc:dd:ee:ff');
    expect([...parseMac('0011.2233.4455')]).toEqual([0, 0x11, 0x22, 0x33, 0x44, 0x55]);
    expect(() => writeMac('aa:bb', out)).toThrow(expect.objectContaining({ code: 'bad-value', layer: 'eth' }));
    expect(() => writeMac('aa:bb', out, 0, 'arp')).toThrow(expect.objectContaining({ layer: 'arp' }));
    // A failed write leaves the output untouched.
    expect(formatMac(out, 1)).toBe('aa:bb:cc:dd:ee:ff');
  });
});
