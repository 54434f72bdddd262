// DHCPv6 (RFC 8415): the decoder's view of messages, relays and IA options; tshark 4.0's summary
// line, frame.protocols and fields on every frame of test/fixtures/cli/make-dhcpv6.sh's capture;
// and random bytes decoding to a message or a WireError, never anything else.
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeDhcpv6, decodePacket, dhcpv6Info, WireError } from '../src/index.js';
import { readCaptureSync } from '../src/capture/reader.js';
import { cliFixture, expectFieldsAsTshark } from './cli/cli-util.js';

const file = cliFixture('dhcpv6.pcap');
const FIELDS = ['dhcpv6.msgtype', 'dhcpv6.hopcount', 'dhcpv6.linkaddr', 'dhcpv6.peeraddr', 'dhcpv6.option.type', 'dhcpv6.option.length', 'dhcpv6.duid.type',
  'dhcpv6.duid.bytes', 'dhcpv6.iaaddr.ip', 'dhcpv6.iaaddr.pref_lifetime', 'dhcpv6.iaid', 'dhcpv6.iata', 'dhcpv6.iaid.t1', 'dhcpv6.iaprefix.pref_addr', 'dhcpv6.iaprefix.pref_len'];

describe('DHCPv6', () => {
  const records = [...readCaptureSync(readFileSync(file))];
  const message = (i: number) => decodePacket(records[i]!.data, { linkType: 1 }).layers.at(-1)!;

  it('decodes the exchange: transaction ids, DUIDs, IA_NA addresses, IA_PD prefixes, nested relays', () => {
    const advertise = message(1);
    expect(advertise.name).toBe('dhcpv6');
    const m = decodeDhcpv6(records[1]!.data, 62);
    expect(m).toMatchObject({ type: 2, transactionId: 0x123456 });
    expect(m.options.map((o) => o.code)).toEqual([1, 2, 3]);
    expect(m.options[2]).toMatchObject({ iaid: 0x0a0b0c0d, options: [{ code: 5, address: '2001:db8::100', preferredLifetime: 3600, validLifetime: 7200 }] });
    expect(decodeDhcpv6(records[5]!.data, 62).options[1]!.options![0]).toMatchObject({ code: 26, prefix: '2001:db8:100::', prefixLength: 56 });
    const relayed = decodeDhcpv6(records[16]!.data, 62);
    expect(relayed).toMatchObject({ type: 12, hopCount: 1, linkAddress: '::', peerAddress: 'fe80::1' });
    expect(relayed.options[1]!.message).toMatchObject({ type: 12, linkAddress: '2001:db8::9', options: [{ code: 9, message: { type: 1, transactionId: 0x0abcde } }] });
    expect(dhcpv6Info(relayed)).toBe('Relay-forw L: :: Relay-forw L: 2001:db8::9 Solicit XID: 0x0abcde ');
  });

  it('a message cut in its header throws a typed error naming the offset; an option past the end ends the options', () => {
    expect(() => decodeDhcpv6(Uint8Array.of(1, 1, 2))).toThrow(expect.objectContaining({ layer: 'dhcpv6', code: 'truncated', required: 4, available: 3 }));
    expect(() => decodeDhcpv6(Uint8Array.of(12, 0, 1))).toThrow(expect.objectContaining({ layer: 'dhcpv6', code: 'truncated', required: 18 }));
    expect(decodeDhcpv6(Uint8Array.of(1, 1, 2, 3, 0, 1, 0, 20, 1, 2)).options).toEqual([]);
  });

  it('wirekit decode: every summary line, frame.protocols and the fields as tshark\'s', () => {
    // tshark's -T fields prints bytes without separators and the transaction id in hex; its JSON (as ours) bytes with colons.
    expectFieldsAsTshark('dhcpv6.pcap', FIELDS, (n, ours, theirs) => (n === 'dhcpv6.duid.bytes' ? [ours.replaceAll(':', ''), theirs] : [ours, theirs]));
  });

  it('fuzz: any bytes on UDP 547 decode to a message or stop with a WireError', () => {
    const head = records[0]!.data.slice(0, 62);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.boolean(), (body, strict) => {
        const frame = new Uint8Array(head.length + body.length);
        frame.set(head);
        frame.set(body, head.length);
        try {
          const p = decodePacket(frame, { linkType: 1, strict });
          for (const l of p.layers) void l.header;
          for (const e of p.errors) expect(e).toBeInstanceOf(WireError);
        } catch (e) {
          expect(e).toBeInstanceOf(WireError);
        }
        try {
          decodeDhcpv6(body);
        } catch (e) {
          expect(e).toBeInstanceOf(WireError);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
