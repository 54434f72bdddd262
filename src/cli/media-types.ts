// The dissector tshark 4.0 hands a message body of a media type to (its media_type table), as its
// tree, frame.protocols and `-z io,phs` name it. Used for HTTP/1.1 and HTTP/2 bodies.

const JSON_TYPES = new Set(['application/json', 'application/problem+json', 'application/x-ndjson', 'application/json-rpc', 'application/jsonrequest']);
const TEXT_TYPES = new Set(['application/javascript', 'application/x-javascript', 'application/x-tia-msgr', 'application/xhtml+xml', 'application/ecmascript', 'application/x-ecmascript']);

/** Whether tshark's JSON dissector takes the type (lower case, no parameters). */
export function isJsonMedia(type: string): boolean {
  return JSON_TYPES.has(type);
}

/** The dissector name for a body of `type` (lower case, no parameters); `media` for a type nothing registers. */
export function mediaNode(type: string): string {
  if (type === 'application/octet-stream') return 'data';
  if (JSON_TYPES.has(type)) return 'json';
  if (type === 'application/xml' || type === 'text/xml' || (type.endsWith('+xml') && type !== 'application/xhtml+xml')) return 'xml';
  if (type === 'application/x-www-form-urlencoded') return 'urlencoded-form';
  if (type.startsWith('multipart/')) return 'mime_multipart';
  if (type === 'image/png') return 'png';
  if (type === 'image/gif') return 'image-gif';
  if (type === 'image/jpeg' || type === 'image/jpg' || type === 'image/pjpeg') return 'image-jfif';
  if (type === 'application/grpc') return 'grpc';
  if (type.startsWith('text/') || TEXT_TYPES.has(type)) return 'data-text-lines';
  return 'media';
}
