import { WireError } from '../errors.js';
import { fold16 } from '../kernels/internet.js';

/** An IPv4 address as 4 bytes or a u32 (network order, e.g. 0x7f000001), or an IPv6 address as 16 bytes. */
export type PseudoHeaderAddress = Uint8Array | number;

function addressSum(address: PseudoHeaderAddress, name: string): { sum: number; size: 4 | 16 } {
  if (typeof address === 'number') {
    if (!(Number.isInteger(address) && address >= 0 && address <= 0xffffffff)) {
      throw new WireError('bad-value', `${name} as a number must be an IPv4 address 0..0xffffffff, got ${address}`, {
        layer: 'checksum',
      });
    }
    return { sum: (address >>> 16) + (address & 0xffff), size: 4 };
  }
  if (address.length !== 4 && address.length !== 16) {
    throw new WireError('bad-length', `${name} must be 4 (IPv4) or 16 (IPv6) bytes, got ${address.length}`, {
      layer: 'checksum',
      available: address.length,
    });
  }
  let sum = 0;
  for (let i = 0; i < address.length; i += 2) sum += (address[i]! << 8) | address[i + 1]!;
  return { sum, size: address.length as 4 | 16 };
}

/**
 * The partial ones'-complement sum of the TCP/UDP pseudo-header, to pass as `initial` to
 * `internetChecksum` or `onesComplementSum`. IPv4 (RFC 793/768): source, destination, zero,
 * protocol, 16-bit length. IPv6 (RFC 8200 section 8.1): source, destination, 32-bit upper-layer
 * length, three zero bytes, next header. The family follows the address size.
 *
 * @param protocol the IP protocol / next header number (6 TCP, 17 UDP, 58 ICMPv6)
 * @param length the upper-layer length in bytes (header plus payload)
 * @example
 * const sum = pseudoHeaderSum(srcIp, dstIp, 17, udp.length);
 * const checksum = internetChecksum(udp, sum) || 0xffff; // UDP sends a computed 0 as 0xffff
 */
export function pseudoHeaderSum(
  source: PseudoHeaderAddress,
  destination: PseudoHeaderAddress,
  protocol: number,
  length: number,
): number {
  const src = addressSum(source, 'source');
  const dst = addressSum(destination, 'destination');
  if (src.size !== dst.size) {
    throw new WireError('bad-value', `source is IPv${src.size === 4 ? 4 : 6} but destination is IPv${dst.size === 4 ? 4 : 6}`, {
      layer: 'checksum',
    });
  }
  if (!(Number.isInteger(protocol) && protocol >= 0 && protocol <= 255)) {
    throw new WireError('bad-value', `protocol must be 0..255, got ${protocol}`, { layer: 'checksum' });
  }
  const maxLength = src.size === 4 ? 0xffff : 0xffffffff;
  if (!(Number.isInteger(length) && length >= 0 && length <= maxLength)) {
    throw new WireError('bad-length', `upper-layer length must be 0..${maxLength} for this family, got ${length}`, {
      layer: 'checksum',
    });
  }
  return src.sum + dst.sum + protocol + (length >>> 16) + (length & 0xffff);
}

function checkField(name: string, value: number): void {
  if (!(Number.isInteger(value) && value >= 0 && value <= 0xffffffff)) {
    throw new WireError('bad-value', `${name} must be an integer 0..0xffffffff, got ${value}`, { layer: 'checksum' });
  }
}

/**
 * Updates a stored Internet checksum after a field changed from `oldValue` to `newValue`, without
 * reading the rest of the data: RFC 1624 eqn. 3, HC' = ~(~HC + ~m + m'), which, unlike RFC 1141's
 * form, never turns a correct 0x0000 into 0xFFFF. Fields are 16-bit; a value above 0xFFFF on either
 * side makes both 32-bit (two words, e.g. an IPv4 address rewritten by NAT).
 *
 * @example
 * // TTL 64 -> 63 in an IPv4 header: TTL is the high byte of the word it shares with the protocol
 * const word = (ttl << 8) | protocol;
 * header.checksum = checksumUpdate(header.checksum, word, word - 0x100);
 */
export function checksumUpdate(oldChecksum: number, oldValue: number, newValue: number): number {
  checkField('oldValue', oldValue);
  checkField('newValue', newValue);
  if (!(Number.isInteger(oldChecksum) && oldChecksum >= 0 && oldChecksum <= 0xffff)) {
    throw new WireError('bad-value', `checksum must be 0..0xffff, got ${oldChecksum}`, { layer: 'checksum' });
  }
  let sum = ~oldChecksum & 0xffff;
  if (oldValue > 0xffff || newValue > 0xffff) {
    sum += (~(oldValue >>> 16) & 0xffff) + (~oldValue & 0xffff) + (newValue >>> 16) + (newValue & 0xffff);
  } else {
    sum += (~oldValue & 0xffff) + newValue;
  }
  return ~fold16(sum) & 0xffff;
}
