// Link-layer header types (LINKTYPE_* of draft-ietf-opsawg-pcaplinktype). Records carry the number;
// names exist only for display and for options that accept either.

/** Display names of the link types wirekit meets most, by LINKTYPE number. */
export const LINK_TYPE_NAMES: Readonly<Record<number, string>> = Object.freeze({
  0: 'null',
  1: 'ethernet',
  6: 'ieee802_5',
  9: 'ppp',
  10: 'fddi',
  50: 'ppp_hdlc',
  51: 'ppp_ether',
  100: 'atm_rfc1483',
  101: 'raw',
  104: 'c_hdlc',
  105: 'ieee802_11',
  106: 'linux_atm_clip',
  107: 'frelay',
  108: 'loop',
  113: 'linux_sll',
  117: 'pflog',
  119: 'ieee802_11_prism',
  122: 'ip_over_fc',
  138: 'apple_ip_over_ieee1394',
  127: 'ieee802_11_radiotap',
  163: 'ieee802_11_avs',
  189: 'usb_linux',
  192: 'ppi',
  197: 'erf',
  220: 'usb_linux_mmapped',
  249: 'usbpcap',
  226: 'ipnet',
  227: 'can_socketcan',
  228: 'ipv4',
  229: 'ipv6',
  239: 'nflog',
  276: 'linux_sll2',
});

/** A link type by name, for options: `'ethernet'`, `'raw'`, ... */
export type LinkTypeName = 'null' | 'ethernet' | 'ieee802_5' | 'fddi' | 'ieee802_11_prism' | 'ieee802_11_avs' | 'atm_rfc1483' | 'linux_atm_clip' | 'frelay' | 'ip_over_fc' | 'ipnet' | 'can_socketcan' | 'ppp_ether' | 'apple_ip_over_ieee1394' | 'ppp' | 'ppp_hdlc' | 'raw' | 'c_hdlc' | 'ieee802_11' | 'loop' | 'linux_sll' | 'pflog' | 'ieee802_11_radiotap' | 'ppi' | 'usb_linux' | 'erf' | 'usb_linux_mmapped' | 'usbpcap' | 'ipv4' | 'ipv6' | 'nflog' | 'linux_sll2';

const NUMBERS: Readonly<Record<string, number>> = Object.freeze(
  Object.fromEntries(Object.entries(LINK_TYPE_NAMES).map(([n, name]) => [name, Number(n)])),
);

/**
 * The display name of a link type, or `linktype_<n>` for one without a name here.
 *
 * @example
 * linkTypeName(1);   // 'ethernet'
 * linkTypeName(147); // 'linktype_147'
 */
export function linkTypeName(linkType: number): string {
  return LINK_TYPE_NAMES[linkType] ?? `linktype_${linkType}`;
}

/**
 * The LINKTYPE number of a name or number (numbers pass through), or undefined for an unknown name.
 *
 * @example
 * linkTypeNumber('linux_sll2'); // 276
 */
export function linkTypeNumber(linkType: number | string): number | undefined {
  if (typeof linkType === 'number') return linkType;
  const match = /^linktype_(\d+)$/.exec(linkType);
  return match ? Number(match[1]) : NUMBERS[linkType];
}
