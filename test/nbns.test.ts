// NetBIOS Name Service (RFC 1002): the decoder's view of names, questions and NB records; tshark
// 4.0's summary line, frame.protocols and fields on every frame of test/fixtures/cli/make-nbns.sh's
// capture; random bytes decoding to a message or a WireError, never anything else.
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeNbns, decodePacket, nbnsInfo, WireError } from '../src/index.js';
import { readCaptureSync } from '../src/capture/reader.js';
import { cliFixture, expectFieldsAsTshark } from './cli/cli-util.js';

const file = cliFixture('nbns.pcap');
const FIELDS = ['nbns.id', 'nbns.flags', 'nbns.flags.response', 'nbns.flags.opcode', 'nbns.flags.authoritative', 'nbns.flags.truncated', 'nbns.flags.recdesired',
  'nbns.flags.recavail', 'nbns.flags.broadcast', 'nbns.flags.rcode', 'nbns.count.queries', 'nbns.count.answers', 'nbns.count.auth_rr', 'nbns.count.add_rr',
  'nbns.name', 'nbns.type', 'nbns.class', 'nbns.ttl', 'nbns.data_length', 'nbns.nb_flags', 'nbns.nb_flags.group', 'nbns.nb_flags.ont', 'nbns.addr'];
/** tshark prints these in hex. */
const HEX = new Set(['nbns.id', 'nbns.flags', 'nbns.nb_flags']);

describe('NBNS', () => {
  const records = [...readCaptureSync(readFileSync(file))];
  const payload = (i: number) => records[i]!.data.subarray(42);

  it('decodes first-level encoded names, scopes, pointers and NB records', () => {
    expect(decodeNbns(payload(0)).questions).toEqual([{ name: { text: 'WORKGROUP<1c>', suffix: 0x1c }, type: 0x20, class: 1 }]);
    expect(decodeNbns(payload(7)).questions[0]!.name.text).toBe('HOST<20>.corp.example');
    const registration = decodeNbns(payload(3));
    expect(registration.additionals[0]).toMatchObject({ name: { text: 'MYHOST<00>' }, ttl: 300000, addresses: [{ flags: 0, address: '10.0.0.1' }] });
    const two = decodeNbns(payload(8));
    expect(two.answers[0]!.addresses).toEqual([{ flags: 0, address: '10.0.0.2' }, { flags: 0x6000, address: '10.0.0.3' }]);
    expect(nbnsInfo(two)).toBe('Name query response NB 10.0.0.2');
    expect(decodeNbns(payload(4)).questions[0]!.name.text).toBe(`*${'<00>'.repeat(15)}`);
  });

  it('damage throws a typed error naming the offset', () => {
    expect(() => decodeNbns(payload(6))).toThrow(expect.objectContaining({ layer: 'nbns', code: 'truncated' }));
    expect(() => decodeNbns(payload(0).subarray(0, 20))).toThrow(expect.objectContaining({ layer: 'nbns', code: 'truncated' }));
    expect(() => decodeNbns(Uint8Array.of(0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 12))).toThrow(WireError);
  });

  it('wirekit decode: every summary line, frame.protocols and the fields as tshark\'s', () => {
    // tshark's -T fields prints these in hex; its JSON (as ours) in decimal.
    const hex = (text: string) => text.split(',').filter(Boolean).map((x) => Number(x).toString(16)).join(',');
    expectFieldsAsTshark('nbns.pcap', FIELDS, (n, ours, theirs) => (HEX.has(n) ? [hex(ours), hex(theirs)] : [ours, theirs]));
  });

  it('fuzz: any bytes on UDP 137 decode to a message or stop with a WireError', () => {
    const head = records[0]!.data.slice(0, 42);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 120 }), (body) => {
        const frame = new Uint8Array(head.length + body.length);
        frame.set(head);
        frame.set(body, head.length);
        const p = decodePacket(frame, { linkType: 1 });
        for (const l of p.layers) void l.header;
        for (const e of p.errors) expect(e).toBeInstanceOf(WireError);
        try {
          decodeNbns(body);
        } catch (e) {
          expect(e).toBeInstanceOf(WireError);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
