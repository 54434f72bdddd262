// HTTP/1.x fields for `decode --json` and `-Y`, as tshark 4.0's HTTP dissector names them: the start
// line's parts, each header line (`http.request.line` / `http.response.line`) and, for the headers
// it knows, a field of its own (`http.host`, `http.user_agent`, ...), `http.request` /
// `http.response`, and the numbering that pairs each response with the request before it in its
// connection (`http.request_number`, `http.request_in`, `http.time`, `http.response_for.uri`), as
// a single pass over the capture can give them (tshark's `http.response_in` and `next_*` fields
// need a second pass and are not given).
import type { FieldSink, HttpMessage } from 'wirekit';
import { httpHeader } from 'wirekit';

/** Header names (lower case) and the field tshark gives each (`tshark -G fields`, protocol http). */
const HEADER_FIELDS: Readonly<Record<string, string>> = {
  accept: 'http.accept',
  'accept-encoding': 'http.accept_encoding',
  'accept-language': 'http.accept_language',
  authorization: 'http.authorization',
  'cache-control': 'http.cache_control',
  connection: 'http.connection',
  'content-encoding': 'http.content_encoding',
  'content-length': 'http.content_length_header',
  'content-type': 'http.content_type',
  cookie: 'http.cookie',
  date: 'http.date',
  host: 'http.host',
  'http2-settings': 'http.http2_settings',
  'last-modified': 'http.last_modified',
  location: 'http.location',
  'proxy-authenticate': 'http.proxy_authenticate',
  'proxy-authorization': 'http.proxy_authorization',
  referer: 'http.referer',
  'sec-websocket-accept': 'http.sec_websocket_accept',
  'sec-websocket-extensions': 'http.sec_websocket_extensions',
  'sec-websocket-key': 'http.sec_websocket_key',
  'sec-websocket-protocol': 'http.sec_websocket_protocol',
  'sec-websocket-version': 'http.sec_websocket_version',
  server: 'http.server',
  'set-cookie': 'http.set_cookie',
  'transfer-encoding': 'http.transfer_encoding',
  upgrade: 'http.upgrade',
  'user-agent': 'http.user_agent',
  'www-authenticate': 'http.www_authenticate',
  'x-forwarded-for': 'http.x_forwarded_for',
};

/**
 * tshark 4.0's descriptions of status codes (vals_http_status_code; read from its output for codes
 * 100 to 599): HTTP/1.1's http.response.code.desc, and HTTP/2's reason phrase after a :status.
 */
export const HTTP_STATUS_DESCRIPTIONS: Readonly<Record<number, string>> = {
  100: 'Continue', 101: 'Switching Protocols', 102: 'Processing', 103: 'Early Hints', 199: 'Informational - Others',
  200: 'OK', 201: 'Created', 202: 'Accepted', 203: 'Non-authoritative Information', 204: 'No Content', 205: 'Reset Content',
  206: 'Partial Content', 207: 'Multi-Status', 208: 'Already Reported', 226: 'IM Used', 299: 'Success - Others',
  300: 'Multiple Choices', 301: 'Moved Permanently', 302: 'Found', 303: 'See Other', 304: 'Not Modified', 305: 'Use Proxy',
  307: 'Temporary Redirect', 308: 'Permanent Redirect', 399: 'Redirection - Others',
  400: 'Bad Request', 401: 'Unauthorized', 402: 'Payment Required', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed',
  406: 'Not Acceptable', 407: 'Proxy Authentication Required', 408: 'Request Time-out', 409: 'Conflict', 410: 'Gone',
  411: 'Length Required', 412: 'Precondition Failed', 413: 'Request Entity Too Large', 414: 'Request-URI Too Long',
  415: 'Unsupported Media Type', 416: 'Requested Range Not Satisfiable', 417: 'Expectation Failed', 418: "I'm a teapot",
  421: 'Misdirected Request', 422: 'Unprocessable Entity', 423: 'Locked', 424: 'Failed Dependency', 425: 'Too Early',
  426: 'Upgrade Required', 428: 'Precondition Required', 429: 'Too Many Requests', 431: 'Request Header Fields Too Large',
  451: 'Unavailable For Legal Reasons', 499: 'Client Error - Others',
  500: 'Internal Server Error', 501: 'Not Implemented', 502: 'Bad Gateway', 503: 'Service Unavailable', 504: 'Gateway Time-out',
  505: 'HTTP Version not supported', 506: 'Variant Also Negotiates', 507: 'Insufficient Storage', 508: 'Loop Detected',
  510: 'Not Extended', 511: 'Network Authentication Required', 599: 'Server Error - Others',
};

/** Requests of a connection awaiting their responses, at most this many (the oldest are let go). */
const MAX_PENDING = 1024;

/** What pairs a message with others of its connection, worked out as it completes. */
export interface HttpMessageLinks {
  /** http.request_number or http.response_number. */
  number: number;
  /** Request: http.request.full_uri; response: http.response_for.uri (its request's). */
  uri: string | undefined;
  /** http.prev_request_in (a response: its request's), 0 for the first request. */
  previousRequest: number;
  /** Response: http.prev_response_in, 0 for the first. */
  previousResponse: number;
  /** Response: its request's frame (http.request_in), 0 when unknown, and the time since it (ns). */
  requestIn: number;
  time: bigint;
}

/** One connection's requests and responses so far (both directions). */
export class HttpExchanges {
  #requests = 0;
  #responses = 0;
  #lastRequest = 0;
  #lastResponse = 0;
  /** The last full URI a request of the connection had (tshark keeps it for the connection). */
  #lastUri: string | undefined;
  readonly #pending: { frame: number; time: bigint; uri: string | undefined; previous: number }[] = [];

  /** Numbers `m` (completed in frame `frame`, captured at `time`) as tshark numbers it. */
  link(m: HttpMessage, frame: number, time: bigint): HttpMessageLinks {
    if (m.type === 'request') {
      const host = httpHeader(m.headers, 'host');
      // An absolute target is the URI itself; otherwise the Host header makes one.
      const uri = /^[a-z][a-z0-9+.-]*:\/\//i.test(m.target) ? m.target : host !== undefined ? `http://${host}${m.target}` : undefined;
      const links: HttpMessageLinks = { number: ++this.#requests, uri, previousRequest: this.#lastRequest, previousResponse: 0, requestIn: 0, time: 0n };
      // Its response names the connection's last full URI when the request has none of its own.
      if (uri !== undefined) this.#lastUri = uri;
      this.#pending.push({ frame, time, uri: this.#lastUri, previous: this.#lastRequest });
      this.#lastRequest = frame;
      if (this.#pending.length > MAX_PENDING) this.#pending.shift();
      return links;
    }
    const request = this.#pending.shift();
    const links: HttpMessageLinks = {
      number: ++this.#responses,
      uri: request?.uri,
      previousRequest: request?.previous ?? 0,
      previousResponse: this.#lastResponse,
      requestIn: request?.frame ?? 0,
      time: request === undefined ? 0n : time - request.time,
    };
    this.#lastResponse = frame;
    return links;
  }
}

const secondsText = (ns: bigint): string => {
  const sign = ns < 0n ? '-' : '';
  const a = ns < 0n ? -ns : ns;
  return `${sign}${a / 1_000_000_000n}.${(a % 1_000_000_000n).toString().padStart(9, '0')}`;
};

/** The fields of one HTTP message (`links` from HttpExchanges.link, when the frame is known). */
export function httpMessageFields(m: HttpMessage, links: HttpMessageLinks | undefined, out: FieldSink): void {
  const request = m.type === 'request';
  if (request) {
    out.add('http.request.method', m.method);
    out.add('http.request.uri', m.target);
    out.add('http.request.version', m.version);
  } else {
    out.add('http.response.version', m.version);
    out.add('http.response.code', m.status);
    out.add('http.response.code.desc', HTTP_STATUS_DESCRIPTIONS[m.status] ?? `Unknown (${m.status})`);
    out.add('http.response.phrase', m.reason);
  }
  const lineField = request ? 'http.request.line' : 'http.response.line';
  for (const h of m.headers) {
    out.add(lineField, `${h.line}\r\n`);
    const name = h.name.toLowerCase();
    const field = HEADER_FIELDS[name];
    if (field === undefined) continue;
    out.add(field, h.value);
    if (name === 'content-length' && m.contentLength !== undefined) out.add('http.content_length', m.contentLength);
    else if (name === 'cookie') {
      for (const pair of h.value.split(';')) {
        const p = pair.trim();
        if (p !== '') out.add('http.cookie_pair', p);
      }
    }
  }
  if (request) {
    if (links?.uri !== undefined) out.add('http.request.full_uri', links.uri);
    out.add('http.request', 1);
    if (links !== undefined) {
      out.add('http.request_number', links.number);
      if (links.previousRequest !== 0) out.add('http.prev_request_in', links.previousRequest);
    }
  } else {
    out.add('http.response', 1);
    if (links !== undefined) {
      if (links.previousRequest !== 0) out.add('http.prev_request_in', links.previousRequest);
      out.add('http.response_number', links.number);
      if (links.previousResponse !== 0) out.add('http.prev_response_in', links.previousResponse);
      if (links.requestIn !== 0) {
        out.add('http.time', secondsText(links.time));
        out.add('http.request_in', links.requestIn);
      }
      if (links.uri !== undefined) out.add('http.response_for.uri', links.uri);
    }
  }
}
