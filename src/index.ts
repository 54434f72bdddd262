// Public API: re-exports only.
export { WireError } from './errors.js';
export type { WireErrorCode, WireErrorDetails } from './errors.js';
export { setBackend, getBackend, backendInfo, init, allocBuffer } from './wasm/backend.js';
export type { BackendMode, BackendOptions, BackendInfo } from './wasm/backend.js';
export { crc32, crc32c } from './checksum/crc32.js';
export { internetChecksum, onesComplementSum } from './checksum/internet.js';
export { pseudoHeaderSum, checksumUpdate } from './checksum/incremental.js';
export type { PseudoHeaderAddress } from './checksum/incremental.js';

// Decoding and encoding whole packets
export { decodePacket, registerProtocol, tableValueOf, dissectorFor, protocolNamed } from './dissect.js';
export type { TableBinding } from './dissect.js';
export { encodeFrame, emitFrame, registerEncoder } from './encode.js';
export type { FrameLayer, EncodeOptions } from './encode.js';
export { Packet } from './packet/packet.js';
export { FieldSink, bytesField } from './packet/fields.js';
export type { FieldMap, FieldValue } from './packet/fields.js';
export type { ChecksumPolicy, ChecksumStatus } from './packet/checksum-policy.js';
export type {
  DecodeContext,
  DecodeOptions,
  Decoded,
  DissectorTable,
  EncodeContext,
  Encoder,
  Layer,
  LayerSpec,
  Next,
  Protocol,
} from './packet/protocol.js';

// Link layer
export { EthernetView, decodeEthernet, encodeEthernet, emitEthernet, ethernet, ethernetEncoder, ETHERNET_HEADER_LENGTH, ETHERNET_MIN_FRAME } from './link/ethernet.js';
export type { EthernetHeader, EthernetInput } from './link/ethernet.js';
export { MacAddress, formatMac, writeMac, parseMac } from './link/mac.js';
export type { MacKind } from './link/mac.js';
export { VlanView, decodeVlan, encodeVlan, emitVlan, vlan, ieee8021ad, vlanEncoder, ieee8021adEncoder, VLAN_TAG_LENGTH, TPID_8021Q, TPID_8021AD, TPID_QINQ_LEGACY } from './link/vlan.js';
export type { VlanHeader, VlanInput } from './link/vlan.js';
export { ArpView, decodeArp, encodeArp, emitArp, arpLength, arpAnnouncement, arpProbe, classifyArp, ArpOpcode, arp, arpEncoder, ARP_FIXED_LENGTH, ARP_HW_ETHERNET, ARP_HW_IEEE802 } from './link/arp.js';
export type { ArpHeader, ArpInput, ArpKind } from './link/arp.js';

// Network layer
export { formatIpv4, formatIpv6, parseIpv4, parseIpv6, writeIp, writeIpv4, writeIpv6, IpAddress } from './network/ip-address.js';
export type { IpScope } from './network/ip-address.js';
export { Ipv4View, decodeIpv4, encodeIpv4, emitIpv4, ipv4, ipv4Encoder, IPV4_MIN_HEADER_LENGTH, IPV4_MAX_HEADER_LENGTH } from './network/ipv4.js';
export type { Ipv4Header, Ipv4Input } from './network/ipv4.js';
export { IPV4_OPTION, parseIpv4Options, sourceRouteDestination } from './network/ipv4-options.js';
export type { Ipv4Option, Ipv4OptionInput, Ipv4OptionList, Ipv4TimestampEntry } from './network/ipv4-options.js';
export { Ipv6View, decodeIpv6, encodeIpv6, emitIpv6, ipv6, ipv6Encoder, IPV6_HEADER_LENGTH, IPV6_MAX_EXTENSIONS, IPV6_NO_NEXT_HEADER } from './network/ipv6.js';
export type { Ipv6Header, Ipv6Input } from './network/ipv6.js';
export { IPV6_EXTENSION, isIpv6Extension, parseIpv6Options, routingFinalDestination } from './network/ipv6-extensions.js';
export type { Ipv6Extension, Ipv6ExtensionInput, Ipv6ExtensionName, Ipv6Option, Ipv6OptionInput } from './network/ipv6-extensions.js';
export { icmp, icmpEncoder, decodeIcmp, encodeIcmp, emitIcmp, icmpHeaderLength, IcmpView, IcmpType, ICMP_HEADER_LENGTH } from './network/icmp.js';
export type { IcmpHeader, IcmpInput } from './network/icmp.js';
export { icmpv6, icmpv6Encoder, decodeIcmpv6, encodeIcmpv6, emitIcmpv6, icmpv6HeaderLength, Icmpv6View, Icmpv6Type, ICMPV6_HEADER_LENGTH, ICMPV6_PROTOCOL } from './network/icmpv6.js';
export type { Icmpv6Header, Icmpv6Input, Icmpv6Addresses } from './network/icmpv6.js';
export { decodeGre, encodeGre, emitGre, greHeaderLength, gre, greEncoder, GRE_MIN_HEADER_LENGTH, GRE_PROTO_TRANSPARENT_ETHERNET, GRE_PROTO_PPP, IP_PROTO_GRE } from './network/gre.js';
export type { GreHeader, GreInput } from './network/gre.js';
export { readNdpOptions, writeNdpOptions, ndpOptionsLength, NdpOptionType, eui64Of as ndpEui64Address } from './network/ndp.js';
export type { NdpOption, NdpLinkLayerAddressOption, NdpPrefixInformationOption, NdpMtuOption, NdpRawOption, NdpOptionsRead } from './network/ndp.js';

// Transport layer
export { tcp, tcpEncoder, TcpView, TcpFlag, decodeTcp, encodeTcp, emitTcp, tcpFlagString, TCP_HEADER_LENGTH } from './transport/tcp.js';
export type { TcpHeader, TcpInput, PseudoHeaderAddresses } from './transport/tcp.js';
export { parseTcpOptions, writeTcpOption, tcpOptionLength } from './transport/tcp-options.js';
export type { TcpOption, TcpRawOption, ParsedTcpOptions } from './transport/tcp-options.js';
export { udp, udpEncoder, UdpView, decodeUdp, encodeUdp, emitUdp, UDP_HEADER_LENGTH } from './transport/udp.js';
export type { UdpHeader, UdpInput } from './transport/udp.js';
export { NullView, decodeNull, encodeNull, emitNull, nullLink, nullEncoder, BsdFamily, NULL_HEADER_LENGTH, LINKTYPE_NULL, LINKTYPE_LOOP } from './link/null.js';
export type { NullHeader, NullInput, NullByteOrder } from './link/null.js';
export { SllView, Sll2View, decodeSll, decodeSll2, encodeSll, encodeSll2, emitSll, emitSll2, sll, sll2, sllEncoder, sll2Encoder, SllPacketType, SllProtocol, SLL_HEADER_LENGTH, SLL2_HEADER_LENGTH, SLL_ADDRESS_LENGTH, LINKTYPE_LINUX_SLL, LINKTYPE_LINUX_SLL2 } from './link/sll.js';
export type { SllCommon, SllHeader, Sll2Header, SllInput, Sll2Input } from './link/sll.js';
export { decodeMpls, encodeMpls, emitMpls, mplsLength, mpls, mplsEncoder, MplsLabel, MPLS_ENTRY_LENGTH, ETHERTYPE_MPLS, ETHERTYPE_MPLS_MULTICAST } from './link/mpls.js';
export type { MplsEntry, MplsHeader, MplsEntryInput, MplsInput } from './link/mpls.js';
export { decodePpp, encodePpp, emitPpp, pppHeaderLength, ppp, pppEncoder, PppProtocol, PPP_ADDRESS_ALL_STATIONS, PPP_CONTROL_UI, LINKTYPE_PPP } from './link/ppp.js';
export type { PppHeader, PppInput } from './link/ppp.js';
export { decodeChdlc, encodeChdlc, emitChdlc, chdlc, chdlcEncoder, CHDLC_UNICAST, CHDLC_BROADCAST, LINKTYPE_C_HDLC } from './link/chdlc.js';
export type { ChdlcHeader, ChdlcInput } from './link/chdlc.js';
export { lcp, ipcp, ipv6cp, ccp, pap, chap, slarp, pppControlInfo, slarpInfo, PPP_CONTROL } from './link/ppp-control.js';
export { loop, loopInfo, LOOP_ETHERTYPE } from './link/loop.js';
export type { LoopHeader } from './link/loop.js';
export { decodeTokenRing, emitTokenRing, tokenRingFixedHeader, tokenRing, tokenRingEncoder, tokenRingFrameName, tokenRingMac, tokenRingMacInfo, TokenRingFrameType, LINKTYPE_IEEE802_5, TOKEN_RING_HEADER_LENGTH } from './link/token-ring.js';
export type { TokenRingHeader, TokenRingInput, TokenRingRouting, TokenRingMacHeader } from './link/token-ring.js';
export { decodeFddi, emitFddi, fddi, fddiAddress, fddiEncoder, fddiFrameName, fddiCarriesLlc, LINKTYPE_FDDI, FDDI_HEADER_LENGTH } from './link/fddi.js';
export type { FddiHeader, FddiInput } from './link/fddi.js';
export { avs, avsCutInfo, decodeAvs, decodePrism, isAvs, prism, prismCutInfo, prismItemName, LINKTYPE_IEEE802_11_AVS, LINKTYPE_IEEE802_11_PRISM, AVS_HEADER_LENGTH, PRISM_HEADER_LENGTH } from './link/prism.js';
export type { AvsHeader, PrismHeader, PrismItem } from './link/prism.js';
export { erfRecord, erfPayloadIsData, erfTypeText, ERF_META, LINKTYPE_ERF_RECORD } from './link/erf-record.js';
export type { ErfRecordHeader } from './link/erf-record.js';
export { usbLinux, usbLinuxMmapped, usbpcap, LINKTYPE_USBPCAP, usbAddresses, usbRequestName, usbDescriptorName, USB_TRANSFER_NAMES, LINKTYPE_USB_LINUX, LINKTYPE_USB_LINUX_MMAPPED } from './link/usb.js';
export type { UsbHeader, UsbSetup, UsbpcapFields } from './link/usb.js';
export { ap1394, AP1394_HEADER_LENGTH, LINKTYPE_APPLE_IP_OVER_IEEE1394, LINKTYPE_PPP_ETHER, clip, frameRelay, frameRelayCutInfo, ipfc, ipnet, LINKTYPE_ATM_RFC1483, LINKTYPE_FRELAY, LINKTYPE_IP_OVER_FC, LINKTYPE_IPNET, LINKTYPE_LINUX_ATM_CLIP, IPNET_HEADER_LENGTH, IPFC_HEADER_LENGTH } from './link/ip-carriers.js';
export type { Ap1394Header, FrameRelayHeader, IpfcHeader, IpnetHeader } from './link/ip-carriers.js';
export { can, canCutInfo, canfdLinux, canInfo, canLinux, decodeCan, LINKTYPE_CAN_SOCKETCAN, CAN_HEADER_LENGTH } from './link/can.js';
export type { CanHeader } from './link/can.js';
export { syslog, ssdp, syslogInfo, ssdpInfo, displayText, SYSLOG_PORT, SSDP_PORT } from './application/syslog.js';
export type { SyslogHeader, SsdpHeader } from './application/syslog.js';
export type { PppControlHeader, SlarpHeader } from './link/ppp-control.js';
export { decodeLlc, encodeLlc, emitLlc, llc, llcEncoder, LLC_SAP_SNAP, LLC_SAP_IP, LLC_UI } from './link/llc.js';
export type { LlcHeader, LlcInput } from './link/llc.js';
export { decodeWlan, encodeWlan, emitWlan, wlan, wlanEncoder, WlanType, WlanFlag, LINKTYPE_IEEE802_11 } from './link/ieee80211.js';
export type { WlanHeader, WlanInput } from './link/ieee80211.js';
export { decodeRadiotap, encodeRadiotap, emitRadiotap, radiotap, radiotapEncoder, RadiotapField, RadiotapFlag, LINKTYPE_IEEE802_11_RADIOTAP } from './link/radiotap.js';
export type { RadiotapHeader, RadiotapInput } from './link/radiotap.js';
export { decodeNflog, nflog, nflogEncoder, NflogTlv, LINKTYPE_NFLOG } from './link/nflog.js';
export type { NflogHeader, NflogInput, NflogTlvEntry } from './link/nflog.js';
export { decodePflog, pflog, pflogEncoder, pflogInfo, PFLOG_ACTIONS, LINKTYPE_PFLOG } from './link/pflog.js';
export type { PflogHeader, PflogInput } from './link/pflog.js';
export { decodeVxlan, emitVxlan, vxlan, vxlanEncoder, VXLAN_PORT } from './network/vxlan.js';
export type { VxlanHeader, VxlanInput } from './network/vxlan.js';
export { decodeIgmp, encodeIgmp, emitIgmp, igmpLength, igmp, igmpEncoder, igmpColumns, igmpV3Time, IgmpType, IP_PROTO_IGMP } from './network/igmp.js';
export type { IgmpHeader, IgmpGroupRecord, IgmpInput, IgmpGroupRecordInput } from './network/igmp.js';
export { decodeEsp, decodeAh, emitEsp, emitAh, esp, ah, espEncoder, ahEncoder, ahFields, ipsecInfo, IP_PROTO_ESP, IP_PROTO_AH, ESP_HEADER_LENGTH, AH_MIN_HEADER_LENGTH } from './network/ipsec.js';
export type { EspHeader, AhHeader, EspInput, AhInput } from './network/ipsec.js';
export { decodeDhcp, encodeDhcp, emitDhcp, dhcpLength, dhcpEncoder, dhcp, dhcpColumns, DhcpOption, DHCP_SERVER_PORT, DHCP_CLIENT_PORT, DHCP_MAGIC_COOKIE, BOOTP_HEADER_LENGTH } from './application/dhcp.js';
export type { DhcpHeader, DhcpOptionField, DhcpInput } from './application/dhcp.js';
export { decodeDhcpv6, dhcpv6, dhcpv6Info, dhcpv6MessageName, DHCPV6_CLIENT_PORT, DHCPV6_SERVER_PORT } from './application/dhcpv6.js';
export type { Dhcpv6Message, Dhcpv6Option } from './application/dhcpv6.js';
export { decodeNbns, nbns, nbnsInfo, NBNS_PORT } from './application/nbns.js';
export type { NbnsMessage, NbnsName, NbnsQuestion, NbnsRecord } from './application/nbns.js';
export { decodeNtp, encodeNtp, emitNtp, ntpLength, ntpEncoder, ntp, ntpInfo, formatNtpTimestamp, NTP_PORT, NTP_HEADER_LENGTH } from './application/ntp.js';
export type { NtpHeader, NtpTimestamp, NtpExtensionField, NtpInput } from './application/ntp.js';
export { echo, echoInfo, ECHO_PORT } from './application/echo.js';
export type { EchoHeader } from './application/echo.js';
export { decodeGeneve, geneve, geneveEncoder, GENEVE_PORT } from './network/geneve.js';
export type { GeneveHeader, GeneveInput, GeneveOption } from './network/geneve.js';
export { decodePpi, emitPpi, ppi, ppiEncoder, PpiCommonFlag, PPI_80211_COMMON, LINKTYPE_PPI } from './link/ppi.js';
export type { PpiHeader, PpiInput, PpiCommon, PpiField } from './link/ppi.js';
export { decodeDns, encodeDns, dns, looksLikeDns, mdns, llmnr, LLMNR_PORT, dnsEncoder, dnsInfo, dnsInfoHead, dnsTypeName, DnsType, DNS_PORT, MDNS_PORT, DNS_LOOP_NAME, DNS_ROOT_NAME } from './application/dns.js';
export type { DnsHeader, DnsInput, DnsQuestion, DnsRecord, DnsRecordData, DnsRecordInput, DnsOpt, DnsCutRecord } from './application/dns.js';
export { HTTP_PORT, TSHARK_HTTP_METHODS, Http1Parser, Http1Conversation, encodeHttp1, parseHttp1, httpHeader, httpHeaderValues } from './application/http1.js';
export type {
  HttpField,
  HttpFieldLine,
  HttpBodyFraming,
  HttpChunk,
  HttpMessageBase,
  HttpRequest,
  HttpResponse,
  HttpMessage,
  HttpSkipReason,
  Http1ParserOptions,
  Http1ParserHandlers,
  Http1ConversationOptions,
  Http1ConversationHandlers,
  HttpChunkInput,
  HttpMessageInputBase,
  HttpRequestInput,
  HttpResponseInput,
  HttpMessageInput,
} from './application/http1.js';
export {
  TlsContentType,
  TlsHandshakeType,
  TlsExtensionType,
  TlsVersion,
  TLS_MAX_RECORD_LENGTH,
  TLS_DEFAULT_MAX_HANDSHAKE_LENGTH,
  TLS_DEFAULT_MAX_CERTIFICATE_LENGTH,
  TLS_HELLO_RETRY_REQUEST_RANDOM,
  isTlsGrease,
  decodeTlsExtensions,
  decodeTlsClientHello,
  decodeTlsServerHello,
  decodeTlsHandshake,
  tlsServerHelloVersion,
  tlsServerName,
  tlsAlpn,
  tlsJa3,
  tlsJa3s,
  encodeTlsExtensions,
  encodeTlsClientHello,
  encodeTlsServerHello,
  encodeTlsCertificate,
  encodeTlsHandshake,
  encodeTlsRecord,
  encodeTlsRecords,
  TlsSession,
  TlsStreamDecoder,
  TlsConnectionDecoder,
  decodeTlsStream,
  tlsHandshakeFields,
  tlsRecordFields,
} from './application/tls.js';
export type {
  TlsAlert,
  TlsServerName,
  TlsKeyShare,
  TlsExtension,
  TlsExtensionContext,
  TlsClientHello,
  TlsServerHello,
  TlsCertificateMessage,
  TlsNewSessionTicket,
  TlsServerKeyExchange,
  TlsClientKeyExchange,
  TlsHandshakeMessage,
  TlsRecord,
  TlsDecodeContext,
  TlsFingerprint,
  TlsExtensionInit,
  TlsClientHelloInit,
  TlsServerHelloInit,
  TlsStreamOptions,
  TlsConnectionRecord,
} from './application/tls.js';
export { WebSocketParser, WebSocketOpcode, websocketOpcodeName, websocketFields, encodeWebSocketFrame } from './application/websocket.js';
export type { WebSocketFrame, WebSocketMessage, WebSocketDeflate, WebSocketParserOptions, WebSocketParserHandlers, WebSocketFrameInput } from './application/websocket.js';
export { websocketMask, websocketMaskCopy, WS_MASK_JS_BELOW } from './application/websocket-mask.js';
export type { WebSocketMaskKey } from './application/websocket-mask.js';
export {
  HPACK_STATIC_TABLE,
  HpackDecoder,
  HpackDynamicTable,
  HpackEncoder,
  decodeHpackInteger,
  encodeHpackInteger,
  hpackEntrySize,
  hpackRepresentationName,
  huffmanDecode,
  huffmanEncode,
  huffmanEncodedLength,
} from './application/hpack.js';
export type { HpackDecoderOptions, HpackEncoderOptions, HpackField, HpackHeaderBlock, HpackHeaderField, HpackRepresentation, HpackSizeUpdate } from './application/hpack.js';
export {
  HTTP2_DEFAULT_MAX_FRAME_SIZE,
  HTTP2_PREFACE,
  Http2Connection,
  Http2Flag,
  Http2FrameType,
  Http2Parser,
  Http2Setting,
  encodeHttp2Frame,
  encodeHttp2Headers,
  http2FrameFields,
  http2FrameTypeName,
  http2Header,
  http2Preface,
} from './application/http2.js';
export type {
  Http2ConnectionHandlers,
  Http2ConnectionOptions,
  Http2Frame,
  Http2FrameInput,
  Http2HeaderBlock,
  Http2HeadersInput,
  Http2ParserHandlers,
  Http2ParserOptions,
  Http2Priority,
  Http2SettingEntry,
  Http2Stream,
} from './application/http2.js';
export { GrpcConversation, GrpcStatus, encodeGrpcMessage, grpcMessageFields, grpcPercentDecode } from './application/grpc.js';
export type { GrpcCall, GrpcConversationHandlers, GrpcConversationOptions, GrpcMessage } from './application/grpc.js';
export {
  ProtobufWireType,
  bitsToDouble,
  bitsToFloat,
  decodeProtobufRaw,
  decodeVarint,
  doubleToBits,
  encodeProtobufRaw,
  encodeVarint,
  floatToBits,
  int64FromUnsigned,
  protobufText,
  zigzagDecode,
  zigzagEncode,
} from './encoding/protobuf.js';
export type { ProtobufDecodeOptions, ProtobufField, ProtobufFieldInput } from './encoding/protobuf.js';
export { decodePackedVarints, encodePackedVarints, PACKED_VARINT_JS_BELOW } from './encoding/packed-varints.js';
export type { PackedVarintType, PackedVarintArray } from './encoding/packed-varints.js';
export { Inflater } from './encoding/inflate.js';
export type { InflaterOptions } from './encoding/inflate.js';
export { md5 } from './checksum/md5.js';
export {
  decodePppoe,
  decodePppoeDiscovery,
  encodePppoe,
  encodePppoeDiscovery,
  emitPppoe,
  emitPppoeDiscovery,
  pppoeDiscoveryLength,
  pppoes,
  pppoed,
  pppoesEncoder,
  pppoedEncoder,
  PppoeCode,
  PppoeTagType,
  PPPOE_HEADER_LENGTH,
  ETHERTYPE_PPPOE_DISCOVERY,
  ETHERTYPE_PPPOE_SESSION,
} from './link/pppoe.js';
export type { PppoeHeader, PppoeDiscoveryHeader, PppoeTag, PppoeInput, PppoeTagInput, PppoeDiscoveryInput } from './link/pppoe.js';
export { decodeStp, encodeStp, stp, stpEncoder, stpInfo, STP_SAP, BPDU_CONFIG, BPDU_TCN, BPDU_RST } from './link/stp.js';
export type { StpHeader, StpInput, BridgeId, MstFields, MstiRecord } from './link/stp.js';
export { decodeLldp, encodeLldp, lldp, lldpEncoder, lldpInfo, LldpTlvType, ETHERTYPE_LLDP } from './link/lldp.js';
export type { LldpHeader, LldpTlv, LldpTlvInput, LldpManagementAddress } from './link/lldp.js';
export { decodeCdp, encodeCdp, cdp, cdpEncoder, cdpInfo, cdpChecksum, CdpTlvType, CDP_OUI, CDP_PID } from './link/cdp.js';
export type { CdpHeader, CdpTlv, CdpTlvInput, CdpInput, CdpAddress } from './link/cdp.js';

// Captures
export { CaptureReader, readCapture, readCaptureSync, DEFAULT_MAX_RECORD_LENGTH, indexCapture, CaptureWriter, writePcap, writePcapng, LINK_TYPE_NAMES, linkTypeName, linkTypeNumber, SECRETS_TYPES, TimeResolution, formatEpoch } from './capture/index.js';
export type { CaptureFormat } from './capture/unit-parser.js';
export type { PcapVariant } from './capture/pcap-variant.js';
export type { CaptureRecord, CaptureSource, ReadOptions, CaptureIndex, IndexOptions, CaptureWriterOptions, WriteOptions, InterfaceDeclaration, CaptureDestination, NodeWritableLike, LinkTypeName, BlockInfo, DecryptionSecrets, InterfaceInfo, InterfaceStatistics, NameResolutionEntry, SectionInfo } from './capture/index.js';
export { compileFrame, FrameTemplate } from './frame-template.js';
export type { FrameValues, FrameColumns } from './frame-template.js';

// Batch decoding (WebAssembly, with a pure-TypeScript twin)
export { decodeBatch, PacketTable, BATCH_RESIDENT_ROWS, BatchLayer, TcpOptionBit, BATCH_STATUS, BATCH_ERROR_LAYER, CHECKSUM_UNVERIFIED, CHECKSUM_GOOD, CHECKSUM_BAD, MAX_VLAN_TAGS, MAX_IPV6_EXTENSIONS } from './batch.js';
export type { PacketRecords, BatchOptions, BatchStatus } from './batch.js';
export { decodeCaptureBatches } from './batch-capture.js';
export type { CaptureBatch, CaptureBatchOptions } from './batch-capture.js';
export { captureByteSource, decodeCaptureStream } from './batch-stream.js';
export type { CaptureByteSource, CaptureStreamOptions } from './batch-stream.js';

// TCP segmentation
export { segmentTcp } from './transport/tcp-segment.js';
export type { SegmentationOptions, TcpSegmentOptions, TcpSegment } from './transport/tcp-segment.js';
export { compileSegmenter, TcpSegmenter, SegmentBatch } from './segment-frames.js';
export type { SegmenterOptions, SegmentStart } from './segment-frames.js';

// TCP stream reassembly and connection state
export { TcpReassembler, TcpConnection, TcpDirection } from './transport/tcp-flows.js';
export type { TcpConnectionState, TcpCloseReason, TcpDataInfo, TcpReassemblyHandlers, TcpReassemblyOptions, TcpReassemblyStats, GapReason, OverlapPolicy, TcpDirectionStats } from './transport/tcp-flows.js';
export { reassembleCapture, followTcpStream, tcpStreamReadable, reassembleTcp } from './transport/tcp-follow.js';
export type { TcpStreamEvent, TcpFollowChunk } from './transport/tcp-follow.js';

// IP fragmentation and reassembly
export { fragmentIpv4, fragmentIpv6 } from './network/fragment.js';
export type { FragmentIpv4Options, FragmentIpv6Options } from './network/fragment.js';
export { IpDefragmenter } from './network/defrag.js';
export type {
  IpDefragmenterOptions,
  Ipv4OverlapPolicy,
  DefragDatagram,
  DefragEvent,
  DefragEventKind,
  DefragLimit,
  DefragFragment,
  DefragResult,
  DefragNotFragment,
  DefragBuffered,
  DefragComplete,
  DefragDropped,
  DefragDropReason,
  DefragStats,
} from './network/defrag.js';
