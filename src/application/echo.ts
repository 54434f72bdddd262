// Echo (RFC 862, UDP and TCP port 7): whatever a client sends, the server sends back. The whole
// payload is the message; tshark calls it a request when it goes to port 7, a response when it
// comes from it, and shows the bytes as echo.data.
import { bytesField, type FieldSink } from '../packet/fields.js';
import type { DecodeContext, Decoded, Protocol, Scanned } from '../packet/protocol.js';

export const ECHO_PORT = 7;

export interface EchoHeader {
  /** Sent to port 7 (else from it). */
  request: boolean;
  /** The echoed bytes, colon-separated hex as tshark shows them ('' when empty). */
  data: string;
}

/** Whether the transport layer right below carries the message to port 7. */
function toEchoPort(ctx: DecodeContext): boolean {
  const below = ctx.below[ctx.below.length - 1];
  return (below?.header as { dstport?: number } | undefined)?.dstport === ECHO_PORT;
}

function scanEcho(ctx: DecodeContext): Scanned {
  return { headerLength: Math.max(0, ctx.end - ctx.offset) };
}

/** tshark's info column: `Request` or `Response`. */
export function echoInfo(h: EchoHeader): string {
  return h.request ? 'Request' : 'Response';
}

/** Echo, bound to UDP and TCP port 7. */
export const echo: Protocol<EchoHeader> = {
  name: 'echo',
  scan: scanEcho,
  decode(ctx: DecodeContext): Decoded<EchoHeader> {
    const scanned = scanEcho(ctx);
    return { ...scanned, header: { request: toEchoPort(ctx), data: bytesField(ctx.bytes.subarray(ctx.offset, ctx.end)) } };
  },
  fields(h: EchoHeader, out: FieldSink): void {
    out.add(h.request ? 'echo.request' : 'echo.response', 1);
    if (h.data !== '') out.add('echo.data', h.data);
  },
};
