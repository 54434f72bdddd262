// The application-layer codecs through the package entry, in Node (sources) and in Chromium (the
// built package): an HTTP upgrade to WebSocket with a compressed message, a TLS ClientHello with
// its JA3, and masking on every backend (the SIMD and scalar WebAssembly builds and the JS twin).
import { afterAll, describe, expect, it } from 'vitest';
import {
  decodePackedVarints,
  decodeProtobufRaw,
  encodeGrpcMessage,
  encodeHttp2Frame,
  encodeHttp2Headers,
  encodePackedVarints,
  encodeProtobufRaw,
  GrpcConversation,
  HpackEncoder,
  Http2FrameType,
  Http2Flag,
  http2Preface,
  decodeTlsStream,
  encodeHttp1,
  encodeTlsClientHello,
  encodeTlsHandshake,
  encodeTlsRecord,
  encodeWebSocketFrame,
  Http1Conversation,
  httpHeader,
  Inflater,
  md5,
  setBackend,
  tlsJa3,
  tlsServerName,
  WebSocketParser,
  websocketMask,
  websocketMaskCopy,
  WireError,
  type GrpcCall,
  type GrpcMessage,
  type HttpMessage,
  type WebSocketMessage,
} from 'wirekit';

const hex = (s: string) => Uint8Array.from(s.match(/../g)!.map((b) => parseInt(b, 16)));
const toHex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');

afterAll(() => setBackend('auto'));

describe.each(['auto', 'js', 'wasm-simd', 'wasm-scalar'])('WebSocket masking (%s)', (backend) => {
  it('masks as RFC 6455 5.7 shows, in place and into a copy, at any size', () => {
    if (backend === 'wasm-simd') setBackend('wasm', { simd: true });
    else if (backend === 'wasm-scalar') setBackend('wasm', { simd: false });
    else setBackend(backend as 'auto' | 'js');
    expect(toHex(websocketMask(new TextEncoder().encode('Hello'), 0x37fa213d))).toBe('7f9f4d5158');
    for (const n of [0, 3, 255, 256, 1000, 70_001]) {
      const data = new Uint8Array(n).map((_, i) => (i * 7) & 255);
      const key = hex('01020304');
      const want = data.map((b, i) => b ^ key[(i + 2) & 3]!);
      expect(websocketMaskCopy(data, key, 2)).toEqual(want);
    }
    setBackend('auto');
  });
});

describe('HTTP upgrade to WebSocket', () => {
  it('reads the handshake, then frames and a permessage-deflate message (RFC 7692 7.2.3.1)', () => {
    const request = encodeHttp1({ type: 'request', method: 'GET', target: '/chat', headers: [{ name: 'Host', value: 'example' }, { name: 'Upgrade', value: 'websocket' }, { name: 'Connection', value: 'Upgrade' }, { name: 'Sec-WebSocket-Extensions', value: 'permessage-deflate' }] });
    const response = encodeHttp1({ type: 'response', status: 101, reason: 'Switching Protocols', headers: [{ name: 'Upgrade', value: 'websocket' }, { name: 'Connection', value: 'Upgrade' }, { name: 'Sec-WebSocket-Extensions', value: 'permessage-deflate' }] });
    const messages: HttpMessage[] = [];
    const ws: WebSocketMessage[] = [];
    let parser: WebSocketParser | undefined;
    const conv = new Http1Conversation(
      {
        onMessage: (_d, m) => messages.push(m),
        onTunnel: (d, data) => {
          if (d !== 1) return;
          parser ??= new WebSocketParser({ onMessage: (m) => ws.push(m) }, { deflate: /permessage-deflate/.test(httpHeader(messages[1]!, 'sec-websocket-extensions') ?? ''), sender: 'server' });
          parser.push(data);
        },
      },
      { client: 0 },
    );
    conv.push(0, request);
    const server = new Uint8Array([...response, ...hex('c107f248cdc9c90700'), ...encodeWebSocketFrame({ opcode: 1, payload: 'plain' })]);
    conv.push(1, server.subarray(0, response.length + 3));
    conv.push(1, server.subarray(response.length + 3));
    expect(messages.map((m) => (m.type === 'request' ? m.method : m.status))).toEqual(['GET', 101]);
    expect(ws.map((m) => [m.text, m.compressed])).toEqual([
      ['Hello', true],
      ['plain', false],
    ]);
  });

  it('inflates what a compressor wrote, and bounds what it may produce', () => {
    expect(new TextDecoder().decode(new Inflater().inflate(hex('f348cdc9c90700')))).toBe('Hello');
    expect(() => new Inflater({ maxOutput: 2 }).inflate(hex('f348cdc9c90700'))).toThrow(WireError);
  });
});

describe('TLS', () => {
  it('a ClientHello in a record: SNI, JA3 (MD5 per RFC 1321)', () => {
    expect(toHex(md5(new TextEncoder().encode('abc')))).toBe('900150983cd24fb0d6963f7d28e17f72');
    const hello = encodeTlsClientHello({
      version: 0x0303,
      random: new Uint8Array(32).fill(7),
      sessionId: new Uint8Array(0),
      cipherSuites: [0x1301, 0xc02f],
      compressionMethods: [0],
      extensions: [{ type: 0, data: hex('000e00000b6578616d706c652e636f6d') }],
    });
    const record = encodeTlsRecord(22, 0x0301, encodeTlsHandshake(1, hello));
    const { records, error } = decodeTlsStream(record);
    expect(error).toBeUndefined();
    const message = records.flatMap((r) => r.messages ?? [])[0]!;
    expect(message.type).toBe(1);
    expect(tlsServerName(message.clientHello!)).toBe('example.com');
    const ja3 = tlsJa3(message.clientHello!);
    expect(ja3.full).toBe('771,4865-49199,0,,');
    expect(ja3.hash).toMatch(/^[0-9a-f]{32}$/);
  });
});

describe('HTTP/2, gRPC and protobuf', () => {
  it('a unary gRPC call built with the encoders reads back: path, message, status', () => {
    const enc = [new HpackEncoder(), new HpackEncoder()];
    const request = encodeProtobufRaw([{ number: 1, wireType: 2, value: new TextEncoder().encode('wirekit') }, { number: 2, wireType: 0, value: 42n }]);
    const client = new Uint8Array([
      ...http2Preface(),
      ...encodeHttp2Frame({ type: Http2FrameType.SETTINGS }),
      ...encodeHttp2Headers(enc[0]!, { streamId: 1, fields: [{ name: ':method', value: 'POST' }, { name: ':scheme', value: 'http' }, { name: ':path', value: '/demo.Greeter/Hello' }, { name: ':authority', value: 'x' }, { name: 'content-type', value: 'application/grpc' }] }),
      ...encodeHttp2Frame({ type: Http2FrameType.DATA, streamId: 1, flags: Http2Flag.END_STREAM, data: encodeGrpcMessage(request) }),
    ]);
    const server = new Uint8Array([
      ...encodeHttp2Frame({ type: Http2FrameType.SETTINGS }),
      ...encodeHttp2Headers(enc[1]!, { streamId: 1, fields: [{ name: ':status', value: '200' }, { name: 'content-type', value: 'application/grpc' }] }),
      ...encodeHttp2Frame({ type: Http2FrameType.DATA, streamId: 1, data: encodeGrpcMessage(encodeProtobufRaw([{ number: 1, wireType: 0, value: 7n }])) }),
      ...encodeHttp2Headers(enc[1]!, { streamId: 1, endStream: true, fields: [{ name: 'grpc-status', value: '0' }] }),
    ]);
    const messages: GrpcMessage[] = [];
    const calls: GrpcCall[] = [];
    const g = new GrpcConversation({ onMessage: (m) => messages.push(m), onCallEnd: (c) => calls.push(c) });
    g.push(0, client.subarray(0, 30));
    g.push(0, client.subarray(30));
    g.push(1, server);
    expect(messages.map((m) => [m.request, m.path, m.length])).toEqual([
      [true, '/demo.Greeter/Hello', request.length],
      [false, '/demo.Greeter/Hello', 2],
    ]);
    expect(calls.map((c) => [c.service, c.method, c.status])).toEqual([['demo.Greeter', 'Hello', 0]]);
    const fields = decodeProtobufRaw(messages[0]!.data);
    expect(fields.map((f) => f.number)).toEqual([1, 2]);
  });

  it('packed varints through the WebAssembly kernel (protobuf encoding guide: [3, 270, 86942])', () => {
    for (const backend of ['wasm', 'js'] as const) {
      setBackend(backend);
      expect(Array.from(decodePackedVarints(Uint8Array.of(0x03, 0x8e, 0x02, 0x9e, 0xa7, 0x05), 'uint32'))).toEqual([3, 270, 86942]);
      const values = [0n, -1n, 2n ** 62n, -(2n ** 63n)];
      expect(Array.from(decodePackedVarints(encodePackedVarints(values, 'sint64'), 'sint64'))).toEqual(values);
    }
    setBackend('auto');
  });
});
