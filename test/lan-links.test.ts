// Token Ring (IEEE 802.5), FDDI and the Prism and AVS radio headers: decoding known bytes, frames
// built with encodeFrame decoded back, and the typed errors of headers cut short. The CLI's
// comparisons with tshark are in test/cli/lan-links.test.ts.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodePacket } from '../src/dissect.js';
import { encodeFrame } from '../src/encode.js';
import { WireError } from '../src/errors.js';
import { decodeFddi, emitFddi, fddiFrameName, LINKTYPE_FDDI } from '../src/link/fddi.js';
import { avsCutInfo, decodeAvs, decodePrism, isAvs, LINKTYPE_IEEE802_11_AVS, LINKTYPE_IEEE802_11_PRISM, prismItemName } from '../src/link/prism.js';
import { decodeTokenRing, emitTokenRing, LINKTYPE_IEEE802_5, tokenRingFrameName, tokenRingMacInfo } from '../src/link/token-ring.js';
import { canInfo, decodeCan, LINKTYPE_CAN_SOCKETCAN } from '../src/link/can.js';
import { frameRelayCutInfo, LINKTYPE_ATM_RFC1483, LINKTYPE_FRELAY, LINKTYPE_IP_OVER_FC, LINKTYPE_IPNET, LINKTYPE_LINUX_ATM_CLIP, type FrameRelayHeader } from '../src/link/ip-carriers.js';
import { erfPayloadIsData, erfTypeText, ERF_META, LINKTYPE_ERF_RECORD } from '../src/link/erf-record.js';

const hex = (s: string) => Uint8Array.from(s.replace(/\s+/g, '').match(/../g)!.map((b) => parseInt(b, 16)));
const names = (bytes: Uint8Array, linkType: number) => decodePacket(bytes, { linkType }).layers.map((l) => l.name);
const UDP = hex('4500001c 00010000 4011f97c 0a000001 0a000002 00350035 00080000');

function expectCut(fn: () => unknown, layer: string, offset: number): void {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(WireError);
    expect((e as WireError).code).toBe('truncated');
    expect((e as WireError).layer).toBe(layer);
    expect((e as WireError).offset).toBe(offset);
    return;
  }
  throw new Error('no error thrown');
}

describe('Token Ring', () => {
  const frame = hex('10 40 0a0b0c0d0e0f 821122334455 06b0 0011 0022 aaaa03 000000 0800').slice();
  it('decodes the header and a routing field: broadcast, length, direction, route designators', () => {
    const h = decodeTokenRing(frame);
    expect(h).toEqual({
      ac: 0x10,
      fc: 0x40,
      dst: '0a:0b:0c:0d:0e:0f',
      src: '02:11:22:33:44:55',
      srcRaw: '82:11:22:33:44:55',
      routing: { broadcast: 0, length: 6, direction: 1, maxFrameSize: 0x30, route: [{ ring: 1, bridge: 1 }, { ring: 2, bridge: 2 }] },
    });
  });

  it('LLC frames go on to LLC and IP; MAC frames to their vector', () => {
    const p = new Uint8Array([...frame, ...UDP]);
    expect(names(p, LINKTYPE_IEEE802_5)).toEqual(['tr', 'llc', 'ip', 'udp']);
    const mac = hex('10 00 0a0b0c0d0e0f 021122334455 0004 0005');
    expect(names(mac, LINKTYPE_IEEE802_5)).toEqual(['tr', 'trmac']);
    expect(tokenRingMacInfo(decodePacket(mac, { linkType: LINKTYPE_IEEE802_5 }).layers[1]!.header as never)).toBe('Active Monitor Present');
    expect(tokenRingFrameName(0x80)).toBe('Token-Ring Reserved');
  });

  it('a subvector past the capture is malformed; one under 2 bytes ends the walk quietly', () => {
    const past = decodePacket(hex('10 00 0a0b0c0d0e0f 021122334455 000a 0005 0204 aabb'), { linkType: LINKTYPE_IEEE802_5 });
    expect(past.errors.map((e) => [e.layer, e.offset])).toEqual([['trmac', 20]]);
    const quiet = decodePacket(hex('10 00 0a0b0c0d0e0f 021122334455 4500 0028 0001 0000'), { linkType: LINKTYPE_IEEE802_5 });
    expect(quiet.errors).toEqual([]);
  });

  it('needs a byte past the 14-byte header, and the whole routing field', () => {
    expectCut(() => decodeTokenRing(frame.subarray(0, 14)), 'tr', 0);
    expectCut(() => decodeTokenRing(frame.subarray(0, 18)), 'tr', 14);
  });

  it('encodeFrame builds frames that decode to what was given', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 6, maxLength: 6 }), fc.uint8Array({ minLength: 6, maxLength: 6 }), fc.array(fc.record({ ring: fc.integer({ min: 0, max: 0xfff }), bridge: fc.integer({ min: 0, max: 15 }) }), { maxLength: 14 }), fc.boolean(), (d, s, route, routed) => {
        const mac = (b: Uint8Array) => [...b].map((x) => x.toString(16).padStart(2, '0')).join(':');
        s[0]! &= 0x7f;
        const tr = { dst: mac(d), src: mac(s), ...(routed ? { routing: { route, direction: 1 } } : {}) };
        const bytes = encodeFrame([{ tr }, { llc: {} }, { ip: { src: '10.0.0.1', dst: '10.0.0.2' } }, { udp: { srcport: 40000, dstport: 40001 } }], Uint8Array.of(1, 2, 3));
        const p = decodePacket(bytes, { linkType: LINKTYPE_IEEE802_5 });
        expect(p.errors).toEqual([]);
        expect(p.layers.map((l) => l.name)).toEqual(['tr', 'llc', 'ip', 'udp']);
        const h = decodeTokenRing(bytes);
        expect([h.dst, h.src]).toEqual([tr.dst, tr.src]);
        expect(h.routing?.route).toEqual(routed ? route : undefined);
        expect(h.routing?.direction).toEqual(routed ? 1 : undefined);
      }),
    );
    expect(() => emitTokenRing({ dst: '00:00:00:00:00:01', src: '80:00:00:00:00:02' }, new Uint8Array(20))).toThrow(WireError);
  });
});

describe('FDDI', () => {
  it('reverses each address byte\'s bits, both ways', () => {
    const out = new Uint8Array(13);
    emitFddi({ dst: 'ff:ff:ff:ff:ff:ff', src: '02:00:00:00:00:01' }, out);
    expect([...out.subarray(7)]).toEqual([0x40, 0, 0, 0, 0, 0x80]);
    expect(decodeFddi(out)).toEqual({ fc: 0x50, dst: 'ff:ff:ff:ff:ff:ff', src: '02:00:00:00:00:01' });
  });

  it('asynchronous LLC frames carry IP; the others are named and left as data', () => {
    const llc = encodeFrame([{ fddi: { dst: '0a:0b:0c:0d:0e:0f', src: '02:11:22:33:44:55' } }, { llc: {} }, { ip: { src: '10.0.0.1', dst: '10.0.0.2' } }, { udp: { srcport: 40000, dstport: 40001 } }]);
    expect(names(llc, LINKTYPE_FDDI)).toEqual(['fddi', 'llc', 'ip', 'udp']);
    const sync = llc.slice();
    sync[0] = 0xd0;
    expect(names(sync, LINKTYPE_FDDI)).toEqual(['fddi']);
    expect([0xd0, 0xd8, 0x41, 0x4f, 0x40, 0xc2, 0xc3, 0xc5, 0x80, 0xc0, 0x00, 0x55, 0x5a, 0x63, 0xe1, 0x20].map(fddiFrameName)).toEqual([
      'Sync LLC frame', 'Sync LLC frame, control 8', 'SMT info', 'SMT Next station address', 'SMT frame, control 0', 'MAC beacon', 'MAC claim token', 'MAC frame, control 5',
      'Nonrestricted token', 'Restricted token', 'Void frame', 'Async LLC frame, priority 5', 'Async LLC frame, control a', 'Implementor async frame, control 3', 'Implementor sync frame, control 1', 'Unknown frame type',
    ]);
    expectCut(() => decodeFddi(llc.subarray(0, 12)), 'fddi', 0);
  });
});

describe('Prism and AVS', () => {
  const wlan = hex('0802 0000 0a0b0c0d0e0f 02bbbbbbbbbb 021122334455 1000 aaaa03000000 0800');
  const prism = (code: number, little: boolean) => {
    const b = new Uint8Array(144);
    const v = new DataView(b.buffer);
    v.setUint32(0, code, little);
    v.setUint32(4, 144, little);
    b.set([...'wlan0'].map((c) => c.charCodeAt(0)), 8);
    for (let k = 0; k < 10; k++) {
      v.setUint32(24 + 12 * k, code === 0x41 ? ((k + 1) << 12) | 0x41 : ((k + 1) << 16) | 0x44, little);
      v.setUint16(30 + 12 * k, 4, little);
      v.setUint32(32 + 12 * k, k === 5 ? -60 >>> 0 : k, little);
    }
    return b;
  };
  const avs = (version: number, length: number) => {
    const b = new Uint8Array(length < 64 ? 64 : length);
    const v = new DataView(b.buffer);
    v.setUint32(0, 0x80211000 | version);
    v.setUint32(4, length);
    v.setBigUint64(8, 1000n);
    v.setUint32(32, 540);
    v.setUint32(44, 2);
    v.setInt32(48, -60);
    return b;
  };

  it('Prism: either byte order, items named by their DID family, then 802.11', () => {
    for (const little of [true, false]) {
      const h = decodePrism(prism(0x44, little));
      expect([h.msgcode, h.msglen, h.devname, h.bigEndian, h.items!.length]).toEqual([0x44, 144, 'wlan0', !little, 10]);
      expect((h.items![5]!.value | 0)).toBe(-60);
    }
    expect([0x1041, 0x3041, 0xa041, 0x10044, 0xa0044, 0x12345, 0xb041].map(prismItemName)).toEqual(['hosttime', 'channel', 'frmlen', 'hosttime', 'frmlen', 'unknown', 'unknown']);
    const p = new Uint8Array([...prism(0x41, true), ...wlan, ...UDP]);
    expect(names(p, LINKTYPE_IEEE802_11_PRISM)).toEqual(['prism', 'wlan', 'llc', 'ip', 'udp']);
    expectCut(() => decodePrism(p.subarray(0, 143)), 'prism', 0);
  });

  it('AVS: the 802.11 frame starts at the header length, under its own link type or Prism\'s', () => {
    for (const [version, length] of [[1, 64], [2, 72]] as const) {
      const p = new Uint8Array([...avs(version, length), ...wlan, ...UDP]);
      const h = decodeAvs(p);
      expect([h.version, h.length, h.mactime, h.dataRate, h.ssiSignal]).toEqual([version, length, 1000n, 54_000_000, -60]);
      expect(isAvs(p, 0, p.length)).toBe(true);
      const wlanAt = decodePacket(p, { linkType: LINKTYPE_IEEE802_11_AVS }).layers[1]!;
      expect([wlanAt.name, wlanAt.offset]).toEqual(['wlan', length]);
      expect(names(p, LINKTYPE_IEEE802_11_PRISM)).toEqual(['prism', 'wlancap', 'wlan', 'llc', 'ip', 'udp']);
    }
    // A length inside the fixed fields: the 802.11 frame starts there all the same (tshark's reading).
    const short = avs(1, 40);
    expect(decodePacket(short, { linkType: LINKTYPE_IEEE802_11_AVS }).layers.map((l) => [l.name, l.offset])).toEqual([['wlancap', 0], ['wlan', 40]]);
    const long = avs(1, 200);
    expectCut(() => decodeAvs(long.subarray(0, 100)), 'wlancap', 0);
    expect(avsCutInfo(long, 0, 30)).toBe('AVS WLAN Capture v1, Length 200');
  });
});

describe('links that carry IP under a small header', () => {
  const ip6 = hex('60000000 00081140') ;
  it('each hands on to IP (IPv6 where the header says so) or LLC', () => {
    const v6 = new Uint8Array([...ip6, ...new Uint8Array(15), 1, ...new Uint8Array(15), 2, ...hex('9c40 0035 0008 0000')]);
    expect(names(UDP, LINKTYPE_LINUX_ATM_CLIP)).toEqual(['clip', 'ip', 'udp']);
    expect(names(v6, LINKTYPE_LINUX_ATM_CLIP)).toEqual(['clip', 'ipv6', 'udp']);
    expect(names(new Uint8Array([...hex('aaaa03 000000 0800'), ...UDP]), LINKTYPE_ATM_RFC1483)).toEqual(['llc', 'ip', 'udp']);
    const nh = new Uint8Array(16);
    expect(names(new Uint8Array([...nh, ...hex('aaaa03 000000 0800'), ...UDP]), LINKTYPE_IP_OVER_FC)).toEqual(['ipfc', 'llc', 'ip', 'udp']);
    const ipnet = (family: number) => new Uint8Array([2, family, ...new Uint8Array(22)]);
    expect(names(new Uint8Array([...ipnet(2), ...UDP]), LINKTYPE_IPNET)).toEqual(['ipnet', 'ip', 'udp']);
    expect(names(new Uint8Array([...ipnet(26), ...v6]), LINKTYPE_IPNET)).toEqual(['ipnet', 'ipv6', 'udp']);
    expect(names(new Uint8Array([...ipnet(7), ...UDP]), LINKTYPE_IPNET)).toEqual(['ipnet']);
    expectCut(() => decodePacket(nh.subarray(0, 10), { linkType: LINKTYPE_IP_OVER_FC, strict: true }), 'ipfc', 0);
  });

  it('frame relay: the DLCI and congestion bits, NLPIDs after padding, SNAP, Cisco\'s IPv4, cut headers', () => {
    const fr = (head: string) => decodePacket(new Uint8Array([...hex(head), ...UDP]), { linkType: LINKTYPE_FRELAY });
    const a = fr('fc0b 03 00 00 cc');
    expect(a.layers.map((l) => l.name)).toEqual(['fr', 'ip', 'udp']);
    const h = a.layers[0]!.header as FrameRelayHeader;
    expect([h.dlci, h.cr, h.fecn, h.becn, h.de, h.control, h.nlpids]).toEqual([(0x3f << 4) | 0, 0, 1, 0, 1, 3, [0, 0, 0xcc]]);
    expect(fr('0401 03 80 000000 0800').layers.map((l) => l.name)).toEqual(['fr', 'ip', 'udp']);
    expect(fr('0401 0800').layers.map((l) => l.name)).toEqual(['fr', 'ip', 'udp']);
    // A Q.933 or CLNP NLPID, and a control that is not UI, are left as data.
    expect(fr('0401 03 08').layers.map((l) => l.name)).toEqual(['fr']);
    expect(fr('0401 0806').layers.map((l) => l.name)).toEqual(['fr']);
    expect([frameRelayCutInfo(hex('0401'), 0, 2), frameRelayCutInfo(hex('040103'), 0, 3), frameRelayCutInfo(hex('04'), 0, 1)]).toEqual(['DLCI 16', 'DLCI 16, U, func=UI', '']);
    expectCut(() => decodePacket(hex('040103'), { linkType: LINKTYPE_FRELAY, strict: true }), 'fr', 3);
  });
});

describe('CAN (SocketCAN)', () => {
  const frame = (word: number, data: number[], flags = 0, length = data.length) => Uint8Array.of(word >>> 24, word >>> 16, word >>> 8, word, length, flags, 0, 0, ...data);
  it('reads the identifier word, the length and the FD flags; the data is the payload', () => {
    const p = decodePacket(frame(0x80000000 | 0x18daf110, [2, 1, 13]), { linkType: LINKTYPE_CAN_SOCKETCAN });
    expect(p.errors).toEqual([]);
    expect([...p.payload]).toEqual([2, 1, 13]);
    const h = decodeCan(frame(0x80000000 | 0x18daf110, [2, 1, 13]));
    expect([h.id, h.extended, h.remote, h.error, h.fd, h.length]).toEqual([0x18daf110, true, false, false, false, 3]);
    expect(canInfo(h)).toBe('Ext. ID: 417001744 (0x18daf110), Length: 3');
    expect(canInfo(decodeCan(frame(0x40000123, [], 0, 4)))).toBe('ID: 291 (0x123), Length: 4(Remote Transmission Request)');
    expect(decodeCan(frame(0x123, new Array(12).fill(0), 0x05)).fd).toBe(true);
  });

  it('error frames: their classes by name, 8 data bytes of their own, fewer malformed', () => {
    expect(canInfo(decodeCan(frame(0x20000041, new Array(8).fill(0))))).toBe('ERR: Transmit timeout, Bus off');
    expect(canInfo(decodeCan(frame(0x20000200, new Array(8).fill(0))))).toBe('ERR: Reserved');
    const short = decodePacket(frame(0x20000001, [0, 0, 0, 0]), { linkType: LINKTYPE_CAN_SOCKETCAN });
    expect(short.errors.map((e) => [e.layer, e.code])).toEqual([['can', 'bad-length']]);
    expectCut(() => decodeCan(frame(0x123, []).subarray(0, 5)), 'can', 0);
  });
});

describe('whole ERF records (LINKTYPE_ERF)', () => {
  const record = (type: number, payload: number[], extension?: number) => {
    const header = [0, 0, 0, 0, 0, 0, 0, 0, type | (extension === undefined ? 0 : 0x80), 0x04, 0, 0, 0, 0, 0, payload.length];
    const ext = extension === undefined ? [] : [extension, 0, 0, 0, 0, 0, 0, 0];
    const bytes = Uint8Array.from([...header, ...ext, ...payload]);
    bytes[11] = bytes.length;
    return bytes;
  };

  it('reads the header, the extension headers and the fields tshark gives', () => {
    const p = decodePacket(record(27, [1, 2, 3, 4], 17), { linkType: LINKTYPE_ERF_RECORD });
    expect(p.layers[0]!.header).toEqual({ type: 27, extension: true, flags: 4, rlen: 28, lctr: 0, wlen: 4, extensions: [17] });
    expect(p.payload).toEqual(Uint8Array.from([1, 2, 3, 4]));
    expect(p.fields()).toMatchObject({ 'erf.types.type': 27, 'erf.flags.vlen': 1, 'erf.rlen': 28, 'erf.wlen': 4, 'erf.ehdr.types': 17 });
    expect([erfTypeText(ERF_META), erfTypeText(14), erfTypeText(40), erfTypeText(2)]).toEqual(['Provenance Metadata Record', 'TCP_FLOW_COUNTER', 'Unknown type 40', '']);
    expect([ERF_META, 13, 14, 40].map(erfPayloadIsData)).toEqual([false, false, false, true]);
  });

  it('cut headers are typed errors; any bytes decode or fail only so', () => {
    const cut = decodePacket(record(14, [0, 0], 17).subarray(0, 20), { linkType: LINKTYPE_ERF_RECORD });
    expect(cut.errors[0]).toMatchObject({ code: 'truncated', layer: 'erf' });
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        const p = decodePacket(bytes, { linkType: LINKTYPE_ERF_RECORD });
        for (const e of p.errors) expect(e).toBeInstanceOf(WireError);
        p.fields();
      }),
      { numRuns: 500 },
    );
  });
});
