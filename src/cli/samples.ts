/**
 * The embedded sample for `wirekit checksum` with no file: the 20-byte IPv4 header used as the
 * worked example of the header checksum in many texts (192.168.0.1 -> 192.168.0.199, UDP, TTL 64,
 * checksum 0xb861). Its Internet checksum verifies to 0.
 */
export const SAMPLE_IPV4_HEADER = new Uint8Array([
  0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11, 0xb8, 0x61, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00,
  0xc7,
]);
export const SAMPLE_NAME = '(embedded sample: IPv4 header 192.168.0.1 -> 192.168.0.199)';
