// HTTP/1.1 (src/application/http1.ts): the incremental parser on RFC 9112 examples and on hostile
// input, split invariance (any split of the bytes gives the same messages and the same error), the
// conversation (response framing by request method, interim responses, upgrades, CONNECT), the
// encoder and its round trip, and fuzzing. The comparison with tshark on real captures is in
// test/http1-tshark.test.ts.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  encodeHttp1,
  Http1Conversation,
  Http1Parser,
  httpHeader,
  httpHeaderValues,
  parseHttp1,
  TSHARK_HTTP_METHODS,
  type Http1ParserOptions,
  type HttpMessage,
  type HttpMessageInput,
} from '../src/application/http1.js';
import { WireError } from '../src/errors.js';

const enc = new TextEncoder();
const bytes = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));
const text = (b: Uint8Array) => String.fromCharCode(...b);

/** Everything a parse produced, in a form two parses can be compared by. */
interface Outcome {
  messages: unknown[];
  skips: [number, number, string][];
  tunnel: string;
  upgrades: number[];
  error: { code: string; offset: number | undefined; message: string } | undefined;
}

const view = (m: HttpMessage) => ({ ...m });

/** Parses `input` pushed in the pieces `cuts` makes of it (offsets, ascending), then ends. */
function run(input: Uint8Array, cuts: number[] = [], options: Http1ParserOptions & { methods?: string[] } = {}): Outcome {
  const out: Outcome = { messages: [], skips: [], tunnel: '', upgrades: [], error: undefined };
  const { methods, ...rest } = options;
  const p = new Http1Parser({
    onMessage: (m) => out.messages.push(view(m)),
    onSkip: (o, n, r) => out.skips.push([o, n, r]),
    onTunnel: (d) => (out.tunnel += text(d)),
    onUpgrade: (o) => out.upgrades.push(o),
  }, rest);
  for (const m of methods ?? []) p.expectResponseTo(m);
  try {
    let at = 0;
    for (const c of [...cuts, input.length]) {
      p.push(input.subarray(at, c));
      at = c;
    }
    p.end();
  } catch (e) {
    if (!(e instanceof WireError)) throw e;
    out.error = { code: e.code, offset: e.offset, message: e.message };
    expect(p.error).toBe(e);
  }
  return out;
}

const everyByte = (n: number) => Array.from({ length: Math.max(0, n - 1) }, (_, i) => i + 1);

/** Parses whole and one byte at a time; both must agree. */
function parseBoth(input: string | Uint8Array, options: Http1ParserOptions & { methods?: string[] } = {}): Outcome {
  const b = typeof input === 'string' ? bytes(input) : input;
  const whole = run(b, [], options);
  expect(run(b, everyByte(b.length), options)).toEqual(whole);
  return whole;
}

function messages(input: string, options: Http1ParserOptions & { methods?: string[] } = {}): HttpMessage[] {
  const o = parseBoth(input, options);
  if (o.error !== undefined) throw new Error(`unexpected error: ${o.error.message}`);
  return o.messages as HttpMessage[];
}

function errorOf(input: string, options: Http1ParserOptions & { methods?: string[] } = {}): Outcome['error'] & object {
  const o = parseBoth(input, options);
  if (o.error === undefined) throw new Error('expected an error');
  return o.error;
}

describe('Http1Parser: RFC examples', () => {
  it('reads the example exchange of RFC 7230 section 2.1 (RFC 9110 keeps it): request line, fields, a Content-Length body', () => {
    const [req] = messages('GET /hello.txt HTTP/1.1\r\nUser-Agent: curl/7.16.3 libcurl/7.16.3 OpenSSL/0.9.7l zlib/1.2.3\r\nHost: www.example.com\r\nAccept-Language: en, mi\r\n\r\n', { kind: 'request' });
    expect(req).toMatchObject({ type: 'request', method: 'GET', target: '/hello.txt', version: 'HTTP/1.1', framing: 'none', start: 0, bodyLength: 0, index: 0 });
    expect(req!.headers.map((f) => [f.name, f.value])).toEqual([
      ['User-Agent', 'curl/7.16.3 libcurl/7.16.3 OpenSSL/0.9.7l zlib/1.2.3'],
      ['Host', 'www.example.com'],
      ['Accept-Language', 'en, mi'],
    ]);
    expect(req!.end).toBe(req!.headerEnd);
    const body = 'Hello World! My payload includes a trailing CRLF.\r\n';
    const response = 'HTTP/1.1 200 OK\r\nDate: Mon, 27 Jul 2009 12:28:53 GMT\r\nServer: Apache\r\nLast-Modified: Wed, 22 Jul 2009 19:15:56 GMT\r\n'
      + 'ETag: "34aa387-d-1568eb00"\r\nAccept-Ranges: bytes\r\nContent-Length: 51\r\nVary: Accept-Encoding\r\nContent-Type: text/plain\r\n\r\n' + body;
    const [res] = messages(response, { kind: 'response', methods: ['GET'] });
    expect(res).toMatchObject({ type: 'response', status: 200, reason: 'OK', framing: 'length', contentLength: 51, bodyLength: 51, requestMethod: 'GET', end: response.length });
    expect(text(res!.body)).toBe(body);
    expect(res!.headerEnd).toBe(response.length - 51);
    expect(httpHeader(res!, 'etag')).toBe('"34aa387-d-1568eb00"');
  });

  it('reads the four request-target forms of RFC 9112 section 3.2', () => {
    const ms = messages(
      'GET /where?q=now HTTP/1.1\r\nHost: www.example.org\r\n\r\n'
      + 'GET http://www.example.org/pub/WWW/TheProject.html HTTP/1.1\r\n\r\n'
      + 'CONNECT www.example.com:80 HTTP/1.1\r\nHost: www.example.com\r\n\r\n'
      + 'OPTIONS * HTTP/1.1\r\nHost: www.example.org:8001\r\n\r\n',
      { kind: 'request' },
    );
    expect(ms.map((m) => m.type === 'request' && [m.method, m.target])).toEqual([
      ['GET', '/where?q=now'], ['GET', 'http://www.example.org/pub/WWW/TheProject.html'], ['CONNECT', 'www.example.com:80'], ['OPTIONS', '*'],
    ]);
    expect(ms.map((m) => m.index)).toEqual([0, 1, 2, 3]);
  });

  it('decodes a chunked body (RFC 9112 section 7.1) with extensions (7.1.1) and trailer fields (7.1.2)', () => {
    const input = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: Expires\r\n\r\n'
      + '4\r\nWiki\r\n7;lang=en\r\npedia i\r\nB ; a = "q\\"x" ; b\r\nn \r\nchunks.\r\n0;last\r\nExpires: Wed, 21 Oct 2015 07:28:00 GMT\r\n\r\n';
    const [m] = messages(input, { kind: 'response' });
    expect(text(m!.body)).toBe('Wikipedia in \r\nchunks.');
    expect(m).toMatchObject({ framing: 'chunked', chunkCount: 3, bodyLength: 22, lastChunkExtensions: ';last', contentLength: undefined, end: input.length });
    expect(m!.chunks.map((c) => [c.size, c.extensions])).toEqual([[4, ''], [7, ';lang=en'], [11, ' ; a = "q\\"x" ; b']]);
    expect(m!.chunks[0]!.offset).toBe(input.indexOf('4\r\n'));
    expect(m!.trailers.map((f) => [f.name, f.value])).toEqual([['Expires', 'Wed, 21 Oct 2015 07:28:00 GMT']]);
  });

  it('accepts what RFC 9112 lets a recipient accept: bare LF line ends, empty lines before a request, a status line without reason', () => {
    const ms = messages('\r\n\nGET / HTTP/1.1\nHost: a\n\nGET /2 HTTP/1.0\r\n\r\n', { kind: 'request' });
    expect(ms.map((m) => [m.start, m.type === 'request' && m.target, m.version])).toEqual([[3, '/', 'HTTP/1.1'], [27, '/2', 'HTTP/1.0']]);
    const [r] = messages('HTTP/1.1 204\r\n\r\n', { kind: 'response' });
    expect(r).toMatchObject({ status: 204, reason: '', framing: 'none' });
    const [r2] = messages('HTTP/1.1 200 \r\nContent-Length: 0\r\n\r\n', { kind: 'response' });
    expect(r2).toMatchObject({ status: 200, reason: '', framing: 'length', bodyLength: 0 });
  });

  it('keeps field lines as sent, values without surrounding whitespace; looks names up case-insensitively', () => {
    const [m] = messages('GET / HTTP/1.1\r\nHost:a\r\nX-Tab:\t v \t\r\nAccept: a\r\naccept: b\r\nEmpty:\r\nLatin: caf\xe9\r\n\r\n', { kind: 'request' });
    expect(m!.headers.map((f) => [f.name, f.value, f.line, f.offset])).toEqual([
      ['Host', 'a', 'Host:a', 16],
      ['X-Tab', 'v', 'X-Tab:\t v \t', 24],
      ['Accept', 'a', 'Accept: a', 37],
      ['accept', 'b', 'accept: b', 48],
      ['Empty', '', 'Empty:', 59],
      ['Latin', 'caf\xe9', 'Latin: caf\xe9', 67],
    ]);
    expect(httpHeader(m!, 'ACCEPT')).toBe('a, b');
    expect(httpHeaderValues(m!.headers, 'accept')).toEqual(['a', 'b']);
    expect(httpHeader(m!, 'missing')).toBeUndefined();
  });
});

describe('Http1Parser: body framing (RFC 9112 section 6.3)', () => {
  const res = (head: string, body = '') => `HTTP/1.1 ${head}\r\n\r\n${body}`;

  it('gives no body to responses to HEAD, to 1xx, 204 and 304, whatever their fields say', () => {
    const ms = messages(
      res('200 OK\r\nContent-Length: 14') + res('100 Continue') + res('204 No Content\r\nContent-Length: 3') + res('304 Not Modified\r\nContent-Length: 9\r\nTransfer-Encoding: chunked') + res('200 OK\r\nContent-Length: 2', 'ok'),
      { kind: 'response', methods: ['HEAD', 'GET', 'GET', 'GET'] },
    ) as Extract<HttpMessage, { type: 'response' }>[];
    expect(ms.map((m) => [m.status, m.framing, m.contentLength, m.bodyLength, m.requestMethod, m.requestIndex])).toEqual([
      [200, 'none', 14, 0, 'HEAD', undefined],
      [100, 'none', undefined, 0, 'GET', undefined], // interim: answers the next request without using it up
      [204, 'none', 3, 0, 'GET', undefined],
      [304, 'none', 9, 0, 'GET', undefined],
      [200, 'length', 2, 2, 'GET', undefined],
    ]);
  });

  it('reads a response without Content-Length or chunked until the stream ends; a request without them has no body', () => {
    const [r] = messages(res('200 OK\r\nContent-Type: text/plain', 'all of\r\nthis\r\n'), { kind: 'response' });
    expect(r).toMatchObject({ framing: 'close', bodyLength: 14 });
    const [r2] = messages(res('200 OK\r\nTransfer-Encoding: gzip', 'xx'), { kind: 'response' });
    expect(r2).toMatchObject({ framing: 'close', bodyLength: 2 });
    const ms = messages('POST / HTTP/1.1\r\n\r\nGET / HTTP/1.1\r\n\r\n', { kind: 'request' });
    expect(ms.map((m) => m.framing)).toEqual(['none', 'none']);
  });

  it('accepts repeated equal Content-Length values and empty list elements', () => {
    const [m] = messages('POST / HTTP/1.1\r\nContent-Length: 3, 3\r\nContent-Length: 3,\r\nTransfer-encoding-not: x\r\n\r\nabc', { kind: 'request' });
    expect(m).toMatchObject({ contentLength: 3, bodyLength: 3 });
    const [c] = messages('POST / HTTP/1.1\r\nTransfer-Encoding: , gzip, ,chunked\r\n\r\n1\r\nx\r\n0\r\n\r\n', { kind: 'request' });
    expect(c).toMatchObject({ framing: 'chunked', bodyLength: 1 });
  });

  it('ends HTTP after a 2xx to CONNECT and after a 101: the rest is the tunnel', () => {
    const o = parseBoth('HTTP/1.1 200 Connection established\r\n\r\n\x16\x03\x01 tls bytes', { kind: 'response', methods: ['CONNECT'] });
    expect(o.messages.map((m) => (m as HttpMessage).framing)).toEqual(['tunnel']);
    expect(o.upgrades).toEqual([39]);
    expect(o.tunnel).toBe('\x16\x03\x01 tls bytes');
    const refused = messages('HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 2\r\n\r\nno', { kind: 'response', methods: ['CONNECT'] });
    expect(refused[0]).toMatchObject({ framing: 'length', bodyLength: 2 });
    const ws = parseBoth('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n\x81\x02hi', { kind: 'response', methods: ['GET'] });
    expect(ws.tunnel).toBe('\x81\x02hi');
    expect(ws.error).toBeUndefined();
  });

  it('hands bodies to onBody (views, not accumulated) or accumulates up to maxBodyBytes and marks the rest dropped', () => {
    const input = bytes('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n');
    const got: [string, number][] = [];
    const done: HttpMessage[] = [];
    const p = new Http1Parser({ onBody: (_m, d, o) => got.push([text(d), o]), onMessage: (m) => done.push(m) }, { kind: 'response' });
    p.push(input);
    p.end();
    expect(got).toEqual([['hello', 50], [' world', 60]]);
    expect(done[0]).toMatchObject({ bodyLength: 11, body: new Uint8Array(0) });
    const [m] = parseHttp1(input, { kind: 'response', maxBodyBytes: 7 });
    expect(m).toMatchObject({ bodyLength: 11, bodyTruncated: true });
    expect(text(m!.body)).toBe('hello w');
    const [n] = parseHttp1(bytes('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello'), { kind: 'response', maxBodyBytes: 0 });
    expect(n).toMatchObject({ bodyLength: 5, bodyTruncated: true, body: new Uint8Array(0) });
  });

  it('records at most maxChunkRecords chunks and counts all', () => {
    const body = '1\r\na\r\n'.repeat(10) + '0\r\n\r\n';
    const [m] = parseHttp1(bytes(`HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n${body}`), { kind: 'response', maxChunkRecords: 3 });
    expect([m!.chunks.length, m!.chunkCount, text(m!.body)]).toEqual([3, 10, 'a'.repeat(10)]);
  });
});

describe('Http1Parser: hostile input', () => {
  // [what, input, kind, code, offset, words the message must contain]
  const cases: [string, string, 'request' | 'response' | 'auto', string, number, string][] = [
    ['two spaces in a request line', 'GET  / HTTP/1.1\r\n\r\n', 'request', 'bad-value', 4, 'request-target'],
    ['a lowercase version', 'GET / http/1.1\r\n\r\n', 'request', 'bad-value', 6, 'HTTP-version'],
    ['HTTP/2.0 in a request line', 'GET / HTTP/2.0\r\n\r\n', 'request', 'bad-version', 6, 'not HTTP/1.x'],
    ['the HTTP/2 preface', 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'auto', 'unsupported', 0, 'HTTP/2'],
    ['junk after the version', 'GET / HTTP/1.1 x\r\n\r\n', 'request', 'bad-value', 14, 'after the HTTP-version'],
    ['a control byte in the target', 'GET /a\x01b HTTP/1.1\r\n\r\n', 'request', 'bad-value', 6, 'request-target'],
    ['a bare CR in the start line', 'GET / HTTP/1.1\rX\r\n\r\n', 'request', 'bad-value', 14, 'bare CR'],
    ['a two-digit status', 'HTTP/1.1 20 OK\r\n\r\n', 'response', 'bad-value', 9, 'three digits'],
    ['status 099', 'HTTP/1.1 099 X\r\n\r\n', 'response', 'bad-value', 9, 'below 100'],
    ['a status line for a request parser', 'HTTP/1.1 200 OK\r\n\r\n', 'request', 'bad-value', 4, 'method'],
    ['obs-fold', 'GET / HTTP/1.1\r\nX-A: a\r\n  folded\r\n\r\n', 'request', 'bad-value', 24, 'obs-fold'],
    ['whitespace before the first field', 'GET / HTTP/1.1\r\n Host: a\r\n\r\n', 'request', 'bad-value', 16, 'first field line'],
    ['whitespace before the colon', 'GET / HTTP/1.1\r\nHost : a\r\n\r\n', 'request', 'bad-value', 20, 'colon'],
    ['a field line without colon', 'GET / HTTP/1.1\r\nHost\r\n\r\n', 'request', 'bad-value', 20, 'without a colon'],
    ['an empty field name', 'GET / HTTP/1.1\r\n: a\r\n\r\n', 'request', 'bad-value', 16, 'empty name'],
    ['a bare CR in a value', 'GET / HTTP/1.1\r\nX: a\rb\r\n\r\n', 'request', 'bad-value', 20, 'bare CR'],
    ['a NUL in a value', 'GET / HTTP/1.1\r\nX: a\0b\r\n\r\n', 'request', 'bad-value', 20, '0x00'],
    ['conflicting Content-Length fields', 'POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n', 'request', 'bad-value', 36, 'conflicting Content-Length'],
    ['conflicting Content-Length list', 'POST / HTTP/1.1\r\nContent-Length: 5, 6\r\n\r\n', 'request', 'bad-value', 17, 'conflicting'],
    ['a signed Content-Length', 'POST / HTTP/1.1\r\nContent-Length: +5\r\n\r\n', 'request', 'bad-value', 17, 'not a number'],
    ['a huge Content-Length', 'POST / HTTP/1.1\r\nContent-Length: 99999999999999999999\r\n\r\n', 'request', 'limit-exceeded', 17, '2^53'],
    ['Content-Length with Transfer-Encoding', 'POST / HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n', 'request', 'bad-value', 36, 'smuggling'],
    ['the same in a response', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n', 'response', 'bad-value', 17, 'smuggling'],
    ['a request whose last coding is not chunked', 'POST / HTTP/1.1\r\nTransfer-Encoding: chunked, gzip\r\n\r\n', 'request', 'bad-value', 17, 'not the last'],
    ['a request coded gzip only', 'POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n', 'request', 'bad-value', 17, 'cannot be known'],
    ['Transfer-Encoding in HTTP/1.0', 'POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n', 'request', 'bad-value', 17, 'HTTP/1.0'],
    ['a chunk size that is not hex', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n', 'response', 'bad-value', 47, 'hex digit'],
    ['a space after the chunk size', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5 \r\nhello\r\n0\r\n\r\n', 'response', 'bad-value', 49, 'chunk extension'],
    ['an empty chunk extension', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;\r\nhello\r\n0\r\n\r\n', 'response', 'bad-value', 49, 'chunk-size line'],
    ['an open quoted extension', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;a="x\r\nhello\r\n0\r\n\r\n', 'response', 'bad-value', 53, 'chunk-size line'],
    ['a chunk size over 2^53', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n00020000000000000\r\n', 'response', 'limit-exceeded', 63, 'overflows'],
    ['chunk data not followed by CRLF', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n0\r\n\r\n', 'response', 'bad-value', 52, 'after chunk data'],
    ['a bare LF ending a chunk-size line', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\nhello\r\n0\r\n\r\n', 'response', 'bad-value', 48, 'chunk-size line'],
    ['a bare LF after chunk data', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\n0\r\n\r\n', 'response', 'bad-value', 55, 'LF without CR'],
    ['a CR CR LF after chunk data', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\r\n0\r\n\r\n', 'response', 'bad-value', 56, 'after chunk data'],
    ['obs-fold in trailers', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nA: b\r\n c\r\n\r\n', 'response', 'bad-value', 56, 'obs-fold'],
    ['a stream that ends in the header section', 'GET / HTTP/1.1\r\nHost: a\r\n', 'request', 'truncated', 25, 'header section'],
    ['a stream that ends in a body', 'POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc', 'request', 'truncated', 42, '7 of 10'],
    ['a stream that ends in a chunked body', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel', 'response', 'truncated', 53, 'chunked body'],
    ['a stream that ends in a start line', 'GET / HT', 'request', 'truncated', 8, 'start line'],
  ];
  for (const [what, input, kind, code, offset, words] of cases) {
    it(`rejects ${what}`, () => {
      const e = errorOf(input, { kind });
      expect(e).toMatchObject({ code, offset });
      expect(e.message).toContain(words);
      expect(e.message.startsWith('http: ')).toBe(true);
    });
  }

  it('caps the header section (default 64 KiB), at the same offset however the bytes come', () => {
    const long = `GET / HTTP/1.1\r\nX: ${'a'.repeat(70_000)}\r\n\r\n`;
    const e = run(bytes(long), [], { kind: 'request' }).error!;
    expect(e).toMatchObject({ code: 'limit-exceeded', offset: 65536 });
    expect(run(bytes(long), Array.from({ length: 700 }, (_, i) => i * 100 + 1), { kind: 'request' }).error).toEqual(e);
    expect(errorOf(`GET / HTTP/1.1\r\nX: ${'a'.repeat(100)}\r\n\r\n`, { kind: 'request', maxHeaderBytes: 64 })).toMatchObject({ code: 'limit-exceeded', offset: 64 });
    // A line that ends within the cap is read, and its faults found, before the cap is reached.
    expect(errorOf(`GET / HTTP/1.1\r\nX : a\r\nY: ${'a'.repeat(100)}`, { kind: 'request', maxHeaderBytes: 64 })).toMatchObject({ code: 'bad-value', offset: 17 });
    // The trailer section has the same cap; so has a chunk-size line.
    const trailer = `HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX: ${'b'.repeat(100)}\r\n\r\n`;
    expect(errorOf(trailer, { kind: 'response', maxHeaderBytes: 64 })).toMatchObject({ code: 'limit-exceeded', offset: 50 + 64 });
    const ext = `HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1;${'e'.repeat(100)}\r\n`;
    expect(errorOf(ext, { kind: 'response', maxHeaderBytes: 64 })).toMatchObject({ code: 'limit-exceeded', offset: 47 + 64 });
  });

  it('with strictLineEnds, rejects a bare LF anywhere', () => {
    expect(errorOf('GET / HTTP/1.1\r\nHost: a\n\r\n', { kind: 'request', strictLineEnds: true })).toMatchObject({ code: 'bad-value', offset: 23 });
    expect(errorOf('GET / HTTP/1.1\n\n', { kind: 'request', strictLineEnds: true })).toMatchObject({ code: 'bad-value', offset: 14 });
  });

  it('accumulates at most maxBodyBytes (default 1 MiB) of a larger body', () => {
    let done: HttpMessage | undefined;
    const q = new Http1Parser({ onMessage: (m) => (done = m) }, { kind: 'response' });
    q.push(bytes('HTTP/1.1 200 OK\r\n\r\n'));
    const block = new Uint8Array(64 * 1024).fill(0x61);
    for (let i = 0; i < 40; i++) q.push(block);
    q.end();
    expect(done).toMatchObject({ framing: 'close', bodyLength: 40 * 64 * 1024, bodyTruncated: true });
    expect(done!.body.length).toBe(1024 * 1024);
  });

  it('caps the number of fields (default 256)', () => {
    const fields = (n: number) => Array.from({ length: n }, (_, i) => `X-${i}: ${i}\r\n`).join('');
    expect(messages(`GET / HTTP/1.1\r\n${fields(256)}\r\n`, { kind: 'request' })[0]!.headers).toHaveLength(256);
    const e = errorOf(`GET / HTTP/1.1\r\n${fields(257)}\r\n`, { kind: 'request' });
    expect(e.code).toBe('limit-exceeded');
    expect(e.message).toContain('more than 256 fields');
    expect(errorOf(`GET / HTTP/1.1\r\n${fields(3)}\r\n`, { kind: 'request', maxFields: 2 })).toMatchObject({ code: 'limit-exceeded', offset: 16 + 2 * 8 });
  });

  it('stops after an error: the messages before it are handed on, later pushes throw the same error', () => {
    const got: HttpMessage[] = [];
    const p = new Http1Parser({ onMessage: (m) => got.push(m) }, { kind: 'request' });
    expect(() => p.push(bytes('GET /1 HTTP/1.1\r\n\r\nGET /2 HTTP/1.1\r\nBad Name: x\r\n\r\nGET /3 HTTP/1.1\r\n\r\n'))).toThrow(WireError);
    expect(got.map((m) => m.type === 'request' && m.target)).toEqual(['/1']);
    const e = p.error!;
    expect(() => p.push(bytes('GET /4 HTTP/1.1\r\n\r\n'))).toThrow(e);
    expect(() => p.end()).toThrow(e);
    expect(got).toHaveLength(1);
  });

  it('turns a throwing handler into a WireError (internal) and stops', () => {
    const p = new Http1Parser({ onHead: () => { throw new TypeError('boom'); } }, { kind: 'request' });
    let caught: unknown;
    try { p.push(bytes('GET / HTTP/1.1\r\n\r\n')); } catch (e) { caught = e; }
    expect(caught).toBeInstanceOf(WireError);
    expect(caught).toMatchObject({ code: 'internal', layer: 'http' });
    expect((caught as WireError).cause).toBeInstanceOf(TypeError);
  });

  it('rejects bad options and misuse with WireError', () => {
    expect(() => new Http1Parser({}, { maxHeaderBytes: 0 })).toThrow(WireError);
    expect(() => new Http1Parser({}, { maxBodyBytes: -1 })).toThrow(WireError);
    const p = new Http1Parser();
    p.end();
    expect(() => p.push(bytes('x'))).toThrow(/push after end/);
    expect(() => new Http1Parser().gap(-1)).toThrow(WireError);
    expect(() => new Http1Conversation().push(2 as 0, bytes('x'))).toThrow(WireError);
  });
});

describe('Http1Parser: gaps and resync', () => {
  it('without resync, a gap stops the direction (truncated)', () => {
    const p = new Http1Parser({}, { kind: 'request' });
    p.push(bytes('GET / HTTP/1.1\r\n'));
    expect(() => p.gap(100)).toThrow(expect.objectContaining({ code: 'truncated', offset: 16 }) as Error);
  });

  it('with resync, passes over bytes until a start line, at a line start or mid-line', () => {
    const o = parseBoth('ody of something\r\nmore body HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 204 No Content\r\n\r\n', { kind: 'response', resync: true });
    expect(o.skips).toEqual([[0, 28, 'resync']]);
    expect(o.messages.map((m) => [(m as HttpMessage).start, (m as HttpMessage & { status: number }).status])).toEqual([[28, 200], [68, 204]]);
    const r = parseBoth('x=1&y=2POST /form HTTP/1.1\r\nContent-Length: 0\r\n\r\n', { kind: 'request', resync: true });
    expect(r.skips).toEqual([[0, 7, 'resync']]);
    expect((r.messages[0] as HttpMessage & { method: string }).method).toBe('POST');
    // Nothing found: all of it is reported at the end.
    expect(parseBoth('\x00\x01 binary\nno start line here', { resync: true }).skips).toEqual([[0, 28, 'resync']]);
  });

  it('with resync, bytes after a message that are no start line are passed over too (as tshark reads on after a continuation)', () => {
    const text = 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhellogarbage after body\r\nHTTP/1.1 204 No Content\r\n\r\n';
    const o = parseBoth(text, { kind: 'response', resync: true });
    expect(o.skips).toEqual([[43, 20, 'resync']]);
    expect(o.messages.map((m) => (m as HttpMessage & { status: number }).status)).toEqual([200, 204]);
    // Without resync the same bytes stop the direction.
    const p = new Http1Parser({}, { kind: 'response' });
    expect(() => p.push(bytes(text))).toThrow(expect.objectContaining({ layer: 'http', offset: 43 }) as Error);
  });

  it('with resync, a gap drops the message it cuts and looks for the next start line', () => {
    const got: string[] = [];
    const p = new Http1Parser({ onMessage: (m) => got.push(`${m.start}-${m.end}`), onSkip: (o, n, r) => got.push(`skip ${o}+${n} ${r}`) }, { kind: 'response', resync: true });
    p.push(bytes('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nabc'));
    p.gap(50);
    p.push(bytes('tail of the bodyHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n'));
    p.end();
    expect(got).toEqual(['skip 0+43 resync', 'skip 43+50 gap', 'skip 93+16 resync', '109-147']);
  });

  it('in a tunnel, reports a gap and goes on', () => {
    const got: string[] = [];
    const p = new Http1Parser({ onTunnel: (d, o) => got.push(`${o} ${text(d)}`), onSkip: (o, n, r) => got.push(`skip ${o}+${n} ${r}`) }, { kind: 'response' });
    p.expectResponseTo('CONNECT');
    p.push(bytes('HTTP/1.1 200 OK\r\n\r\nab'));
    p.gap(10);
    p.push(bytes('cd'));
    p.end();
    expect(got).toEqual(['19 ab', 'skip 21+10 gap', '31 cd']);
  });

  it('passes over lines longer than the header cap while looking, without buffering them', () => {
    const o = parseBoth(`${'z'.repeat(300)}\nHTTP/1.1 204 No Content\r\n\r\n`, { kind: 'response', resync: true, maxHeaderBytes: 64 });
    expect(o.error).toBeUndefined();
    expect(o.skips).toEqual([[0, 301, 'resync']]);
  });
});

describe('Http1Conversation', () => {
  /** Runs a conversation; `script` is [direction, text] in the order the bytes arrive. */
  function converse(script: [0 | 1, string][], options: ConstructorParameters<typeof Http1Conversation>[1] = {}) {
    const log: string[] = [];
    const msgs: [0 | 1, HttpMessage][] = [];
    const conv = new Http1Conversation({
      onMessage: (d, m) => {
        msgs.push([d, m]);
        log.push(`${d} ${m.type === 'request' ? `${m.method} ${m.target}` : `${m.status}${m.requestMethod ? ` (${m.requestMethod})` : ''}`} ${m.framing} ${text(m.body)}`.trim());
      },
      onUpgrade: (d, o) => log.push(`${d} upgrade @${o}`),
      onTunnel: (d, data) => log.push(`${d} tunnel ${text(data)}`),
      onError: (d, e) => log.push(`${d} error ${e.code} @${e.offset}`),
      onSkip: (d, o, n, r) => log.push(`${d} skip ${o}+${n} ${r}`),
    }, options);
    for (const [d, s] of script) conv.push(d, bytes(s));
    conv.end();
    return { log, msgs, conv };
  }

  it('frames each response by the method of the request it answers, pipelined too', () => {
    const { log, conv } = converse([
      [0, 'HEAD /a HTTP/1.1\r\n\r\nGET /b HTTP/1.1\r\n\r\n'],
      [1, 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello'],
    ]);
    expect(log).toEqual(['0 HEAD /a none', '0 GET /b none', '1 200 (HEAD) none', '1 200 (GET) length hello']);
    expect(conv.client).toBe(0);
  });

  it('tells which side is the client from the first start line, either way', () => {
    const { log, conv } = converse([[1, 'GET / HTTP/1.1\r\n\r\n'], [0, 'HTTP/1.1 304 Not Modified\r\n\r\n']]);
    expect(conv.client).toBe(1);
    expect(log).toEqual(['1 GET / none', '0 304 (GET) none']);
  });

  it('keeps an interim 100 apart from the final response, and lets the request body follow it', () => {
    const { log } = converse([
      [0, 'POST /u HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n'],
      [1, 'HTTP/1.1 100 Continue\r\n\r\n'],
      [0, 'data'],
      [1, 'HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n'],
    ], { client: 0 });
    expect(log).toEqual(['1 100 (POST) none', '0 POST /u length data', '1 201 (POST) length']);
  });

  it('switches both directions at an accepted WebSocket upgrade, the client bytes held until the 101 came', () => {
    const { log, conv } = converse([
      [0, 'GET /ws HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n\x81\x82early'],
      [1, 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n\x81\x02hi'],
      [0, '\x88\x80'],
    ], { client: 0 });
    expect(log).toEqual([
      '0 GET /ws none', '1 101 (GET) tunnel', '1 upgrade @77', '0 upgrade @61', '0 tunnel \x81\x82early', '1 tunnel \x81\x02hi', '0 tunnel \x88\x80',
    ]);
    expect(conv.upgraded).toBe(true);
  });

  it('goes on with HTTP after a declined upgrade (an h2c offer answered 200)', () => {
    const { log, conv } = converse([
      [0, 'GET / HTTP/1.1\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA\r\nConnection: Upgrade, HTTP2-Settings\r\n\r\nGET /next HTTP/1.1\r\n\r\n'],
      [1, 'HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nAHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nB'],
    ], { client: 0 });
    expect(log).toEqual(['0 GET / none', '1 200 (GET) length A', '0 GET /next none', '1 200 (GET) length B']);
    expect(conv.upgraded).toBe(false);
  });

  it('tunnels after a 2xx to CONNECT, and parses on after a refused one', () => {
    const ok = converse([[0, 'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n\x16\x03\x01'], [1, 'HTTP/1.1 200 OK\r\n\r\n\x16\x03\x03']], { client: 0 });
    expect(ok.log).toEqual(['0 CONNECT example.com:443 none', '1 200 (CONNECT) tunnel', '1 upgrade @19', '0 upgrade @59', '0 tunnel \x16\x03\x01', '1 tunnel \x16\x03\x03']);
    const refused = converse([[0, 'CONNECT a:1 HTTP/1.1\r\n\r\nGET / HTTP/1.1\r\n\r\n'], [1, 'HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n']], { client: 0 });
    expect(refused.log).toEqual(['0 CONNECT a:1 none', '1 403 (CONNECT) length', '0 GET / none', '1 200 (GET) length']);
  });

  it('holds no more than maxHeaderBytes after an upgrade request before its response', () => {
    const { log } = converse([[0, `GET / HTTP/1.1\r\nUpgrade: websocket\r\n\r\n${'x'.repeat(100)}`]], { client: 0, maxHeaderBytes: 64 });
    expect(log).toEqual(['0 GET / none', '0 error limit-exceeded @102']); // 38 + 64
  });

  it('reports an error on one direction and goes on with the other', () => {
    const { log, conv } = converse([
      [0, 'GET / HTTP/1.1\r\nBad Field: x\r\n\r\n'],
      [1, 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'],
    ], { client: 0 });
    expect(log).toEqual(['0 error bad-value @19', '1 200 length ok']);
    expect(conv.errors[0]).toBeInstanceOf(WireError);
    expect(conv.errors[1]).toBeUndefined();
  });

  it('completes a response read until the close at end(), and reports one cut short', () => {
    expect(converse([[0, 'GET / HTTP/1.1\r\n\r\n'], [1, 'HTTP/1.0 200 OK\r\n\r\nuntil close']]).log).toEqual(['0 GET / none', '1 200 (GET) close until close']);
    expect(converse([[0, 'GET / HTTP/1.1\r\n\r\n'], [1, 'HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nshort']]).log).toEqual(['0 GET / none', '1 error truncated @43']);
  });

  it('limits requests awaiting responses (maxPendingRequests)', () => {
    const { log } = converse([[0, 'GET / HTTP/1.1\r\n\r\n'.repeat(3)]], { client: 0, maxPendingRequests: 2 });
    expect(log).toEqual(['0 GET / none', '0 GET / none', '0 error limit-exceeded @36']);
  });

  it('with resync and no known client, finds requests and responses mid-stream', () => {
    const { log } = converse([[1, 'dy tail\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n'], [0, 'GET / HTTP/1.1\r\n\r\n'], [1, 'HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx']], { resync: true });
    expect(log).toEqual(['1 skip 0+9 resync', '1 200 length', '0 GET / none', '1 200 (GET) length x']);
  });
});

describe('encodeHttp1', () => {
  const head = (b: Uint8Array) => text(b);

  it('builds a request with Content-Length and a response with chunked coding, trailers and extensions', () => {
    expect(head(encodeHttp1({ type: 'request', method: 'POST', target: '/echo', headers: [{ name: 'Host', value: 'a' }], body: 'hé' })))
      .toBe('POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nh\xc3\xa9');
    expect(head(encodeHttp1({ type: 'request', method: 'GET', target: '/' }))).toBe('GET / HTTP/1.1\r\n\r\n');
    expect(head(encodeHttp1({
      type: 'response', status: 200, chunks: ['Wiki', { data: 'pedia', extensions: ';x=1' }, ''], trailers: [{ name: 'Expires', value: '0' }], lastChunkExtensions: ';end',
    }))).toBe('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nWiki\r\n5;x=1\r\npedia\r\n0;end\r\nExpires: 0\r\n\r\n');
    expect(head(encodeHttp1({ type: 'response', status: 204 }))).toBe('HTTP/1.1 204 No Content\r\n\r\n');
    // A response to HEAD: the Content-Length of what GET would send, no body.
    expect(head(encodeHttp1({ type: 'response', status: 200, headers: [{ name: 'Content-Length', value: '14' }], framing: 'none' }))).toBe('HTTP/1.1 200 OK\r\nContent-Length: 14\r\n\r\n');
    expect(head(encodeHttp1({ type: 'response', status: 200 }))).toBe('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n');
    expect(head(encodeHttp1({ type: 'response', status: 599, version: 'HTTP/1.0', framing: 'close', body: 'x' }))).toBe('HTTP/1.0 599 \r\n\r\nx');
  });

  it('refuses what would inject or mis-frame: CR/LF in values, non-token names, contradicting framing fields', () => {
    const bad: HttpMessageInput[] = [
      { type: 'request', method: 'GET', target: '/', headers: [{ name: 'X', value: 'a\r\nInjected: 1' }] },
      { type: 'request', method: 'GET', target: '/', headers: [{ name: 'X Y', value: 'a' }] },
      { type: 'request', method: 'GET', target: '/ HTTP/1.1\r\nX: y' },
      { type: 'request', method: 'G T', target: '/' },
      { type: 'request', method: 'POST', target: '/', headers: [{ name: 'Content-Length', value: '9' }], body: 'abc' },
      { type: 'request', method: 'POST', target: '/', headers: [{ name: 'Content-Length', value: '3' }], chunks: ['abc'] },
      { type: 'request', method: 'POST', target: '/', headers: [{ name: 'Transfer-Encoding', value: 'gzip' }], chunks: ['abc'] },
      { type: 'request', method: 'POST', target: '/', chunks: [{ data: 'a', extensions: 'no-semicolon' }] },
      { type: 'request', method: 'POST', target: '/', framing: 'close', body: 'x' },
      { type: 'response', status: 200, reason: 'O\nK' },
      { type: 'response', status: 42 },
      { type: 'response', status: 200, version: 'HTTP/2' },
      { type: 'response', status: 200, headers: [{ name: 'X', value: ' padded' }] },
      { type: 'response', status: 200, headers: [{ name: 'X', value: '\u2603' }] },
      { type: 'response', status: 200, trailers: [{ name: 'X', value: 'y' }] },
      { type: 'response', status: 304, body: 'x' },
      { type: 'response', status: 204, chunks: [] },
    ];
    for (const m of bad) expect(() => encodeHttp1(m), JSON.stringify(m)).toThrow(WireError);
  });
});

// ---------------------------------------------------------------------------------------------
// Properties.

const token = fc.stringMatching(/^[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,12}$/);
const fieldValue = fc.stringMatching(/^([\x21-\x7e\x80-\xff]([\x20-\x7e\x80-\xff\t]{0,20}[\x21-\x7e\x80-\xff])?)?$/);
const fields = fc.array(fc.record({ name: token, value: fieldValue }), { maxLength: 6 })
  .map((fs) => fs.filter((f) => !/^(content-length|transfer-encoding|upgrade)$/i.test(f.name)));
const data = fc.uint8Array({ minLength: 1, maxLength: 40 });
const ext = fc.oneof(fc.constant(''), fc.constant(';a'), fc.constant(';a=1;b="x y"'), fc.constant(' ; n = v'), token.map((t) => `;${t}=${t}`));
const chunked = fc.record({ chunks: fc.array(fc.record({ data, extensions: ext }), { maxLength: 5 }), trailers: fields, lastChunkExtensions: ext });
const bodyPart = fc.oneof(
  fc.record({ body: fc.uint8Array({ maxLength: 80 }) }),
  chunked,
);
const request = fc.tuple(
  fc.record({ method: fc.oneof(token, fc.constantFrom('GET', 'POST', 'PUT')), target: fc.stringMatching(/^\/[\x21-\x7e]{0,20}$/), version: fc.constantFrom('HTTP/1.1', 'HTTP/1.0'), headers: fields }),
  bodyPart,
).map(([r, b]): HttpMessageInput => ({ type: 'request', ...r, ...(r.version === 'HTTP/1.0' && 'chunks' in b ? {} : b) }))
  .filter((r) => r.type === 'request' && r.method !== 'CONNECT');
const response = fc.tuple(
  fc.record({ status: fc.integer({ min: 200, max: 599 }).filter((s) => s !== 204 && s !== 304), reason: fc.stringMatching(/^[\x20-\x7e]{0,20}$/), version: fc.constant('HTTP/1.1'), headers: fields }),
  bodyPart,
).map(([r, b]): HttpMessageInput => ({ type: 'response', ...r, ...b }));

/** What the encoder was given, in the parser's terms. */
function expected(m: HttpMessageInput) {
  const body = m.body !== undefined ? (typeof m.body === 'string' ? enc.encode(m.body) : m.body) : undefined;
  const chunks = (m.chunks ?? []).map((c) => (typeof c === 'object' && !(c instanceof Uint8Array) ? c : { data: c, extensions: '' }));
  const all = chunks.map((c) => (typeof c.data === 'string' ? enc.encode(c.data) : c.data));
  const joined = body ?? Uint8Array.from(all.flatMap((a) => [...a]));
  return {
    type: m.type,
    ...(m.type === 'request' ? { method: m.method, target: m.target } : { status: m.status, reason: m.reason }),
    version: m.version,
    headers: (m.headers ?? []).map((f) => ({ name: f.name, value: f.value })),
    body: text(joined),
    chunks: chunks.map((c, i) => ({ size: all[i]!.length, extensions: c.extensions ?? '' })),
    trailers: (m.trailers ?? []).map((f) => ({ name: f.name, value: f.value })),
    lastChunkExtensions: m.lastChunkExtensions ?? '',
  };
}

function got(m: HttpMessage, extra: number) {
  return {
    type: m.type,
    ...(m.type === 'request' ? { method: m.method, target: m.target } : { status: m.status, reason: m.reason }),
    version: m.version,
    // The encoder adds one framing field at the end, unless there is no body to frame.
    headers: m.headers.slice(0, m.headers.length - extra).map((f) => ({ name: f.name, value: f.value })),
    body: text(m.body),
    chunks: m.chunks.map((c) => ({ size: c.size, extensions: c.extensions })),
    trailers: m.trailers.map((f) => ({ name: f.name, value: f.value })),
    lastChunkExtensions: m.lastChunkExtensions,
  };
}

/** Fuzz runs per property (HTTP1_FUZZ_RUNS raises it for a longer search). */
const RUNS = Number(process.env.HTTP1_FUZZ_RUNS ?? 300);
const cutsOf = (n: number) => fc.uniqueArray(fc.integer({ min: 1, max: Math.max(1, n - 1) }), { maxLength: 12 }).map((c) => c.filter((x) => x < n).sort((a, b) => a - b));

describe('properties', () => {
  it('round-trips: encode, parse in random splits, get the same message', () => {
    fc.assert(fc.property(fc.array(fc.oneof(request, response), { minLength: 1, maxLength: 4 }), fc.array(fc.nat(), { maxLength: 10 }), (list, seeds) => {
      for (const type of ['request', 'response'] as const) {
        const ms = list.filter((m) => m.type === type);
        const wire = ms.map(encodeHttp1);
        const all = Uint8Array.from(wire.flatMap((w) => [...w]));
        const cuts = [...new Set(seeds.map((x) => x % Math.max(1, all.length)))].filter((c) => c > 0).sort((a, b) => a - b);
        const o = run(all, cuts, { kind: type, methods: ms.map(() => 'GET') });
        expect(o.error).toBeUndefined();
        const parsed = o.messages as HttpMessage[];
        expect(parsed).toHaveLength(ms.length);
        parsed.forEach((p, i) => {
          const m = ms[i]!;
          const framed = m.chunks !== undefined || (m.body !== undefined && (m.body.length > 0 || m.type === 'response')) || m.type === 'response';
          const g = got(p, framed ? 1 : 0);
          expect(g).toEqual(expected(m));
          expect(p.start).toBe(wire.slice(0, i).reduce((n, w) => n + w.length, 0));
          expect(p.end - p.start).toBe(wire[i]!.length);
        });
      }
    }), { numRuns: Math.ceil(RUNS / 2) });
  });

  const corpus = [
    'GET / HTTP/1.1\r\nHost: a\r\n\r\n',
    'POST /x HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc',
    'POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3;e=1\r\nabc\r\n0\r\nT: 1\r\n\r\n',
    'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok',
    'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n',
    'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n\x81\x00',
    'HTTP/1.0 200 OK\r\n\r\nclose-delimited',
  ].map(bytes);
  const mutated = fc.tuple(fc.constantFrom(...corpus), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 }), fc.constantFrom('set', 'insert', 'delete')), { minLength: 1, maxLength: 4 }))
    .map(([base, edits]) => {
      const b = [...base];
      for (const [at, v, op] of edits) {
        const i = at % (b.length + 1);
        if (op === 'set' && i < b.length) b[i] = v;
        else if (op === 'insert') b.splice(i, 0, v);
        else if (op === 'delete') b.splice(i, 1);
      }
      return Uint8Array.from(b);
    });
  const input = fc.oneof(mutated, fc.uint8Array({ maxLength: 200 }), fc.array(fc.constantFrom(...corpus), { maxLength: 3 }).map((a) => Uint8Array.from(a.flatMap((x) => [...x]))));

  it('gives the same messages, skips and error for any split of the same bytes (fuzzed)', () => {
    fc.assert(fc.property(input, fc.constantFrom<Http1ParserOptions['kind']>('request', 'response', 'auto'), fc.boolean(), fc.context(), (b, kind, resync, ctx) => {
      const options = { kind, resync, maxHeaderBytes: 96, maxFields: 4, maxBodyBytes: 16 };
      const whole = run(b, [], options);
      ctx.log(JSON.stringify(whole.error));
      expect(run(b, everyByte(b.length), options)).toEqual(whole);
      fc.assert(fc.property(cutsOf(b.length), (cuts) => {
        expect(run(b, cuts, options)).toEqual(whole);
      }), { numRuns: 5 });
    }), { numRuns: RUNS });
  });

  it('never throws anything but WireError, and never waits forever, in a conversation (fuzzed)', () => {
    fc.assert(fc.property(fc.array(fc.tuple(fc.constantFrom<0 | 1>(0, 1), input), { maxLength: 6 }), fc.boolean(), (script, resync) => {
      const conv = new Http1Conversation({ onError: (_d, e) => expect(e).toBeInstanceOf(WireError) }, { resync, maxHeaderBytes: 128 });
      for (const [d, b] of script) conv.push(d, b);
      conv.end();
      for (const e of conv.errors) if (e !== undefined) expect(e).toBeInstanceOf(WireError);
    }), { numRuns: RUNS });
  });
});

describe('Http1Parser: methods', () => {
  it('takes only the methods it is given (TSHARK_HTTP_METHODS): another is an error, or passed over with resync', () => {
    const text = (s: string) => new TextEncoder().encode(s);
    const strict = new Http1Parser({}, { kind: 'request', methods: TSHARK_HTTP_METHODS });
    expect(() => strict.push(text('BREW /pot HTTP/1.1\r\nHost: a\r\n\r\n'))).toThrow(/method BREW/);
    const seen: string[] = [];
    const skipped: number[] = [];
    const p = new Http1Parser({ onMessage: (m) => seen.push((m as { method: string }).method), onSkip: (_at, n) => skipped.push(n) }, { kind: 'request', methods: TSHARK_HTTP_METHODS, resync: true });
    p.push(text('BREW /pot HTTP/1.1\r\nHost: a\r\n\r\nPROPFIND /x HTTP/1.1\r\nHost: a\r\n\r\nORDERPATCH /y HTTP/1.1\r\n\r\nGET / HTTP/1.1\r\n\r\n'));
    expect(seen).toEqual(['PROPFIND', 'GET']);
    expect(skipped.length).toBeGreaterThan(0);
    // Without the option any token is a method (RFC 9110 section 9).
    const any: string[] = [];
    new Http1Parser({ onMessage: (m) => any.push((m as { method: string }).method) }, { kind: 'request' }).push(text('BREW /pot HTTP/1.1\r\n\r\n'));
    expect(any).toEqual(['BREW']);
  });
});
