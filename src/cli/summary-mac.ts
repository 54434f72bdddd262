// MAC addresses in the summary's address columns, as tshark writes them.

/** Group addresses tshark names in address columns (Wireshark's well-known address list). */
const WELL_KNOWN_MACS: Record<string, string> = {
  'ff:ff:ff:ff:ff:ff': 'Broadcast',
  '01:80:c2:00:00:00': 'Spanning-tree-(for-bridges)_00',
  '01:80:c2:00:00:0e': 'LLDP_Multicast',
  '01:00:0c:cc:cc:cc': 'CDP/VTP/DTP/PAgP/UDLD',
  '01:00:0c:cc:cc:cd': 'PVST+',
};

export function macColumn(mac: string): string {
  return WELL_KNOWN_MACS[mac] ?? mac;
}
