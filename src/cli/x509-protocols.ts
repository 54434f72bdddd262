// The dissectors tshark 4.0 lists in frame.protocols for an X.509 certificate it reads (in a TLS
// Certificate message): its BER dissector hands each attribute of the issuer's and the subject's
// names to x509sat, the parameters of an elliptic-curve public key to pkcs-1, and each extension
// to the dissector registered for its OID (x509ce for the id-ce arc 2.5.29, pkix1implicit for
// Authority Information Access, pkix1explicit for the TLS Feature, ns_cert_exts for Netscape's,
// tls for the SCT list); an extension no dissector takes adds nothing; and, for an OCSP response,
// its basic response, responder name and certificates. Measured with openssl-made
// certificates and responses (make-x509.sh, make-ocsp.sh). What is not DER as expected adds what was read of it.

/** One DER element: tag, where it starts, where its content starts and ends. */
interface Element {
  tag: number;
  at: number;
  start: number;
  end: number;
}

function element(b: Uint8Array, at: number, end: number): Element | undefined {
  if (end - at < 2) return undefined;
  const tag = b[at]!;
  let len = b[at + 1]!;
  let start = at + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4 || end - start < n) return undefined;
    len = 0;
    for (let k = 0; k < n; k++) len = len * 256 + b[start + k]!;
    start += n;
  }
  if (end - start < len) return undefined;
  return { tag, at, start, end: start + len };
}

/** The elements inside a constructed one. */
function children(b: Uint8Array, e: Element): Element[] {
  const out: Element[] = [];
  for (let at = e.start; at < e.end; ) {
    const c = element(b, at, e.end);
    if (c === undefined) break;
    out.push(c);
    at = c.end;
  }
  return out;
}

/** An OBJECT IDENTIFIER's dotted form. */
function oid(b: Uint8Array, e: Element): string {
  if (e.tag !== 0x06 || e.end === e.start) return '';
  const first = b[e.start]!;
  const parts = [first < 80 ? Math.floor(first / 40) : 2, first < 80 ? first % 40 : first - 80];
  let v = 0;
  for (let k = e.start + 1; k < e.end; k++) {
    v = v * 128 + (b[k]! & 0x7f);
    if (!(b[k]! & 0x80)) {
      parts.push(v);
      v = 0;
    }
  }
  return parts.join('.');
}

const EC_PUBLIC_KEY = '1.2.840.10045.2.1';

/** The dissector tshark hands an extension of this OID to, if any. */
function extensionDissector(id: string): string | undefined {
  if (id.startsWith('2.5.29.')) return 'x509ce';
  if (id === '1.3.6.1.5.5.7.1.1') return 'pkix1implicit';
  if (id === '1.3.6.1.5.5.7.1.24') return 'pkix1explicit';
  if (id.startsWith('2.16.840.1.113730.1.')) return 'ns_cert_exts';
  if (id === '1.3.6.1.4.1.11129.2.4.2') return 'tls';
  return undefined;
}

/** x509sat for each attribute of a Name (a SEQUENCE of SETs of attribute type-and-value pairs). */
function nameProtocols(b: Uint8Array, name: Element, out: string[]): void {
  if (name.tag !== 0x30) return;
  for (const rdn of children(b, name)) for (const atv of children(b, rdn)) if (atv.tag === 0x30) out.push('x509sat');
}

/** What one DER certificate adds to frame.protocols, in tshark's order. */
export function x509Protocols(cert: Uint8Array): string[] {
  const out: string[] = [];
  const top = element(cert, 0, cert.length);
  if (top === undefined || top.tag !== 0x30) return out;
  const tbs = children(cert, top)[0];
  if (tbs === undefined || tbs.tag !== 0x30) return out;
  const fields = children(cert, tbs);
  // [0] version is optional; then serial, signature, issuer, validity, subject, subjectPublicKeyInfo.
  let i = fields[0]?.tag === 0xa0 ? 1 : 0;
  i += 2;
  const issuer = fields[i++];
  i++;
  const subject = fields[i++];
  const spki = fields[i++];
  if (issuer !== undefined) nameProtocols(cert, issuer, out);
  if (subject !== undefined) nameProtocols(cert, subject, out);
  if (spki?.tag === 0x30) {
    const algorithm = children(cert, spki)[0];
    const parts = algorithm?.tag === 0x30 ? children(cert, algorithm) : [];
    if (parts.length > 1 && oid(cert, parts[0]!) === EC_PUBLIC_KEY) out.push('pkcs-1');
  }
  for (; i < fields.length; i++) {
    if (fields[i]!.tag !== 0xa3) continue;
    const list = children(cert, fields[i]!)[0];
    if (list?.tag !== 0x30) continue;
    for (const ext of children(cert, list)) {
      const id = ext.tag === 0x30 ? children(cert, ext)[0] : undefined;
      const dissector = id === undefined ? undefined : extensionDissector(oid(cert, id));
      if (dissector !== undefined) out.push(dissector);
    }
  }
  return out;
}

const OCSP_BASIC = '1.3.6.1.5.5.7.48.1.1';

/**
 * What an OCSP response (RFC 6960 4.2.1) adds to frame.protocols after its own ocsp: a basic
 * response is handed to ocsp again (by its OID), then its responder's name (x509sat per attribute,
 * when given by name) and the certificates it carries, as x509Protocols names them.
 */
export function ocspResponseProtocols(body: Uint8Array): string[] {
  const out: string[] = [];
  const top = element(body, 0, body.length);
  if (top === undefined || top.tag !== 0x30) return out;
  const bytes = children(body, top).find((e) => e.tag === 0xa0);
  const wrapped = bytes === undefined ? undefined : children(body, bytes)[0];
  const parts = wrapped?.tag === 0x30 ? children(body, wrapped) : [];
  if (parts.length < 2 || oid(body, parts[0]!) !== OCSP_BASIC || parts[1]!.tag !== 0x04) return out;
  out.push('ocsp');
  const basic = element(body, parts[1]!.start, parts[1]!.end);
  if (basic?.tag !== 0x30) return out;
  const fields = children(body, basic);
  const data = fields[0]?.tag === 0x30 ? children(body, fields[0]) : [];
  // tbsResponseData: [0] version (optional), then responderID: [1] byName or [2] byKey.
  const responder = data[0]?.tag === 0xa0 ? data[1] : data[0];
  if (responder?.tag === 0xa1) {
    const name = children(body, responder)[0];
    if (name !== undefined) nameProtocols(body, name, out);
  }
  const certs = fields.find((e) => e.tag === 0xa0);
  const list = certs === undefined ? undefined : children(body, certs)[0];
  if (list?.tag === 0x30) for (const cert of children(body, list)) out.push(...x509Protocols(body.subarray(cert.at, cert.end)));
  return out;
}

