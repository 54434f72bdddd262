// The summary of USB captures (usbmon, USBPcap) as tshark 4.0 writes it. A control request is
// named when tshark reads it: a standard request, or a HID class request to an interface whose
// class a configuration descriptor earlier in the capture said is HID (USB HID 1.11 section 7.2);
// its completion is matched by URB id. Everything else is its transfer type and direction. HID's
// part also shows in frame.protocols (`usb:usbhid`): a HID request (not its completion, but for a
// report descriptor's), a configuration descriptor that holds a HID descriptor, data on a HID
// interface's endpoint.
import { USB_TRANSFER_NAMES, usbDescriptorName, usbRequestName, type UsbHeader } from 'wirekit';
import { scsiCommand } from './summary-scsi.js';

/** HID class requests (USB HID 1.11 section 7.2) as tshark names them. */
const HID_REQUESTS: Record<number, string> = { 1: 'GET_REPORT', 2: 'GET_IDLE', 3: 'GET_PROTOCOL', 9: 'SET_REPORT', 10: 'SET_IDLE', 11: 'SET_PROTOCOL' };
/** HID class descriptors (section 7.1) as tshark names them. */
const HID_DESCRIPTORS: Record<number, string> = { 0x21: 'HID', 0x22: 'HID Report', 0x23: 'HID Physical' };
const HID_CLASS = 3;

/** Requests awaiting completion, and devices described, that a capture's summary keeps at most. */
const MAX_USB_REQUESTS = 4096;
const MAX_USB_DEVICES = 1024;

interface Pending {
  name: string;
  /** The descriptor type named after it (GET DESCRIPTOR), or ''. */
  descriptor: string;
  /** A HID request (or a GET DESCRIPTOR of a HID class descriptor). */
  hid: boolean;
  /** Its completion's data goes to the HID dissector (a report descriptor). */
  hidData: boolean;
  /** GET DESCRIPTOR CONFIGURATION: its completion describes the device's interfaces. */
  configuration: boolean;
}

/** A device's interfaces' classes, and its endpoints' interface classes, from its configuration descriptor. */
interface Device {
  interfaces: Map<number, number>;
  endpoints: Map<number, number>;
}

export interface UsbColumns {
  protocol: string;
  info: string;
  /** Whether tshark's HID dissector takes part (frame.protocols `usb:usbhid`). */
  hid: boolean;
  /** What its mass-storage dissector adds to frame.protocols (`usbms`, `usbms:data`), if it takes part. */
  usbms?: string;
}

export class UsbSummary {
  readonly #pending = new Map<string, Pending>();
  readonly #devices = new Map<string, Device>();

  /** One URB event's columns; `data` is what follows its header. */
  columns(h: UsbHeader, data: Uint8Array): UsbColumns {
    const device = this.#devices.get(`${h.bus}.${h.device}`);
    const direction = h.endpoint & 0x80 ? 'in' : 'out';
    const plain = { protocol: 'USB', info: `${USB_TRANSFER_NAMES[h.transferType] ?? `Unknown type ${h.transferType}`} ${direction}`, hid: false };
    if (h.transferType !== 2) {
      // tshark's mass-storage heuristics: a command block wrapper, a command status wrapper.
      if (h.transferType === 3 && data.length >= 13 && data[0] === 0x55 && data[1] === 0x53 && data[2] === 0x42) {
        if (data[3] === 0x43 && data.length === 31) {
          const command = scsiCommand(data);
          return { protocol: 'USBMS', info: command.info, hid: false, usbms: command.data ? 'usbms:data' : 'usbms' };
        }
        if (data[3] === 0x53) return { protocol: 'USBMS', info: '', hid: false, usbms: 'usbms' };
      }
      // Data on a HID interface's endpoint goes to the HID dissector.
      plain.hid = data.length > 0 && device?.endpoints.get(h.endpoint) === HID_CLASS;
      return plain;
    }
    const key = `${h.bus}.${h.device}.${h.urbId}`;
    if (h.urbType === 0x53) {
      const pending = h.setup === undefined ? undefined : this.#request(h, device);
      if (pending === undefined) {
        this.#pending.delete(key);
        return plain;
      }
      this.#pending.set(key, pending);
      // A capture may hold submissions whose completions never come: the oldest are let go.
      if (this.#pending.size > MAX_USB_REQUESTS) this.#pending.delete(this.#pending.keys().next().value!);
      return { protocol: pending.hid ? 'USBHID' : 'USB', info: `${pending.name} Request${pending.descriptor}`, hid: pending.hid };
    }
    const pending = this.#pending.get(key);
    if (pending === undefined) return plain;
    // usbmon completes a URB once; USBPcap's data and status stages both come back as completions.
    if (h.usbpcap === undefined) this.#pending.delete(key);
    let hid = pending.hidData && data.length > 0;
    if (pending.configuration && data.length > 0) hid = this.#configuration(`${h.bus}.${h.device}`, data);
    return { protocol: pending.hid ? 'USBHID' : 'USB', info: `${pending.name} Response${data.length > 0 ? pending.descriptor : ''}`, hid };
  }

  /** The request a setup packet makes, when tshark names it; undefined otherwise. */
  #request(h: UsbHeader, device: Device | undefined): Pending | undefined {
    const s = h.setup!;
    const type = (s.bmRequestType >> 5) & 3;
    const recipient = s.bmRequestType & 0x1f;
    const interfaceClass = recipient === 1 ? device?.interfaces.get(s.wIndex & 0xff) : undefined;
    if (interfaceClass === HID_CLASS) {
      if (type === 1 && HID_REQUESTS[s.bRequest] !== undefined) return { name: HID_REQUESTS[s.bRequest]!, descriptor: '', hid: true, hidData: false, configuration: false };
      const kind = s.wValue >> 8;
      if (type === 0 && s.bRequest === 6 && HID_DESCRIPTORS[kind] !== undefined) return { name: 'GET DESCRIPTOR', descriptor: ` ${HID_DESCRIPTORS[kind]}`, hid: true, hidData: kind === 0x22, configuration: false };
    }
    const name = usbRequestName(s);
    if (name === undefined) return undefined;
    const getDescriptor = s.bRequest === 6;
    return { name, descriptor: getDescriptor ? ` ${usbDescriptorName(s.wValue >> 8)}` : '', hid: false, hidData: false, configuration: getDescriptor && s.wValue >> 8 === 2 };
  }

  /**
   * A configuration descriptor and those that follow it (USB 2.0 section 9.6.3): each interface's
   * class, and the class of the interface each endpoint belongs to. True when it holds a HID
   * descriptor (tshark's HID dissector reads that one).
   */
  #configuration(id: string, data: Uint8Array): boolean {
    let device = this.#devices.get(id);
    if (device === undefined) {
      if (this.#devices.size >= MAX_USB_DEVICES) this.#devices.delete(this.#devices.keys().next().value!);
      device = { interfaces: new Map(), endpoints: new Map() };
      this.#devices.set(id, device);
    }
    let hid = false;
    let current: number | undefined;
    for (let at = 0; at + 2 <= data.length; ) {
      const length = data[at]!;
      if (length < 2) break;
      const type = data[at + 1]!;
      if (type === 4 && at + 6 <= data.length) {
        current = data[at + 5]!;
        device.interfaces.set(data[at + 2]!, current);
      } else if (type === 5 && at + 3 <= data.length && current !== undefined) {
        device.endpoints.set(data[at + 2]!, current);
      } else if (type === 0x21 && current === HID_CLASS) {
        hid = true;
      }
      at += length;
    }
    return hid;
  }
}
