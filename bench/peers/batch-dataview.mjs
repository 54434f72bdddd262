// The baseline a user would write without wirekit: one DataView over a capture buffer, getUint16 /
// getUint32 for every field, the same columns decodeBatch fills (one typed array each, allocated
// per batch like decodeBatch's table), bounds checked, no WebAssembly. It walks the same layers
// (Ethernet, VLAN tags, ARP, IPv4, IPv6 and its extension headers, TCP with the option summary,
// UDP, ICMP, ICMPv6) and verifies the IPv4 header checksum, but keeps error reporting to a status
// code and takes no care over the edge cases decodeBatch mirrors from tshark.

/** One object literal, so V8 gives it a fixed shape (columns added by name would make it a dictionary). */
function allocate(n) {
  return {
    ipv6Addresses: new Uint8Array(n * 32),
    payloadLength: new Uint32Array(n), ipSrc: new Uint32Array(n), ipDst: new Uint32Array(n), ipId: new Uint32Array(n),
    tcpSeq: new Uint32Array(n), tcpAck: new Uint32Array(n), tcpTsval: new Uint32Array(n), tcpTsecr: new Uint32Array(n),
    ipv6Index: new Int32Array(n).fill(-1),
    layers: new Uint16Array(n), linkType: new Uint16Array(n), l3Offset: new Uint16Array(n), l4Offset: new Uint16Array(n),
    payloadOffset: new Uint16Array(n), ethertype: new Uint16Array(n), vlanOuter: new Uint16Array(n), vlanInner: new Uint16Array(n),
    ipLength: new Uint16Array(n), fragOffset: new Uint16Array(n), srcPort: new Uint16Array(n), dstPort: new Uint16Array(n),
    tcpFlags: new Uint16Array(n), tcpWindow: new Uint16Array(n), tcpMss: new Uint16Array(n), udpLength: new Uint16Array(n),
    status: new Uint8Array(n), vlanCount: new Uint8Array(n), ipVersion: new Uint8Array(n), protocol: new Uint8Array(n),
    ttl: new Uint8Array(n), ipFlags: new Uint8Array(n), tcpHeaderLength: new Uint8Array(n), tcpOptions: new Uint8Array(n),
    tcpWindowScale: new Uint8Array(n).fill(255), tcpSackBlocks: new Uint8Array(n), icmpType: new Uint8Array(n),
    icmpCode: new Uint8Array(n), ipChecksum: new Uint8Array(n),
  };
}

const TRUNCATED = 1;

/** Decodes every record of a capture buffer (Ethernet link type) into columns. */
export function decodeWithDataView(data, offsets, lengths, count) {
  const t = allocate(count);
  const v = new DataView(data.buffer, data.byteOffset, data.byteLength);
  let v6 = 0;
  for (let i = 0; i < count; i++) {
    const base = offsets[i];
    const end = base + lengths[i];
    t.linkType[i] = 1;
    if (end - base < 14) {
      t.status[i] = TRUNCATED;
      continue;
    }
    let type = v.getUint16(base + 12);
    let at = base + 14;
    let layers = 1;
    let tags = 0;
    while (type === 0x8100 || type === 0x88a8 || type === 0x9100) {
      if (end - at < 4 || tags === 8) break;
      const tci = v.getUint16(at);
      if (tags === 0) t.vlanOuter[i] = tci;
      else if (tags === 1) t.vlanInner[i] = tci;
      type = v.getUint16(at + 2);
      at += 4;
      tags++;
      layers |= 2;
    }
    t.vlanCount[i] = tags;
    t.ethertype[i] = type;
    let l4 = -1;
    let proto = -1;
    let ipEnd = end;
    if (type === 0x0800) {
      if (end - at < 20) {
        t.status[i] = TRUNCATED;
        t.layers[i] = layers;
        continue;
      }
      const ihl = (v.getUint8(at) & 15) * 4;
      const total = v.getUint16(at + 2);
      const fw = v.getUint16(at + 6);
      t.ipVersion[i] = 4;
      t.ipLength[i] = total;
      t.ipId[i] = v.getUint16(at + 4);
      t.ipFlags[i] = fw >>> 13;
      t.fragOffset[i] = fw & 0x1fff;
      t.ttl[i] = v.getUint8(at + 8);
      proto = v.getUint8(at + 9);
      t.protocol[i] = proto;
      t.ipSrc[i] = v.getUint32(at + 12);
      t.ipDst[i] = v.getUint32(at + 16);
      if (ihl < 20 || end - at < ihl) {
        t.status[i] = TRUNCATED;
        t.layers[i] = layers;
        continue;
      }
      let sum = 0;
      for (let k = 0; k < ihl; k += 2) sum += v.getUint16(at + k);
      while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
      t.ipChecksum[i] = sum === 0xffff ? 1 : 2;
      t.l3Offset[i] = at - base;
      ipEnd = Math.min(end, at + total);
      at += ihl;
      l4 = at;
      layers |= 8;
      if (fw & 0x1fff) proto = -1;
    } else if (type === 0x86dd) {
      if (end - at < 40) {
        t.status[i] = TRUNCATED;
        t.layers[i] = layers;
        continue;
      }
      const plen = v.getUint16(at + 4);
      let nh = v.getUint8(at + 6);
      t.ipVersion[i] = 6;
      t.ipLength[i] = plen;
      t.ttl[i] = v.getUint8(at + 7);
      t.l3Offset[i] = at - base;
      t.ipv6Addresses.set(data.subarray(at + 8, at + 40), v6 * 32);
      t.ipv6Index[i] = v6++;
      ipEnd = Math.min(end, at + 40 + plen);
      at += 40;
      layers |= 16;
      for (let n = 0; n < 16 && (nh === 0 || nh === 43 || nh === 60 || nh === 44 || nh === 51); n++) {
        if (ipEnd - at < 8) break;
        const len = nh === 44 ? 8 : nh === 51 ? (v.getUint8(at + 1) + 2) * 4 : (v.getUint8(at + 1) + 1) * 8;
        if (nh === 44) {
          t.fragOffset[i] = v.getUint16(at + 2) >>> 3;
          t.ipId[i] = v.getUint32(at + 4);
        }
        nh = v.getUint8(at);
        at += len;
        layers |= 32;
      }
      proto = nh;
      t.protocol[i] = nh;
      l4 = at;
    }
    if (l4 >= 0) t.l4Offset[i] = l4 - base;
    let payload = at;
    let payloadEnd = ipEnd;
    if (proto === 6 && ipEnd - at >= 20) {
      const hl = (v.getUint8(at + 12) >>> 4) * 4;
      t.srcPort[i] = v.getUint16(at);
      t.dstPort[i] = v.getUint16(at + 2);
      t.tcpSeq[i] = v.getUint32(at + 4);
      t.tcpAck[i] = v.getUint32(at + 8);
      t.tcpFlags[i] = v.getUint16(at + 12) & 0xfff;
      t.tcpWindow[i] = v.getUint16(at + 14);
      t.tcpHeaderLength[i] = hl;
      if (hl >= 20 && ipEnd - at >= hl) {
        let opts = 0;
        for (let q = at + 20, oend = at + hl; q < oend; ) {
          const kind = v.getUint8(q);
          if (kind === 0) break;
          if (kind === 1) {
            q++;
            continue;
          }
          if (oend - q < 2) break;
          const olen = v.getUint8(q + 1);
          if (olen < 2 || olen > oend - q) break;
          if (kind === 2 && olen === 4) (t.tcpMss[i] = v.getUint16(q + 2)), (opts |= 1);
          else if (kind === 3 && olen === 3) (t.tcpWindowScale[i] = v.getUint8(q + 2)), (opts |= 2);
          else if (kind === 4 && olen === 2) opts |= 4;
          else if (kind === 8 && olen === 10) (t.tcpTsval[i] = v.getUint32(q + 2)), (t.tcpTsecr[i] = v.getUint32(q + 6)), (opts |= 8);
          else if (kind === 5 && olen >= 10) (t.tcpSackBlocks[i] = (olen - 2) >>> 3), (opts |= 16);
          q += olen;
        }
        t.tcpOptions[i] = opts;
        payload = at + hl;
        layers |= 128;
      } else t.status[i] = TRUNCATED;
    } else if (proto === 17 && ipEnd - at >= 8) {
      t.srcPort[i] = v.getUint16(at);
      t.dstPort[i] = v.getUint16(at + 2);
      const ulen = v.getUint16(at + 4);
      t.udpLength[i] = ulen;
      payload = at + 8;
      payloadEnd = Math.min(ipEnd, at + ulen);
      layers |= 256;
    } else if ((proto === 1 || proto === 58) && ipEnd - at >= 8) {
      t.icmpType[i] = v.getUint8(at);
      t.icmpCode[i] = v.getUint8(at + 1);
      payload = at + 8;
      layers |= proto === 1 ? 512 : 1024;
    }
    t.layers[i] = layers;
    t.payloadOffset[i] = payload - base;
    t.payloadLength[i] = Math.max(0, payloadEnd - payload);
  }
  t.ipv6Addresses = t.ipv6Addresses.slice(0, v6 * 32);
  return t;
}

/** Columns the peer fills with decodeBatch's meaning, for the suite's agreement check. */
export const COMPARABLE_COLUMNS = [
  'payloadLength', 'ipSrc', 'ipDst', 'ipId', 'tcpSeq', 'tcpAck', 'tcpTsval', 'tcpTsecr', 'ipv6Index', 'layers', 'l3Offset',
  'l4Offset', 'payloadOffset', 'ethertype', 'vlanOuter', 'vlanInner', 'ipLength', 'fragOffset', 'srcPort', 'dstPort',
  'tcpFlags', 'tcpWindow', 'tcpMss', 'udpLength', 'status', 'vlanCount', 'ipVersion', 'protocol', 'ttl', 'ipFlags',
  'tcpHeaderLength', 'tcpOptions', 'tcpWindowScale', 'tcpSackBlocks', 'icmpType', 'icmpCode', 'ipChecksum',
];
