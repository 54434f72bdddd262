// Http1Conversation against tshark 4.0 on real loopback captures (test/fixtures/wire/make-http.sh:
// python's http.server driven by curl, captured with tcpdump): each TCP connection reassembled with
// reassembleTcp, parsed, and compared per message, in order, with tshark's HTTP dissection: start
// line fields, header lines, Content-Length, chunked, and the de-chunked body (http.file_data).
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Http1Conversation, type HttpMessage } from '../src/application/http1.js';
import type { WireError } from '../src/errors.js';
import { reassembleTcp } from '../src/index.js';

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/wire/${name}`, import.meta.url));

type TsharkHttp = Record<string, unknown>;
interface TsharkFrame {
  'frame.number': string;
  'tcp.stream': string;
  http: TsharkHttp[];
}

/** One HTTP message as tshark shows it, reduced to what the comparison uses. */
interface Shown {
  frame: number;
  stream: number;
  type: 'request' | 'response';
  start: Record<string, string>;
  lines: string[];
  contentLength: string | undefined;
  chunked: boolean;
  body: string | { length: number; sha256: string } | undefined;
  /** tshark's http object, for what the comparison does not take. */
  raw: TsharkHttp;
}

function tsharkMessages(name: string): Shown[] {
  const frames = JSON.parse(readFileSync(fixture(name), 'utf8')) as TsharkFrame[];
  const out: Shown[] = [];
  for (const f of frames) {
    for (const h of f.http) {
      const type = h['http.request'] === '1' ? 'request' : h['http.response'] === '1' ? 'response' : undefined;
      if (type === undefined) continue; // a continuation, not a message
      // The start line is a subtree keyed by the line's text.
      const start = Object.values(h).find((v) => v !== null && typeof v === 'object' && ('http.request.method' in v || 'http.response.code' in v)) as Record<string, string>;
      const lines = h[`http.${type}.line`];
      out.push({
        frame: Number(f['frame.number']),
        stream: Number(f['tcp.stream']),
        type,
        start,
        lines: lines === undefined ? [] : Array.isArray(lines) ? (lines as string[]) : [lines as string],
        contentLength: h['http.content_length_header'] as string | undefined,
        chunked: h['http.transfer_encoding'] === 'chunked',
        body: h['http.file_data'] as Shown['body'],
        raw: h,
      });
    }
  }
  return out;
}

interface Connection {
  stream: number;
  midstream: boolean;
  messages: HttpMessage[];
  /** Raw bytes of each direction, to check skipped and tunnel ranges against. */
  raw: [number[], number[]];
  skips: { direction: 0 | 1; offset: number; length: number }[];
  upgrades: { direction: 0 | 1; offset: number }[];
  tunnel: [number[], number[]];
  errors: { direction: 0 | 1; error: WireError }[];
  client: 0 | 1 | undefined;
  /** Body bytes handed to onBody, per message (with `bodies`; the body is not accumulated then). */
  streamed: Map<HttpMessage, number[]>;
}

/** Parses every connection of a capture; with `bodies`, takes bodies through onBody instead of accumulating them. */
function parseCapture(name: string, resync: boolean, bodies = false): Connection[] {
  const capture = new Uint8Array(readFileSync(fixture(name)));
  const conns = new Map<number, { c: Connection; conv: Http1Conversation }>();
  reassembleTcp(capture, {
    onConnection: (tcp) => {
      const c: Connection = { stream: tcp.stream, midstream: false, messages: [], raw: [[], []], skips: [], upgrades: [], tunnel: [[], []], errors: [], client: undefined, streamed: new Map() };
      const conv = new Http1Conversation(
        {
          onMessage: (_d, m) => c.messages.push(m),
          ...(bodies ? { onBody: (_d: 0 | 1, m: HttpMessage, data: Uint8Array) => (c.streamed.get(m) ?? c.streamed.set(m, []).get(m)!).push(...data) } : {}),
          onSkip: (direction, offset, length) => c.skips.push({ direction, offset, length }),
          onUpgrade: (direction, offset) => c.upgrades.push({ direction, offset }),
          onTunnel: (direction, data) => c.tunnel[direction].push(...data),
          onError: (direction, error) => c.errors.push({ direction, error }),
        },
        // The SYN says which side is the client; mid-stream, the first start line does.
        { client: tcp.midstream ? undefined : tcp.client, resync: resync && tcp.midstream },
      );
      conns.set(tcp.stream, { c, conv });
    },
    onData: (tcp, direction, data) => {
      const e = conns.get(tcp.stream)!;
      e.c.midstream = tcp.midstream;
      for (const b of data) e.c.raw[direction].push(b);
      e.conv.push(direction, data);
    },
    onGap: (tcp, direction, size) => conns.get(tcp.stream)!.conv.gap(direction, size),
    onClose: (tcp) => {
      const e = conns.get(tcp.stream)!;
      e.conv.end();
      e.c.client = e.conv.client;
    },
  });
  return [...conns.values()].map((e) => e.c);
}

const latin1 = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.length).toString('latin1');

/** Our message in tshark's terms. */
function shown(m: HttpMessage): Omit<Shown, 'frame' | 'stream' | 'raw'> {
  const body = latin1(m.body);
  const start: Record<string, string> = m.type === 'request'
      ? { 'http.request.method': m.method, 'http.request.uri': m.target, 'http.request.version': m.version }
      : { 'http.response.version': m.version, 'http.response.code': String(m.status), 'http.response.phrase': m.reason };
  return {
    type: m.type,
    start,
    // tshark's header lines carry their line ending.
    lines: m.headers.map((f) => `${f.line}\r\n`),
    contentLength: m.contentLength === undefined ? undefined : String(m.contentLength),
    chunked: m.framing === 'chunked',
    body: m.bodyLength === 0 ? undefined : body.length > 4096 ? { length: m.body.length, sha256: createHash('sha256').update(m.body).digest('hex') } : body,
  };
}

function theirs(t: Shown): Omit<Shown, 'frame' | 'stream' | 'raw'> {
  const start: Record<string, string> = t.type === 'request'
    ? { 'http.request.method': t.start['http.request.method']!, 'http.request.uri': t.start['http.request.uri']!, 'http.request.version': t.start['http.request.version']! }
    : { 'http.response.version': t.start['http.response.version']!, 'http.response.code': t.start['http.response.code']!, 'http.response.phrase': t.start['http.response.phrase'] ?? '' };
  return { type: t.type, start, lines: t.lines, contentLength: t.contentLength, chunked: t.chunked, body: t.body };
}

/**
 * Compares one capture's messages with tshark's: per connection, requests in order, responses in
 * order (requests only on the connections in `requestsOnly`).
 */
function compare(ours: Connection[], tshark: Shown[], requestsOnly: number[] = []): number {
  let compared = 0;
  for (const c of ours) {
    for (const type of requestsOnly.includes(c.stream) ? (['request'] as const) : (['request', 'response'] as const)) {
      const a = c.messages.filter((m) => m.type === type).map(shown);
      const b = tshark.filter((t) => t.stream === c.stream && t.type === type).map(theirs);
      expect(a, `tcp.stream ${c.stream} ${type}s`).toEqual(b);
      compared += a.length;
    }
  }
  return compared;
}

/** The body of /big, as make-http-server.py builds it. */
const BIG = Buffer.from(Array.from({ length: 1563 }, (_, i) => `line ${String(i).padStart(5, '0')} of the big body, padded to sixty-four bytes ........\n`).join('').slice(0, 100_000), 'latin1');

describe('HTTP/1.1 against tshark: a capture with handshakes (http.pcap)', () => {
  const conns = parseCapture('http.pcap', false);
  const tshark = tsharkMessages('http.json');

  it('parses every well-formed connection without error and sees the messages tshark sees', () => {
    expect(conns.map((c) => c.stream)).toEqual([0, 1, 2, 3, 4, 5]);
    // Connections 3 and 4 carry the malformed responses (see below).
    expect(conns.filter((c) => c.stream !== 3 && c.stream !== 4).flatMap((c) => c.errors)).toEqual([]);
    expect(conns.flatMap((c) => c.skips)).toEqual([]);
    expect(compare(conns, tshark, [3, 4])).toBe(tshark.length - 2);
    expect(tshark.length).toBe(33);
  });

  it('gives the same bodies when they are handed to onBody instead of accumulated', () => {
    const streamed = parseCapture('http.pcap', false, true);
    for (const c of streamed) {
      for (const m of c.messages) {
        expect(m.body.length).toBe(0);
        expect(c.streamed.get(m)?.length ?? 0).toBe(m.bodyLength);
      }
    }
    const big = streamed[0]!.messages.find((m) => m.bodyLength === 100_000)!;
    expect(Buffer.from(streamed[0]!.streamed.get(big)!).equals(BIG)).toBe(true);
  });

  it('stops where tshark marks a response malformed: a chunk-size that overstates its data, Content-Length with chunked', () => {
    const streamed = parseCapture('http.pcap', false, true);
    // "A\r\n body in \r\n": 10 announced, 9 sent; tshark takes the CR as data and the LF and the next
    // chunk's "7" as the boundary, then marks the rest malformed.
    const bad = streamed[3]!;
    const server = (1 - bad.client!) as 0 | 1;
    const rawServer = Buffer.from(bad.raw[server]);
    const at = rawServer.indexOf('A\r\n body in \r\n') + 3 + 10;
    expect(bad.errors).toHaveLength(1);
    expect(bad.errors[0]!.direction).toBe(server);
    expect(bad.errors[0]!.error).toMatchObject({ code: 'bad-value', layer: 'http', offset: at });
    expect(bad.errors[0]!.error.message).toContain('LF without CR after chunk data');
    const theirs3 = tshark.filter((t) => t.stream === 3 && t.type === 'response');
    expect(theirs3).toHaveLength(1);
    const frames3 = (JSON.parse(readFileSync(fixture('http.json'), 'utf8')) as TsharkFrame[]).filter((f) => f['tcp.stream'] === '3');
    expect(JSON.stringify(frames3)).toContain('_ws.malformed');
    // What we handed on before the error is what tshark shows as the body.
    const partial = [...bad.streamed.values()].find((b) => b.length > 0)!;
    expect(latin1(Uint8Array.from(partial))).toBe(theirs3[0]!.body);
    // Content-Length with Transfer-Encoding: tshark notes it (http.te_and_length) and de-chunks; we stop.
    const smuggle = streamed[4]!;
    const rawSmuggle = Buffer.from(smuggle.raw[(1 - smuggle.client!) as 0 | 1]);
    expect(smuggle.errors.map((e) => [e.error.code, e.error.offset])).toEqual([['bad-value', rawSmuggle.indexOf('Transfer-Encoding')]]);
    expect(smuggle.errors[0]!.error.message).toContain('smuggling');
    const theirs4 = tshark.find((t) => t.stream === 4 && t.type === 'response')!;
    expect(JSON.stringify(theirs4.raw)).toContain('http.te_and_length');
    expect(theirs4.body).toBe('hello');
  });

  it('covers keep-alive, HEAD, chunked both ways, 404, 304, 100-continue, a 100 KB body, read-until-close and a 101', () => {
    const all = conns.flatMap((c) => c.messages);
    const responses = all.filter((m) => m.type === 'response');
    expect(conns[0]!.messages.length).toBe(23); // 11 requests, 11 final responses, one 100 Continue
    expect(responses.map((m) => m.status).sort()).toEqual([100, 101, 304, 404, ...Array<number>(11).fill(200)].sort());
    const head = responses.find((m) => m.requestMethod === 'HEAD')!;
    expect([head.contentLength, head.bodyLength, head.framing]).toEqual([14, 0, 'none']);
    const chunked = all.filter((m) => m.framing === 'chunked');
    expect(chunked.map((m) => m.type)).toEqual(['response', 'request']);
    expect(chunked[0]!.chunks.map((c) => [c.size, c.extensions])).toEqual([[7, ';ext=1'], [9, ';name="quoted value"'], [7, '']]);
    expect(chunked[0]!.trailers.map((f) => [f.name, f.value])).toEqual([['X-Checksum', '42']]);
    const big = responses.find((m) => m.bodyLength === 100_000)!;
    expect(Buffer.from(big.body).equals(BIG)).toBe(true);
    const close = conns[1]!.messages[1]!;
    expect([close.framing, latin1(close.body)]).toEqual(['close', 'read until the connection closes\n']);
  });

  it('gives each message its byte range: messages tile each direction of a keep-alive connection', () => {
    const c = conns[0]!;
    for (const d of [0, 1] as const) {
      const side = c.messages.filter((m) => (m.type === 'request') === (d === c.client));
      let at = 0;
      for (const m of side) {
        expect(m.start).toBe(at);
        at = m.end;
      }
      expect(at).toBe(c.raw[d].length);
    }
  });

  it('ends HTTP at the 101 both ways and hands on the WebSocket frames as the upgraded stream', () => {
    const ws = conns[2]!;
    const client = ws.client!;
    const req = ws.messages.find((m) => m.type === 'request')!;
    const res = ws.messages.find((m) => m.type === 'response')!;
    expect(ws.upgrades.sort((a, b) => a.direction - b.direction)).toEqual(
      [{ direction: client, offset: req.end }, { direction: 1 - client, offset: res.end }].sort((a, b) => a.direction - b.direction),
    );
    // A text frame "hi" from the server; "ok" masked with 01 02 03 04 from the client (RFC 6455).
    expect(Buffer.from(ws.tunnel[1 - client]!).toString('hex')).toBe('81026869');
    expect(Buffer.from(ws.tunnel[client]!).toString('hex')).toBe('8182010203046e69');
  });
});

describe('HTTP/1.1 against tshark: a capture that starts mid-stream (http-midstream.pcap)', () => {
  it('with resync, skips the rest of the /big body and parses from the next response, as tshark does', () => {
    const conns = parseCapture('http-midstream.pcap', true);
    const tshark = tsharkMessages('http-midstream.json');
    // Connections 3 and 4 hold the malformed responses of http.pcap (see above).
    expect(conns.filter((c) => c.stream !== 3 && c.stream !== 4).flatMap((c) => c.errors)).toEqual([]);
    expect(compare(conns, tshark, [3, 4])).toBe(tshark.length - 2);
    expect(tshark.length).toBe(12);
    const c = conns[0]!;
    expect(c.midstream).toBe(true);
    // The server's bytes before its first response are the tail of the /big body, nothing else.
    expect(c.skips).toHaveLength(1);
    const skip = c.skips[0]!;
    expect(skip.offset).toBe(0);
    expect(skip.direction).not.toBe(c.client);
    const skipped = Buffer.from(c.raw[skip.direction].slice(0, skip.length));
    expect(skipped.equals(BIG.subarray(BIG.length - skip.length))).toBe(true);
    expect(c.messages.map((m) => [m.type, m.start])).toEqual([['request', 0], ['response', skip.length]]);
  });

  it('without resync, the direction that starts inside a body stops on its first line and the other is parsed', () => {
    const conns = parseCapture('http-midstream.pcap', false);
    const c = conns[0]!;
    expect(c.errors).toHaveLength(1);
    // "line 01556 of the big body...": a method, a target, then no HTTP-version at offset 11.
    expect(latin1(Uint8Array.from(c.raw[c.errors[0]!.direction].slice(0, 11)))).toMatch(/^line \d{5} $/);
    expect(c.errors[0]!.error).toMatchObject({ code: 'bad-value', layer: 'http', offset: 11 });
    expect(c.errors[0]!.error.message).toContain('no HTTP-version');
    expect(c.messages.map((m) => m.type)).toEqual(['request']);
  });
});
