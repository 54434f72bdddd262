// Linux usbmon captures (LINKTYPE_USB_LINUX 189, LINKTYPE_USB_LINUX_MMAPPED 220) and Windows'
// USBPcap (249): the header of each URB event decoded by the library, and `wirekit decode` as tshark 4.0 shows them (summary
// lines and frame.protocols of test/fixtures/usb/, made by make-usb.sh). tshark's io,phs tree of a
// USB capture holds nodes of its descriptor trees (text, usb.capdata, ...), which stats does not
// reproduce: only its root is checked.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decodePacket } from '../src/dissect.js';
import { readCaptureSync } from '../src/capture/index.js';
import { usbRequestName, type UsbHeader } from '../src/link/usb.js';
import { cli, lines, root } from './cli/cli-util.js';

const dir = `${root}test/fixtures/usb/`;
const records = (name: string) => [...readCaptureSync(new Uint8Array(readFileSync(`${dir}${name}`)))];

describe('usbmon headers (library)', () => {
  it('decodes both layouts alike: a control submission with its setup packet, a completion with its data', () => {
    for (const [name, size] of [['usb-mmapped.pcap', 64], ['usb-linux.pcap', 48]] as const) {
      const [submit, complete] = records(name);
      const s = decodePacket(submit!.data, { linkType: submit!.linkType });
      expect(s.errors).toEqual([]);
      const h = s.layers[0]!.header as UsbHeader;
      expect(s.layers[0]!.length).toBe(size);
      expect(String.fromCharCode(h.urbType)).toBe('S');
      expect([h.transferType, h.endpoint, h.device, h.bus, h.status, h.urbLength, h.dataLength]).toEqual([2, 0x80, 5, 1, -115, 18, 0]);
      expect(h.setup).toEqual({ bmRequestType: 0x80, bRequest: 6, wValue: 0x0100, wIndex: 0, wLength: 18 });
      expect(h.urbId).toBe(0xffff8800aa000100n);
      // usb.addr twice, source then destination, as tshark lists it.
      expect(s.fields()['usb.addr']).toEqual(['host', '1.5.0']);
      const c = decodePacket(complete!.data, { linkType: complete!.linkType });
      const ch = c.layers[0]!.header as UsbHeader;
      expect(String.fromCharCode(ch.urbType)).toBe('C');
      expect(ch.urbId).toBe(h.urbId);
      expect(ch.setup).toBeUndefined();
      // The device descriptor's 18 bytes follow the header (bytes 0..17 in the fixture).
      expect(c.layers[0]!.payloadLength).toBe(18);
      expect([...c.bytes.subarray(c.layers[0]!.payloadOffset, c.layers[0]!.payloadOffset + 3)]).toEqual([0, 1, 2]);
    }
  });

  it('puts an isochronous URB\'s descriptors in the memory-mapped header, before its data', () => {
    const iso = records('usb-mmapped.pcap').at(-1)!;
    const p = decodePacket(iso.data, { linkType: iso.linkType });
    const h = p.layers[0]!.header as UsbHeader;
    expect([h.transferType, h.isoDescriptors]).toEqual([0, 1]);
    expect(p.layers[0]!.length).toBe(64 + 16);
    expect([...p.bytes.subarray(p.layers[0]!.payloadOffset)]).toEqual([0x10, 0x20, 0x30, 0x40]);
  });

  it('reads USBPcap\'s header: the IRP on its way down or back, a control stage, the setup packet of a setup stage', () => {
    const [down, data, status] = records('usbpcap.pcap');
    const d = decodePacket(down!.data, { linkType: down!.linkType });
    const h = d.layers[0]!.header as UsbHeader;
    expect(d.layers[0]!.name).toBe('usbpcap');
    expect(d.layers[0]!.length).toBe(28 + 8);
    expect([String.fromCharCode(h.urbType), h.transferType, h.endpoint, h.device, h.bus]).toEqual(['S', 2, 0x80, 3, 1]);
    expect(h.usbpcap).toEqual({ headerLength: 28, urbFunction: 0x000b, info: 0, stage: 0 });
    expect(h.setup).toEqual({ bmRequestType: 0x80, bRequest: 6, wValue: 0x0100, wIndex: 0, wLength: 18 });
    const back = decodePacket(data!.data, { linkType: data!.linkType });
    const bh = back.layers[0]!.header as UsbHeader;
    expect([String.fromCharCode(bh.urbType), bh.usbpcap!.stage, bh.dataLength, bh.urbId]).toEqual(['C', 1, 18, h.urbId]);
    expect(back.layers[0]!.payloadLength).toBe(18);
    const st = decodePacket(status!.data, { linkType: status!.linkType });
    expect((st.layers[0]!.header as UsbHeader).usbpcap!.stage).toBe(3);
    // A header length below its own fields is an error at the header, not a read past it.
    const bad = down!.data.slice();
    bad[0] = 20;
    expect(decodePacket(bad, { linkType: 249 }).errors[0]).toMatchObject({ code: 'bad-length', layer: 'usbpcap' });
  });

  it('names standard requests only: GET DESCRIPTOR to the device alone, class and vendor requests not at all', () => {
    const setup = (bmRequestType: number, bRequest: number) => ({ bmRequestType, bRequest, wValue: 0, wIndex: 0, wLength: 0 });
    expect(usbRequestName(setup(0x80, 6))).toBe('GET DESCRIPTOR');
    expect(usbRequestName(setup(0x81, 6))).toBeUndefined();
    expect(usbRequestName(setup(0x82, 0))).toBe('GET STATUS');
    expect(usbRequestName(setup(0x00, 0x20))).toBe('Unknown type 20');
    expect(usbRequestName(setup(0x21, 0x0a))).toBeUndefined();
    expect(usbRequestName(setup(0xc0, 0x33))).toBeUndefined();
  });

  it('reports a header cut short as truncated, at any length, never reading past the bytes', () => {
    const whole = records('usb-mmapped.pcap')[1]!.data;
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 63 }), fc.constantFrom(189, 220, 249), (n, linkType) => {
        const p = decodePacket(whole.slice(0, n), { linkType });
        if (n < (linkType === 220 ? 64 : linkType === 189 ? 48 : 27)) {
          expect(p.layers).toEqual([]);
          expect(p.errors[0]).toMatchObject({ code: 'truncated', layer: linkType === 249 ? 'usbpcap' : 'usb' });
        }
      }),
    );
  });
});

describe('wirekit decode on usbmon captures (make-usb.sh)', () => {
  for (const name of ['usb-mmapped.pcap', 'usb-linux.pcap', 'usbpcap.pcap']) {
    it(`${name}: every summary line and frame.protocols as tshark`, () => {
      const r = cli(['decode', `${dir}${name}`]);
      expect(r.stderr).toBe('');
      expect(lines(r.stdout)).toEqual(lines(readFileSync(`${dir}${name}.summary.txt`, 'utf8')));
      const protocols = lines(cli(['decode', `${dir}${name}`, '--json']).stdout).map((l) => JSON.parse(l)['frame.protocols'] as string);
      expect(protocols).toEqual(lines(readFileSync(`${dir}${name}.protocols.txt`, 'utf8')));
      if (name !== 'usbpcap.pcap') {
        // The HID keyboard: class requests named once its configuration said interface 0 is HID.
        expect(r.stdout).toMatch(/USBHID \d+ SET_IDLE Request$/m);
        expect(r.stdout).toMatch(/USBHID \d+ GET DESCRIPTOR Response HID Report$/m);
        expect(protocols.filter((p) => p === 'usb:usbhid').length).toBeGreaterThan(4);
        // The USB stick: SCSI commands in the command block wrappers tshark's heuristics find.
        expect(r.stdout).toMatch(/USBMS \d+ SCSI: Read\(10\) LUN: 0x00 \(LBA: 0x00001000, Len: 8\)$/m);
        expect(r.stdout).toMatch(/USBMS \d+ SCSI: Read\(16\) LUN: 0x00 \(LBA: 4294967296, Len: 8\)$/m);
        expect(protocols.filter((p) => p === 'usb:usbms:data')).toHaveLength(2);
      }
      const stats = cli(['stats', `${dir}${name}`]).stdout;
      expect(stats).toMatch(new RegExp(`^usb +frames:${protocols.length} `, 'm'));
    });
  }
});
