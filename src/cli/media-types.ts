// The dissector tshark 4.0 hands a message body of a media type to (its media_type table), as its
// tree, frame.protocols and `-z io,phs` name it. Used for HTTP/1.1 and HTTP/2 bodies.

const JSON_TYPES = new Set(['application/json', 'application/problem+json', 'application/x-ndjson', 'application/json-rpc', 'application/jsonrequest']);
/**
 * The media types tshark 4.0's line-based text dissector registers (packet-text-media.c): only
 * these are data-text-lines. Other text/ types (text/csv, text/calendar, text/event-stream, ...)
 * and application/javascript go to the media dissector, as measured.
 */
export const TEXT_LINE_TYPES: ReadonlySet<string> = new Set([
  'text/plain', 'text/richtext', 'text/enriched', 'text/parameters', 'text/html', 'text/xml-external-parsed-entity', 'text/css',
  'application/xml-external-parsed-entity', 'text/javascript', 'application/x-javascript', 'application/x-tia-p25-issi',
  'application/x-tia-p25-sndcp', 'application/x-ns-proxy-autoconfig', 'text/vnd.sun.j2me.app-descriptor',
  'application/vnd.poc.refer-to', 'application/vnd.drm.message', 'application/x-wms-logplaystats',
  'application/x-rtsp-udp-packetpair',
]);

/** Whether tshark's JSON dissector takes the type (lower case, no parameters). */
export function isJsonMedia(type: string): boolean {
  return JSON_TYPES.has(type);
}

/** A body's first bytes (at least IMAGE_HEAD of them when it has that many) and its length. */
export interface BodyStart {
  head: Uint8Array;
  length: number;
  /** The whole body, where it was kept (an OCSP response, whose contents frame.protocols names). */
  whole?: Uint8Array;
}

/** Bytes of a body the image dissectors' checks read. */
export const IMAGE_HEAD = 13;

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/**
 * What tshark's image dissectors make of a body they are handed (packet-png.c, packet-image-gif.c,
 * packet-image-jfif.c, measured on 4.0): the text they put in the info column, or undefined when
 * they decline it and the media dissector takes the body: under 20 bytes, or without the
 * signature (PNG's 8 bytes; GIF87a or GIF89a; a JPEG start-of-image marker followed by an APP0
 * (JFIF) or APP1 (Exif) marker).
 */
export function imageText(node: string, body: BodyStart): string | undefined {
  const b = body.head;
  if (body.length < 20) return undefined;
  if (node === 'png') return PNG_SIGNATURE.every((x, i) => b[i] === x) ? 'PNG' : undefined;
  if (node === 'image-gif') {
    const version = String.fromCharCode(...b.subarray(0, 6));
    return version === 'GIF87a' || version === 'GIF89a' ? version : undefined;
  }
  if (node === 'image-jfif') return b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff && (b[3] === 0xe0 || b[3] === 0xe1) ? 'JPEG JFIF image' : undefined;
  return undefined;
}

const IMAGE_NODES = new Set(['png', 'image-gif', 'image-jfif']);

/**
 * The dissector name for a body of `type` (lower case, no parameters); `media` for a type nothing
 * registers. Given the body's start, an image its dissector declines is `media` too.
 */
export function mediaNode(type: string, body?: BodyStart): string {
  const node = mediaNodeOf(type);
  if (body !== undefined && IMAGE_NODES.has(node) && imageText(node, body) === undefined) return 'media';
  return node;
}

function mediaNodeOf(type: string): string {
  if (type === 'application/octet-stream') return 'data';
  if (JSON_TYPES.has(type)) return 'json';
  if (type === 'application/xml' || type === 'text/xml' || (type.endsWith('+xml') && type !== 'application/xhtml+xml')) return 'xml';
  if (type === 'application/x-www-form-urlencoded') return 'urlencoded-form';
  if (type.startsWith('multipart/')) return 'mime_multipart';
  if (type === 'image/png') return 'png';
  if (type === 'image/gif') return 'image-gif';
  if (type === 'image/jpeg' || type === 'image/jpg' || type === 'image/pjpeg') return 'image-jfif';
  if (type === 'application/grpc') return 'grpc';
  if (type === 'application/ocsp-request' || type === 'application/ocsp-response') return 'ocsp';
  if (TEXT_LINE_TYPES.has(type)) return 'data-text-lines';
  return 'media';
}
