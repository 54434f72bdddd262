// MAC addresses in the summary's address columns, as tshark writes them. tshark resolves them by
// default: a well-known address (its `wka` file: exact, or a prefix of some bits) by name, else a
// vendor's block (its `manuf` file: 24-bit OUIs, 28- and 36-bit MA-M and MA-S blocks) as the
// vendor's short name and the rest of the address. wirekit ships no copy of those lists: it reads
// the ones an installed Wireshark keeps (where tshark reads them; WIREKIT_WIRESHARK_DIR names
// another directory holding `manuf` and `wka`), and without them shows the addresses as they are,
// but for the few group addresses below.
import { readFileSync } from 'node:fs';

/** Group addresses tshark names in address columns, when no Wireshark lists are installed. */
const WELL_KNOWN_MACS: Record<string, string> = {
  'ff:ff:ff:ff:ff:ff': 'Broadcast',
  '01:80:c2:00:00:00': 'Spanning-tree-(for-bridges)_00',
  '01:80:c2:00:00:0e': 'LLDP_Multicast',
  '01:00:0c:cc:cc:cc': 'CDP/VTP/DTP/PAgP/UDLD',
  '01:00:0c:cc:cc:cd': 'PVST+',
};

/** Where Wireshark installs its address lists (Debian and most Linux, /usr/local, Homebrew). */
const DIRS = ['/usr/share/wireshark', '/usr/local/share/wireshark', '/opt/homebrew/share/wireshark'];

interface Lists {
  exact: Map<number, string>;
  /** Prefixes by length, longest first: [bits, prefix -> name]. */
  wka: [number, Map<number, string>][];
  /** manuf blocks: 36, 28 and 24 bits. */
  manuf: [number, Map<number, string>][];
}

let lists: Lists | null | undefined;

function load(): Lists | null {
  const own = process.env.WIREKIT_WIRESHARK_DIR;
  for (const dir of own === undefined || own === '' ? DIRS : [own]) {
    let manufText: string;
    let wkaText: string;
    try {
      manufText = readFileSync(`${dir}/manuf`, 'latin1');
      wkaText = readFileSync(`${dir}/wka`, 'latin1');
    } catch {
      continue;
    }
    const l: Lists = { exact: new Map(), wka: [], manuf: [] };
    const blocks = new Map<number, Map<number, string>>();
    const wka = new Map<number, Map<number, string>>();
    const parse = (text: string, into: Map<number, Map<number, string>>, exact: Map<number, string> | undefined) => {
      for (const raw of text.split('\n')) {
        const line = raw.replace(/#.*/, '').trim();
        if (line === '') continue;
        const [address, name] = line.split(/\s+/);
        if (address === undefined || name === undefined) continue;
        const [hex, maskText] = address.split('/');
        const bytes = hex!.split(/[:.-]/).map((b) => parseInt(b, 16));
        if (bytes.length === 0 || bytes.length > 6 || bytes.some((b) => !(b >= 0 && b <= 255))) continue;
        let value = 0;
        for (let i = 0; i < 6; i++) value = value * 256 + (bytes[i] ?? 0);
        const bits = maskText === undefined ? bytes.length * 8 : Number(maskText);
        if (!(bits > 0 && bits <= 48)) continue;
        if (bits === 48 && exact !== undefined) {
          exact.set(value, name);
          continue;
        }
        let m = into.get(bits);
        if (m === undefined) into.set(bits, (m = new Map()));
        m.set(Math.floor(value / 2 ** (48 - bits)), name);
      }
    };
    parse(manufText, blocks, undefined);
    parse(wkaText, wka, l.exact);
    l.manuf = [...blocks].sort((a, b) => b[0] - a[0]);
    l.wka = [...wka].sort((a, b) => b[0] - a[0]);
    return l;
  }
  return null;
}

const hex2 = (n: number) => n.toString(16).padStart(2, '0');

/** The bytes of `value`'s last 48 - bits bits, without leading zero bytes (at least one). */
function rest(value: number, bits: number): string {
  const low = value % 2 ** (48 - bits);
  const bytes: number[] = [];
  for (let i = Math.ceil((48 - bits) / 8) - 1; i >= 0; i--) bytes.push(Math.floor(low / 256 ** i) % 256);
  while (bytes.length > 1 && bytes[0] === 0) bytes.shift();
  return bytes.map(hex2).join(':');
}

/** A MAC address (colon-separated hex) as tshark's address columns show it. */
export function macColumn(mac: string): string {
  // (An 802.11 frame without a transmitter gives no address at all: left as it is.)
  if (typeof mac !== 'string' || mac.length !== 17) return mac;
  if (lists === undefined) lists = load();
  if (lists === null) return WELL_KNOWN_MACS[mac] ?? mac;
  const value = parseInt(mac.replaceAll(':', ''), 16);
  if (!(value >= 0)) return mac;
  const exact = lists.exact.get(value);
  if (exact !== undefined) return exact;
  for (const [bits, names] of lists.wka) {
    const name = names.get(Math.floor(value / 2 ** (48 - bits)));
    if (name !== undefined) return `${name}_${rest(value, bits)}`;
  }
  // Vendor blocks are looked up with the group bit clear (a vendor's multicast addresses are its own).
  const unicast = Math.floor(value / 2 ** 40) % 2 === 1 ? value - 2 ** 40 : value;
  for (const [bits, names] of lists.manuf) {
    const name = names.get(Math.floor(unicast / 2 ** (48 - bits)));
    if (name === undefined) continue;
    // A 24-bit OUI keeps all three bytes after it; a smaller block only those it leaves.
    return bits === 24 ? `${name}_${mac.slice(9)}` : `${name}_${rest(value, bits)}`;
  }
  return mac;
}
