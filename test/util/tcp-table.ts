// A PacketTable-shaped set of columns for `n` Ethernet/IPv4/TCP rows (20-byte headers, no payload
// until a test sets payloadOffset/payloadLength/ipLength): the reassembler's batch input
// (TcpReassembler.pushTable) without encoding frames.
import { BatchLayer, type PacketTable } from '../../src/batch.js';

export function tcpColumns(n: number) {
  return {
    count: n,
    layers: new Uint16Array(n).fill(BatchLayer.ETH | BatchLayer.IPV4 | BatchLayer.TCP),
    ipVersion: new Uint8Array(n).fill(4),
    l3Offset: new Uint16Array(n).fill(14),
    l4Offset: new Uint16Array(n).fill(34),
    tcpHeaderLength: new Uint8Array(n).fill(20),
    ipLength: new Uint16Array(n).fill(40),
    payloadOffset: new Uint16Array(n),
    payloadLength: new Uint32Array(n),
    ipSrc: new Uint32Array(n),
    ipDst: new Uint32Array(n),
    srcPort: new Uint16Array(n),
    dstPort: new Uint16Array(n),
    tcpSeq: new Uint32Array(n),
    tcpAck: new Uint32Array(n),
    tcpFlags: new Uint16Array(n),
    tcpWindow: new Uint16Array(n).fill(65535),
    ipv6Index: new Int32Array(n).fill(-1),
    ipv6Addresses: new Uint8Array(0),
  };
}

export type TcpColumns = ReturnType<typeof tcpColumns>;

/** The columns as the PacketTable pushTable reads (the rest of a table's columns are not read). */
export const asTable = (t: TcpColumns) => t as unknown as PacketTable;
