// The summary columns of 802.11 and LLC frames as tshark shows them: addresses from the 802.11
// header (source and destination address; transmitter and receiver, marked, for control frames),
// the frame's type in the info column with its sequence number and flags, and LLC's format.
import type { LlcHeader, WlanHeader } from 'wirekit';
import { macColumn } from './summary-mac.js';

/** Wireshark's names of 802.11 frame types and subtypes (packet-ieee80211.c), by type << 4 | subtype. */
const FRAME_NAMES: Record<number, string> = {
  0x00: 'Association Request', 0x01: 'Association Response', 0x02: 'Reassociation Request', 0x03: 'Reassociation Response',
  0x04: 'Probe Request', 0x05: 'Probe Response', 0x06: 'Measurement Pilot', 0x08: 'Beacon frame', 0x09: 'ATIM', 0x0a: 'Disassociate',
  0x0b: 'Authentication', 0x0c: 'Deauthentication', 0x0d: 'Action', 0x0e: 'Action No Ack',
  0x12: 'Trigger', 0x14: 'Beamforming Report Poll', 0x15: 'VHT/HE NDP Announcement', 0x16: 'Control Frame Extension', 0x17: 'Control Wrapper',
  0x18: '802.11 Block Ack Req', 0x19: '802.11 Block Ack', 0x1a: 'Power-Save poll', 0x1b: 'Request-to-send', 0x1c: 'Clear-to-send',
  0x1d: 'Acknowledgement', 0x1e: 'CF-End (Control-frame)', 0x1f: 'CF-End + CF-Ack (Control-frame)',
  0x20: 'Data', 0x21: 'Data + CF-Ack', 0x22: 'Data + CF-Poll', 0x23: 'Data + CF-Ack + CF-Poll', 0x24: 'Null function (No data)',
  0x25: 'Acknowledgement (No data)', 0x26: 'CF-poll (No data)', 0x27: 'CF-ack/poll (No data)', 0x28: 'QoS Data',
  0x29: 'QoS Data + CF-Acknowledgment', 0x2a: 'QoS Data + CF-Poll', 0x2b: 'QoS Data + CF-Ack + CF-Poll', 0x2c: 'QoS Null function (No data)',
  0x2e: 'QoS CF-Poll (No Data)', 0x2f: 'QoS CF-Ack + CF-Poll (No data)',
};

/** The flags as tshark's info column spells them, most significant bit first. */
function flagString(flags: number): string {
  const letters = 'OpmPRMFT';
  let s = '';
  for (let bit = 7; bit >= 0; bit--) s += flags & (1 << bit) ? letters[7 - bit] : '.';
  return s;
}

const mac = (m: string) => macColumn(m);

/** Bytes of fixed parameters before the tagged ones, by management subtype (802.11-2020 9.3.3). */
const FIXED_PARAMETERS: Readonly<Record<number, number>> = { 0x0: 4, 0x2: 10, 0x4: 0, 0x5: 12, 0x8: 12 };

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** tshark's SSID text: quoted when it is printable UTF-8, hex otherwise, "Wildcard (Broadcast)" when empty. */
function ssidText(b: Uint8Array): string {
  if (b.length === 0) return 'Wildcard (Broadcast)';
  try {
    const text = utf8.decode(b);
    if (!/[\u0000-\u001f\u007f]/.test(text)) return `"${text}"`;
  } catch {
    // not UTF-8: hex below
  }
  let hex = '';
  for (const x of b) hex += x.toString(16).padStart(2, '0');
  return hex;
}

/**
 * What tshark appends for a management frame's body: the beacon interval of beacons and probe
 * responses (", BI=100"), and the SSID element of those and of probe and association requests.
 */
function managementInfo(subtype: number, body: Uint8Array): string {
  const fixed = FIXED_PARAMETERS[subtype];
  if (fixed === undefined || body.length < fixed) return '';
  let s = fixed === 12 ? `, BI=${body[8]! | (body[9]! << 8)}` : '';
  for (let at = fixed; at + 2 <= body.length; ) {
    const id = body[at]!;
    const length = body[at + 1]!;
    if (at + 2 + length > body.length) break;
    if (id === 0) {
      s += `, SSID=${ssidText(body.subarray(at + 2, at + 2 + length))}`;
      break;
    }
    at += 2 + length;
  }
  return s;
}

/** Source, destination and info of an 802.11 frame that carries nothing wirekit decodes further (`body`: what follows its header). */
export function wlanColumns(h: WlanHeader, body?: Uint8Array): [string, string, string] {
  const kind = (h.type << 4) | h.subtype;
  const name = FRAME_NAMES[kind] ?? `Unrecognized (Reserved frame) (0x${kind.toString(16).padStart(4, '0')})`;
  const [a1, a2] = h.addresses;
  if (h.type === 1) {
    // Control frames: receiver and transmitter, each with its resolved name and its role.
    const ra = `${mac(a1!)} (${a1}) (RA)`;
    const ta = a2 === undefined ? '' : `${mac(a2)} (${a2}) (TA)`;
    return [ta, ra, `${name}, Flags=${flagString(h.flags)}`];
  }
  const [src, dst] = wlanAddresses(h);
  const more = h.type === 0 && body !== undefined ? managementInfo(h.subtype, body) : '';
  return [src, dst, `${name}, SN=${h.seq}, FN=${h.frag}, Flags=${flagString(h.flags)}${more}`];
}

/** Source and destination address of a management or data frame (by To DS / From DS). */
export function wlanAddresses(h: WlanHeader): [string, string] {
  const [a1, a2, a3, a4] = h.addresses;
  if (h.type !== 2) return [mac(a2!), mac(a1!)];
  switch (h.flags & 3) {
    case 0:
      return [mac(a2!), mac(a1!)];
    case 1:
      return [mac(a2!), mac(a3!)];
    case 2:
      return [mac(a3!), mac(a1!)];
    default:
      return [mac(a4!), mac(a3!)];
  }
}

/** Info of an LLC header that nothing decoded follows: its format and function, and the SNAP ids. */
export function llcInfo(h: LlcHeader): string {
  const c = h.control;
  const response = (h.ssap & 1) === 1;
  let info: string;
  if ((c & 3) === 3) {
    // The poll/final bit (0x10) shows as P on a command, F on a response.
    const pf = c & 0x10 ? (response ? ' F' : ' P') : '';
    const f = c & 0xef;
    info = `U${pf}, func=${(response ? U_RESPONSES[f] : undefined) ?? U_FUNCTIONS[f] ?? 'Unknown'}`;
  } else {
    const pf = c & 0x100 ? (response ? ' F' : ' P') : '';
    if ((c & 1) === 0) info = `I${pf}, N(R)=${c >>> 9}, N(S)=${(c >>> 1) & 0x7f}`;
    else info = `S${pf}, func=${['RR', 'RNR', 'REJ', 'SREJ'][(c >>> 2) & 3]}, N(R)=${c >>> 9}`;
  }
  if (h.oui !== undefined) return `${info}; SNAP, OUI 0x${h.oui.toString(16).padStart(6, '0')}, PID 0x${h.pid!.toString(16).padStart(4, '0')}`;
  return `${info}; DSAP ${sapName(h.dsap)} ${h.dsap & 1 ? 'Group' : 'Individual'}, SSAP ${sapName(h.ssap)} ${h.ssap & 1 ? 'Response' : 'Command'}`;
}

/** HDLC's unnumbered functions by control byte (the P/F bit clear), as tshark names them on a command. */
const U_FUNCTIONS: Record<number, string> = {
  0x03: 'UI', 0x07: 'SIM', 0x0f: 'SARM', 0x23: 'UP', 0x2f: 'SABM', 0x43: 'DISC', 0x4f: 'SARME', 0x63: 'UA', 0x6f: 'SABME',
  0x83: 'SNRM', 0x87: 'FRMR', 0x8f: 'RESET', 0xaf: 'XID', 0xc7: 'CFGR', 0xcf: 'SNRME', 0xe3: 'TEST', 0xef: 'BCN',
};
/** The codes whose name differs on a response. */
const U_RESPONSES: Record<number, string> = { 0x07: 'RIM', 0x0f: 'DM', 0x43: 'RD' };

/** Wireshark's names of the common SAPs (packet-llc.c), by SAP with the low bit clear. */
const SAP_NAMES: Record<number, string> = {
  0x00: 'NULL LSAP', 0x02: 'LLC Sub-Layer Management', 0x04: 'SNA Path Control', 0x06: 'TCP/IP', 0x08: 'SNA', 0x0c: 'SNA',
  0x42: 'Spanning Tree BPDU', 0x7e: 'ISO 8208 (X.25 over 802.2)', 0x80: 'XNS', 0x98: 'ARP', 0xaa: 'SNAP', 0xbc: 'Banyan VINES',
  0xe0: 'NetWare', 0xf0: 'NetBIOS', 0xf4: 'IBM Net Management', 0xf8: 'HP Extended LLC', 0xfc: 'Remote Program Load',
  0xfe: 'ISO Network Layer', 0xff: 'Global LSAP',
};

function sapName(sap: number): string {
  return SAP_NAMES[sap & 0xfe] ?? `0x${(sap & 0xfe).toString(16).padStart(2, '0')}`;
}
