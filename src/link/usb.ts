// `usb`: Linux usbmon captures (`tcpdump -i usbmon0`, Wireshark on Linux), LINKTYPE_USB_LINUX (189,
// a 48-byte header per URB event) and LINKTYPE_USB_LINUX_MMAPPED (220, the same 48 bytes and 16
// more: interval, start frame, the URB's transfer flags, the number of isochronous descriptors,
// which follow it, 16 bytes each). Layout from the kernel's Documentation/usb/usbmon.rst
// (struct usbmon_packet) and libpcap's pcap/usb.h. The header is in the capturing host's byte order,
// read here as little-endian (x86, ARM: the captures there are). USBPcap (249), Windows' driver,
// says the same things in a header of its own, one record per IRP on its way down or back.
// Each record is one URB event: its submission (`S`), completion (`C`) or error (`E`), on a
// transfer type (isochronous, interrupt, control, bulk) at bus.device.endpoint. A control
// submission carries the 8-byte setup packet (USB 2.0 section 9.3) when its setup flag is 0.
import type { FieldSink } from '../packet/fields.js';
import type { Decoded, DecodeContext, Protocol } from '../packet/protocol.js';
import { cutShort } from '../packet/partial.js';
import { WireError } from '../errors.js';

export const LINKTYPE_USB_LINUX = 189;
export const LINKTYPE_USB_LINUX_MMAPPED = 220;
/** USBPcap, Windows' USB capture driver (Wireshark on Windows). */
export const LINKTYPE_USBPCAP = 249;

/** The transfer types usbmon numbers (usbmon.rst). */
export const USB_TRANSFER_NAMES = ['URB_ISOCHRONOUS', 'URB_INTERRUPT', 'URB_CONTROL', 'URB_BULK'];

/** A control transfer's setup packet (USB 2.0 table 9-2). */
export interface UsbSetup {
  bmRequestType: number;
  bRequest: number;
  wValue: number;
  wIndex: number;
  wLength: number;
}

export interface UsbHeader {
  /** The URB's address in the kernel: a submission and its completion share it. */
  urbId: bigint;
  /** 'S' submission, 'C' completion, 'E' error (the character's code). */
  urbType: number;
  /** 0 isochronous, 1 interrupt, 2 control, 3 bulk. */
  transferType: number;
  /** Endpoint number, bit 7 set for IN (device to host). */
  endpoint: number;
  device: number;
  bus: number;
  /** 0 when a setup packet follows, else a character ('-': none). */
  setupFlag: number;
  /** 0 when data follows, else a character ('<', '>': none captured). */
  dataFlag: number;
  seconds: bigint;
  microseconds: number;
  /** usbmon: 0, or a negative errno (-115 EINPROGRESS on a submission); USBPcap: the USBD_STATUS. */
  status: number;
  /** The URB's transfer length, and the bytes of it captured here (USBPcap: its data length, and that without a setup packet). */
  urbLength: number;
  dataLength: number;
  setup: UsbSetup | undefined;
  /** The memory-mapped header's fields (link type 220), else undefined. */
  interval?: number;
  startFrame?: number;
  transferFlags?: number;
  isoDescriptors?: number;
  /** USBPcap's own fields (link type 249), else undefined. */
  usbpcap?: UsbpcapFields;
}

/** What a USBPcap header says beyond what usbmon's does. */
export interface UsbpcapFields {
  /** The header's length, its own first field (27; 28 with a control transfer's stage). */
  headerLength: number;
  /** The URB function (URB_FUNCTION_*). */
  urbFunction: number;
  /** Bit 0: the IRP is on its way back from the device (a completion). */
  info: number;
  /** A control transfer's stage: 0 setup, 1 data, 2 status, 3 complete. */
  stage: number | undefined;
}

const BASE = 48;
const MMAPPED = 64;
const ISO_DESCRIPTOR = 16;

function readHeader(b: Uint8Array, o: number, mmapped: boolean): UsbHeader {
  const v = new DataView(b.buffer, b.byteOffset + o, mmapped ? MMAPPED : BASE);
  const setupFlag = b[o + 14]!;
  const h: UsbHeader = {
    urbId: v.getBigUint64(0, true),
    urbType: b[o + 8]!,
    transferType: b[o + 9]!,
    endpoint: b[o + 10]!,
    device: b[o + 11]!,
    bus: v.getUint16(12, true),
    setupFlag,
    dataFlag: b[o + 15]!,
    seconds: v.getBigInt64(16, true),
    microseconds: v.getInt32(24, true),
    status: v.getInt32(28, true),
    urbLength: v.getUint32(32, true),
    dataLength: v.getUint32(36, true),
    setup:
      setupFlag === 0
        ? { bmRequestType: b[o + 40]!, bRequest: b[o + 41]!, wValue: v.getUint16(42, true), wIndex: v.getUint16(44, true), wLength: v.getUint16(46, true) }
        : undefined,
  };
  if (mmapped) {
    h.interval = v.getInt32(48, true);
    h.startFrame = v.getInt32(52, true);
    h.transferFlags = v.getUint32(56, true);
    h.isoDescriptors = v.getUint32(60, true);
  }
  return h;
}

const have = (ctx: DecodeContext) => Math.min(ctx.end, ctx.bytes.length) - ctx.offset;

function usbProtocol(mmapped: boolean): Protocol<UsbHeader> {
  const size = mmapped ? MMAPPED : BASE;
  return {
    // One name per layout (protocols are registered by name); tshark calls both `usb`.
    name: mmapped ? 'usb-mmapped' : 'usb',
    decode(ctx: DecodeContext): Decoded<UsbHeader> {
      const o = ctx.offset;
      if (have(ctx) < size) throw cutShort('usb', o, size, have(ctx), 'usbmon header');
      const header = readHeader(ctx.bytes, o, mmapped);
      // An isochronous URB's descriptors come before its data (memory-mapped layout only).
      let length = size;
      if (mmapped && header.transferType === 0 && header.isoDescriptors! > 0) {
        length += Math.min(header.isoDescriptors!, Math.floor((have(ctx) - size) / ISO_DESCRIPTOR)) * ISO_DESCRIPTOR;
      }
      return { header, headerLength: length };
    },
    partialFields(): void {},
    fields(h: UsbHeader, out: FieldSink): void {
      addressFields(h, out);
      out.add('usb.urb_id', idText(h.urbId));
      out.add('usb.urb_type', String.fromCharCode(h.urbType));
      out.add('usb.transfer_type', h.transferType);
      endpointFields(h, out);
      out.add('usb.device_address', h.device);
      out.add('usb.bus_id', h.bus);
      out.add('usb.setup_flag', h.setupFlag);
      out.add('usb.data_flag', h.dataFlag);
      out.add('usb.urb_ts_sec', h.seconds.toString());
      out.add('usb.urb_ts_usec', h.microseconds);
      out.add('usb.urb_status', h.status);
      out.add('usb.urb_len', h.urbLength);
      out.add('usb.data_len', h.dataLength);
      if (h.interval !== undefined) {
        out.add('usb.interval', h.interval);
        out.add('usb.start_frame', h.startFrame!);
        out.add('usb.copy_of_transfer_flags', h.transferFlags!);
        out.add('usb.iso.numdesc', h.isoDescriptors!);
      }
      setupFields(h.setup, out);
    },
  };
}

/**
 * USBPcap's packet header (USBPcap's documentation, USBPCAP_BUFFER_PACKET_HEADER; little-endian,
 * packed): its length, the IRP id, the USBD status, the URB function, the IRP info (bit 0: from the
 * device), bus, device, endpoint, transfer type, data length; a control transfer adds its stage, and
 * its setup stage's data is the 8-byte setup packet, read here as part of the header. The fields of
 * an isochronous header (packets and their descriptors) are stepped over by the header's length.
 */
export const usbpcap: Protocol<UsbHeader> = {
  name: 'usbpcap',
  decode(ctx: DecodeContext): Decoded<UsbHeader> {
    const b = ctx.bytes;
    const o = ctx.offset;
    const avail = have(ctx);
    if (avail < 27) throw cutShort('usbpcap', o, 27, avail, 'USBPcap header');
    const v = new DataView(b.buffer, b.byteOffset + o, 27);
    const headerLength = v.getUint16(0, true);
    const transferType = b[o + 22]!;
    const control = transferType === 2;
    if (headerLength < (control ? 28 : 27)) throw new WireError('bad-length', `USBPcap header length ${headerLength} at offset ${o} is below the ${control ? 28 : 27} bytes of its fields`, { layer: 'usbpcap', offset: o });
    if (avail < headerLength) throw cutShort('usbpcap', o, headerLength, avail, 'USBPcap header');
    const info = b[o + 16]!;
    const dataLength = v.getUint32(23, true);
    const stage = control ? b[o + 27]! : undefined;
    let length = headerLength;
    let setup: UsbSetup | undefined;
    if (control && stage === 0 && (info & 1) === 0 && dataLength >= 8 && avail >= headerLength + 8) {
      const w = new DataView(b.buffer, b.byteOffset + o + headerLength, 8);
      setup = { bmRequestType: b[o + headerLength]!, bRequest: b[o + headerLength + 1]!, wValue: w.getUint16(2, true), wIndex: w.getUint16(4, true), wLength: w.getUint16(6, true) };
      length += 8;
    }
    const header: UsbHeader = {
      urbId: v.getBigUint64(2, true),
      urbType: info & 1 ? 0x43 : 0x53,
      transferType,
      endpoint: b[o + 21]!,
      device: v.getUint16(19, true),
      bus: v.getUint16(17, true),
      setupFlag: setup === undefined ? 0x2d : 0,
      dataFlag: 0,
      seconds: 0n,
      microseconds: 0,
      status: v.getUint32(10, true),
      urbLength: dataLength,
      dataLength: Math.max(0, dataLength - (setup === undefined ? 0 : 8)),
      setup,
      usbpcap: { headerLength, urbFunction: v.getUint16(14, true), info, stage },
    };
    return { header, headerLength: length };
  },
  partialFields(): void {},
  fields(h: UsbHeader, out: FieldSink): void {
    const u = h.usbpcap!;
    addressFields(h, out);
    out.add('usb.usbpcap_header_len', u.headerLength);
    out.add('usb.irp_id', idText(h.urbId));
    out.add('usb.usbd_status', h.status);
    out.add('usb.function', u.urbFunction);
    out.add('usb.irp_info', u.info);
    out.add('usb.irp_info.direction', u.info & 1);
    out.add('usb.bus_id', h.bus);
    out.add('usb.device_address', h.device);
    endpointFields(h, out);
    out.add('usb.transfer_type', h.transferType);
    out.add('usb.data_len', h.urbLength);
    if (u.stage !== undefined) out.add('usb.control_stage', u.stage);
    setupFields(h.setup, out);
  },
};

/** usb.src and usb.dst as usbAddresses gives them, each followed by usb.addr (tshark's order). */
function addressFields(h: UsbHeader, out: FieldSink): void {
  const [src, dst] = usbAddresses(h);
  out.add('usb.src', src);
  out.add('usb.addr', src);
  out.add('usb.dst', dst);
  out.add('usb.addr', dst);
}

function endpointFields(h: UsbHeader, out: FieldSink): void {
  out.add('usb.endpoint_address', h.endpoint);
  out.add('usb.endpoint_address.direction', h.endpoint >> 7);
  out.add('usb.endpoint_address.number', h.endpoint & 0x7f);
}

/** A URB or IRP id as tshark shows it: 16 hex digits. */
const idText = (id: bigint) => `0x${id.toString(16).padStart(16, '0')}`;

function setupFields(s: UsbSetup | undefined, out: FieldSink): void {
  if (s === undefined) return;
  out.add('usb.bmRequestType', s.bmRequestType);
  out.add('usb.bmRequestType.direction', s.bmRequestType >> 7);
  out.add('usb.bmRequestType.type', (s.bmRequestType >> 5) & 3);
  out.add('usb.bmRequestType.recipient', s.bmRequestType & 0x1f);
  out.add('usb.setup.bRequest', s.bRequest);
  out.add('usb.setup.wValue', s.wValue);
  out.add('usb.setup.wIndex', s.wIndex);
  out.add('usb.setup.wLength', s.wLength);
}

export const usbLinux = usbProtocol(false);
export const usbLinuxMmapped = usbProtocol(true);

/**
 * Source and destination as tshark writes them: the host submits to bus.device.endpoint (the
 * endpoint's number, without its direction bit), completions and errors come back from it.
 */
export function usbAddresses(h: UsbHeader): [string, string] {
  const node = `${h.bus}.${h.device}.${h.endpoint & 0x7f}`;
  return h.urbType === 0x53 ? ['host', node] : [node, 'host'];
}

/** Standard requests (USB 2.0 table 9-4, USB 3.2 table 9-5) by bRequest, as tshark names them. */
const STANDARD_REQUESTS: Record<number, string> = {
  0: 'GET STATUS',
  1: 'CLEAR FEATURE',
  3: 'SET FEATURE',
  5: 'SET ADDRESS',
  6: 'GET DESCRIPTOR',
  7: 'SET DESCRIPTOR',
  8: 'GET CONFIGURATION',
  9: 'SET CONFIGURATION',
  10: 'GET INTERFACE',
  11: 'SET INTERFACE',
  12: 'SYNCH FRAME',
  48: 'SET SEL',
  49: 'SET ISOCH DELAY',
};

/** Descriptor types (USB 2.0 table 9-5, USB 3.2 table 9-6) as tshark names them. */
const DESCRIPTOR_TYPES: Record<number, string> = {
  1: 'DEVICE',
  2: 'CONFIGURATION',
  3: 'STRING',
  4: 'INTERFACE',
  5: 'ENDPOINT',
  6: 'DEVICE QUALIFIER',
  7: 'OTHER SPEED CONFIG',
  8: 'INTERFACE POWER',
  9: 'OTG',
  10: 'DEBUG',
  11: 'INTERFACE ASSOCIATION',
  15: 'BOS',
  16: 'DEVICE CAPABILITY',
  48: 'SUPERSPEED USB ENDPOINT COMPANION',
  49: 'SUPERSPEED PLUS ISOCHRONOUS ENDPOINT COMPANION',
};

/**
 * The name tshark gives a control request it reads as standard, or undefined: a standard request
 * (type 0), but GET DESCRIPTOR only to the device (to an interface or endpoint it is the class's,
 * a HID report descriptor for one, which tshark leaves to a class it does not know here). A
 * bRequest outside the table is "Unknown type <hex>".
 */
export function usbRequestName(s: UsbSetup): string | undefined {
  if (((s.bmRequestType >> 5) & 3) !== 0) return undefined;
  if (s.bRequest === 6 && (s.bmRequestType & 0x1f) !== 0) return undefined;
  return STANDARD_REQUESTS[s.bRequest] ?? `Unknown type ${s.bRequest.toString(16)}`;
}

/** A descriptor type's name, or "Unknown type <decimal>". */
export function usbDescriptorName(type: number): string {
  return DESCRIPTOR_TYPES[type] ?? `Unknown type ${type}`;
}
