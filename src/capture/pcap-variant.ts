// Old pcap variants whose record headers are longer than the standard 16 bytes, and the way to tell
// them apart. Two share the standard magic (Red Hat 6.1's ss990417 patch: 24 bytes; Nokia IPSO's
// tcpdump: 20), two the "modified" magic a1b2cd34 (ss991029: 24; SuSE 6.3's ss990915: 28). The file
// header says nothing more, so, as Wireshark does (wiretap/libpcap.c), each candidate layout is
// tried on the first records, looking for what would be implausible in it (see tellPcapVariant).
//
// No imports from unit-parser.ts: isStandardPcap there calls this module.

/**
 * A pcap record layout, named as editcap's `-F` and capinfos name it: `pcap` (16-byte record
 * headers), `rh6_1pcap` (Red Hat 6.1, Wireshark's ss990417: 24), `nokiapcap` (Nokia: 20),
 * `modpcap` (Wireshark's ss991029: 24), `suse6_3pcap` (SuSE 6.3, ss990915: 28).
 */
export type PcapVariant = 'pcap' | 'rh6_1pcap' | 'nokiapcap' | 'modpcap' | 'suse6_3pcap';

/**
 * Record header bytes of each variant: the standard 16 (seconds, fraction, captured and original
 * length), then ss990417/ss991029: interface index (4), protocol (2), packet type (1), padding (1);
 * ss990915: the same, then two CPU bytes and 3 of padding; Nokia: 4 bytes of its own.
 */
export const PCAP_VARIANT_RECORD_HEADER: Readonly<Record<PcapVariant, number>> = Object.freeze({
  pcap: 16,
  rh6_1pcap: 24,
  nokiapcap: 20,
  modpcap: 24,
  suse6_3pcap: 28,
});

export function isPcapVariant(value: unknown): value is PcapVariant {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(PCAP_VARIANT_RECORD_HEADER, value);
}

/** Candidates in the order Wireshark tries them: the standard layout first for the standard magic. */
const STANDARD_MAGIC: readonly PcapVariant[] = ['pcap', 'rh6_1pcap', 'nokiapcap'];
const MODIFIED_MAGIC: readonly PcapVariant[] = ['modpcap', 'suse6_3pcap'];

/** Records of each candidate scored: Wireshark's MAX_RECORDS_TO_TRY. */
export const PCAP_VARIANT_RECORDS = 3;
/**
 * A captured length above this, whatever the snaplen says, is implausible and ends a candidate's
 * chain: wiretap's largest snaplen for ordinary link types. It also bounds the lookahead: no more
 * than 3 * (28 + 262144) bytes past the file header are ever needed to decide.
 */
const MAX_PLAUSIBLE_CAPTURED = 262144;
/** An original length above this is implausible (wiretap's figure: any packet of 128 MB is damage). */
const MAX_PLAUSIBLE_ORIGINAL = 128 * 1024 * 1024;
/**
 * Seconds the first records of one capture may lie apart. Not in Wireshark: a header read at the
 * wrong place takes its seconds from a fraction, a length or packet bytes, which almost never land
 * within a year of the first record's time; real captures whose first three packets are a year
 * apart are not met. Seconds of 0 (no time: pcapng's simple packets written as pcap) are let be.
 */
const MAX_PLAUSIBLE_SPREAD = 366 * 24 * 3600;

/** What the detector needs of the file header. */
export interface PcapLayoutInfo {
  little: boolean;
  /** The modified magic a1b2cd34. */
  modified: boolean;
  snaplen: number;
}

/** The variant of a file with this magic when no record says otherwise (0 records: Wireshark's choice). */
export function defaultPcapVariant(modified: boolean): PcapVariant {
  return modified ? 'modpcap' : 'pcap';
}

/** What `plausibleRun` returns for a candidate with nothing implausible in the records it read. */
const PLAUSIBLE = Number.MAX_SAFE_INTEGER;

/**
 * The record layout of a micro-second pcap file from the records at `bytes[at]` (the first one, right
 * after the file header): `available` bytes are there, and `ended` says the file ends after them.
 * Returns the variant, or, when the bytes do not yet decide it and more may come, the number of
 * bytes (from `at`, more than `available`) to call again with. With `ended`, it always decides.
 *
 * The first candidate (in Wireshark's order) with nothing implausible in its first 3 records (or in
 * all of them, to the end of the file) wins, as in Wireshark. When none is, Wireshark takes the one
 * with the fewest implausible things; here the one that stays plausible longest wins (the most
 * records before the first implausible one), the earlier candidate on ties. The two agree on intact
 * files; on damaged ones Wireshark may pick a layout that reads even the records before the damage
 * wrong (a modpcap file with a wild length in its second record reads as SuSE 6.3 with garbage for
 * its first), where this reads them as they are and reports the damage.
 */
export function tellPcapVariant(view: DataView, at: number, available: number, ended: boolean, info: PcapLayoutInfo): PcapVariant | number {
  const candidates = info.modified ? MODIFIED_MAGIC : STANDARD_MAGIC;
  let best = candidates[0]!;
  let bestRun = -1;
  for (const variant of candidates) {
    const run = plausibleRun(view, at, available, ended, info, variant);
    if ((globalThis as any).__dbg) console.log('VARIANT', variant, run);
    if (run < 0) return -run;
    if (run === PLAUSIBLE) return variant;
    if (run > bestRun) {
      best = variant;
      bestRun = run;
    }
  }
  return best;
}

/**
 * How many of the first records read plausibly as `variant` before one does not (PLAUSIBLE: all
 * that were read), or minus the bytes needed to say. Implausible: a fraction of a second of a
 * million or more; a captured length above the snaplen, above wiretap's 262144, above the original
 * length; an original length above 128 MiB; seconds more than a year from the first record's (0
 * aside); the modified layouts' interface index above 10000, protocol not an Ethertype or Linux
 * ETH_P_ value, packet type above 4; data cut by the end of the file. The chain ends, plausibly, after 3 records,
 * at the end of the file exactly between records, or inside a header whose bytes there are
 * plausible (unlike Wireshark, which counts that against the layout: a standard file cut 8 bytes
 * into its second record would otherwise read as a one-record Red Hat 6.1 file).
 */
function plausibleRun(view: DataView, at: number, available: number, ended: boolean, info: PcapLayoutInfo, variant: PcapVariant): number {
  const head = PCAP_VARIANT_RECORD_HEADER[variant];
  const little = info.little;
  const modified = variant === 'rh6_1pcap' || variant === 'modpcap' || variant === 'suse6_3pcap';
  let p = 0;
  // The first record's seconds that are not 0 (0: no time, as pcapng's simple packets have).
  let seconds = 0;
  for (let i = 0; i < PCAP_VARIANT_RECORDS; i++) {
    const left = available - p;
    if (left < head && !ended) return -(p + head);
    // The file ends inside this header (or right before it: nothing to doubt).
    if (left < head) return plausibleHeader(view, at + p, left, seconds, modified, info) ? PLAUSIBLE : i;
    if (!plausibleHeader(view, at + p, head, seconds, modified, info)) return i;
    if (seconds === 0) seconds = view.getUint32(at + p, little);
    // Nokia's 4 bytes are not checked: what is known of them (Wireshark 4.2+ looks for 0xXfbfYZ0W)
    // is not what editcap writes (zeros), and tshark 4.0 reads editcap's files as Nokia.
    const next = p + head + view.getUint32(at + p + 8, little);
    if (available < next) {
      if (!ended) return -next;
      return i;
    }
    p = next;
  }
  return PLAUSIBLE;
}

/**
 * Whether the first `length` bytes of a record header at `bytes[r]` are plausible (the fields they
 * hold whole); `seconds`: the first records' time to compare with (0: none yet).
 */
function plausibleHeader(view: DataView, r: number, length: number, seconds: number, modified: boolean, info: PcapLayoutInfo): boolean {
  const little = info.little;
  const own = length >= 4 ? view.getUint32(r, little) : 0;
  if (own !== 0 && seconds !== 0 && Math.abs(own - seconds) > MAX_PLAUSIBLE_SPREAD) return false;
  if (length >= 8 && view.getUint32(r + 4, little) >= 1_000_000) return false;
  const captured = length >= 12 ? view.getUint32(r + 8, little) : 0;
  if (captured > MAX_PLAUSIBLE_CAPTURED || captured > info.snaplen) return false;
  if (length >= 16) {
    const original = view.getUint32(r + 12, little);
    if (captured > original || original > MAX_PLAUSIBLE_ORIGINAL) return false;
  }
  if (!modified) return true;
  if (length >= 20 && view.getUint32(r + 16, little) > 10000) return false;
  if (length >= 22 && !plausibleProtocol(view.getUint16(r + 20, little))) return false;
  return length < 23 || view.getUint8(r + 22) <= 4;
}

/**
 * The 16-bit protocol of the modified headers: an Ethertype (0x0600 and up) or one of Linux's
 * ETH_P_ values of 1999 (ETH_P_LOOP 0x0060, ETH_P_ECHO 0x0200, ETH_P_PUP 0x0400, the non-DIX
 * types 0x0001 to 0x0017), or 0 as seen in such files.
 */
function plausibleProtocol(protocol: number): boolean {
  return protocol >= 0x0600 || protocol <= 0x0017 || protocol === 0x0060 || protocol === 0x0200 || protocol === 0x0400;
}

/**
 * The variant of the pcap file whose header is at `bytes[at]`, from the records that follow to the
 * end of `view`: the end of the file unless `ended` is false, when the result is undefined if the
 * bytes there do not decide it. `little`: the file's byte order; `nano`: the nanosecond magic (no
 * variant has it: always `pcap`); `modified`: the magic a1b2cd34. A file cut inside its header gets
 * its magic's default.
 */
export function pcapVariantOf(view: DataView, at: number, little: boolean, nano: boolean, modified: boolean, ended = true): PcapVariant | undefined {
  if (nano) return 'pcap';
  const records = at + 24;
  if (view.byteLength < records) return ended ? defaultPcapVariant(modified) : undefined;
  const info: PcapLayoutInfo = { little, modified, snaplen: view.getUint32(at + 16, little) };
  const told = tellPcapVariant(view, records, view.byteLength - records, ended, info);
  return typeof told === 'number' ? undefined : told;
}
