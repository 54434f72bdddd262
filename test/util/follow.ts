// Parsing tshark 4.0's `-z follow,tcp,MODE,N` output (ui/cli/tap-follow.c) for tests.
//
// Every mode prints the same frame: an empty line, a line of 67 '=', `Follow: tcp,MODE`,
// `Filter: tcp.stream eq N`, `Node 0: ADDR:PORT`, `Node 1: ADDR:PORT` (IPv6 addresses in
// brackets), the chunks, and the 67 '=' again, each line ending in "\n". Node 0 is the source of
// the first packet of the stream, whatever its flags or length. A chunk is the new bytes of one
// segment (or of one stored out-of-order segment released later, or tshark's placeholder for bytes
// missing from the capture); chunks come in the order tshark released them and are never merged.
// Node 1's chunks are marked by a leading tab:
//   raw    one line per chunk: lowercase hex of its bytes
//   ascii  a line with the chunk's length, then the bytes with every byte other than \r, \n and
//          printable ASCII (0x20-0x7e) shown as '.', then "\n"
//   hex    xxd-like lines of 16 bytes: an 8-digit uppercase offset counted per node across chunks,
//          two spaces, the hex bytes ("xx " each, one more space after the 8th) padded to 49
//          columns, a space, the ASCII (non-printables as '.', one more space after the 8th);
//          a chunk always starts a new line. tshark then drops one trailing space from the ASCII
//          (meant for the separator after byte 8), so a line whose last byte is 0x20 loses that
//          space too
import { readdirSync, readFileSync } from 'node:fs';

export const SEPARATOR = '='.repeat(67);

export type FollowMode = 'raw' | 'ascii' | 'hex';

export interface FollowChunk {
  /** 0 or 1: the `Node` line this chunk's bytes came from. */
  node: 0 | 1;
  data: Uint8Array;
}

export interface FollowOutput {
  mode: string;
  /** The N of `Filter: tcp.stream eq N`. */
  stream: number;
  /** `ADDR:PORT` or `[ADDR]:PORT` of node 0 and node 1. */
  nodes: [string, string];
  /** The chunk lines; for hex, one entry per line (chunk boundaries cannot always be told apart). */
  chunks: FollowChunk[];
}

const hexBytes = (hex: string) => new Uint8Array(Buffer.from(hex, 'hex'));

/** The header lines, checked; returns the header and the body lines (without the closing separator). */
function frame(text: string, mode: FollowMode): { stream: number; nodes: [string, string]; body: string } {
  const head = /^\n={67}\nFollow: tcp,(\w+)\nFilter: tcp\.stream eq (\d+)\nNode 0: (\S*)\nNode 1: (\S*)\n/.exec(text);
  if (head === null) throw new Error('not tshark follow output: bad header');
  if (head[1] !== mode) throw new Error(`follow output is in ${head[1]} mode, not ${mode}`);
  if (!text.endsWith(`${SEPARATOR}\n`)) throw new Error('follow output does not end with the separator line');
  return { stream: Number(head[2]), nodes: [head[3]!, head[4]!], body: text.slice(head[0].length, text.length - SEPARATOR.length - 1) };
}

/** `tshark -q -z follow,tcp,raw,N` output. */
export function parseFollowRaw(text: string): FollowOutput {
  const { stream, nodes, body } = frame(text, 'raw');
  const chunks = (body === '' ? [] : body.replace(/\n$/, '').split('\n')).map((line, i) => {
    const m = /^(\t?)((?:[0-9a-f]{2})+)$/.exec(line);
    if (m === null) throw new Error(`raw chunk line ${i + 1} is not hex: ${line.slice(0, 40)}`);
    return { node: (m[1] === '\t' ? 1 : 0) as 0 | 1, data: hexBytes(m[2]!) };
  });
  return { mode: 'raw', stream, nodes, chunks };
}

/** What tshark's ascii mode prints for bytes: \r, \n and printable ASCII as they are, others as '.'. */
export function asciiOf(data: Uint8Array): string {
  let s = '';
  for (const b of data) s += b === 0x0d || b === 0x0a || (b >= 0x20 && b < 0x7f) ? String.fromCharCode(b) : '.';
  return s;
}

/**
 * `tshark -q -z follow,tcp,ascii,N` output. The text may hold newlines, so each chunk is read by its
 * length line; `data` holds the printed characters (bytes other than \r, \n and printable ASCII
 * are '.' there).
 */
export function parseFollowAscii(text: string): FollowOutput {
  const { stream, nodes, body } = frame(text, 'ascii');
  const chunks: FollowChunk[] = [];
  for (let at = 0; at < body.length; ) {
    const m = /^(\t?)(\d+)\n/.exec(body.slice(at, at + 16));
    if (m === null) throw new Error(`ascii chunk at character ${at} has no length line`);
    const start = at + m[0].length;
    const length = Number(m[2]);
    if (body[start + length] !== '\n') throw new Error(`ascii chunk at character ${at} is not ${length} characters and a newline`);
    chunks.push({ node: m[1] === '\t' ? 1 : 0, data: new Uint8Array(Buffer.from(body.slice(start, start + length), 'latin1')) });
    at = start + length + 1;
  }
  return { mode: 'ascii', stream, nodes, chunks };
}

/** One line of hex mode: [tab] OFFSET, two spaces, 16 hex bytes (an extra space after 8), two spaces, ASCII (a space after 8). */
export interface HexLine {
  node: 0 | 1;
  offset: number;
  data: Uint8Array;
  ascii: string;
}

/** `tshark -q -z follow,tcp,hex,N` output, line by line. */
export function parseFollowHex(text: string): FollowOutput & { lines: HexLine[] } {
  const { stream, nodes, body } = frame(text, 'hex');
  const lines = (body === '' ? [] : body.replace(/\n$/, '').split('\n')).map((line, i) => {
    // Fixed columns: offset 0-7, hex 10-58 (padded with spaces on a chunk's last line), ASCII from 60.
    const m = /^(\t?)([0-9A-F]{8})  ([0-9a-f ]{49}) (.{1,17})$/.exec(line);
    const hex = m === null ? '' : m[3]!.trim();
    if (m === null || !/^(?:[0-9a-f]{2} ){0,7}[0-9a-f]{2}(?:  (?:[0-9a-f]{2} ){0,7}[0-9a-f]{2})?$/.test(hex)) {
      throw new Error(`hex line ${i + 1} is malformed: ${line}`);
    }
    return { node: (m[1] === '\t' ? 1 : 0) as 0 | 1, offset: parseInt(m[2]!, 16), data: hexBytes(hex.replace(/ /g, '')), ascii: m[4]! };
  });
  return { mode: 'hex', stream, nodes, chunks: lines.map(({ node, data }) => ({ node, data })), lines };
}

/** Parses follow output of any mode. */
export function parseFollow(text: string, mode: FollowMode): FollowOutput {
  return mode === 'raw' ? parseFollowRaw(text) : mode === 'ascii' ? parseFollowAscii(text) : parseFollowHex(text);
}

/** Writes raw mode back: parseFollowRaw and this are inverses on tshark's output. */
export function formatFollowRaw(out: FollowOutput): string {
  const chunks = out.chunks.map((c) => `${c.node === 1 ? '\t' : ''}${Buffer.from(c.data).toString('hex')}\n`).join('');
  return `\n${SEPARATOR}\nFollow: tcp,raw\nFilter: tcp.stream eq ${out.stream}\nNode 0: ${out.nodes[0]}\nNode 1: ${out.nodes[1]}\n${chunks}${SEPARATOR}\n`;
}

/** The bytes of each node, chunks concatenated in order: [node 0, node 1]. */
export function bytesByNode(chunks: readonly FollowChunk[]): [Uint8Array, Uint8Array] {
  const parts: [Buffer[], Buffer[]] = [[], []];
  for (const c of chunks) parts[c.node].push(Buffer.from(c.data));
  return [new Uint8Array(Buffer.concat(parts[0])), new Uint8Array(Buffer.concat(parts[1]))];
}

/** A follow fixture file: CAPTURE.follow-MODE.STREAM.txt. */
export interface FollowFixture {
  capture: string;
  mode: FollowMode;
  stream: number;
  file: string;
}

/** Every follow fixture in dir, by capture, mode and stream. */
export function followFixtures(dir: string): FollowFixture[] {
  return readdirSync(dir)
    .flatMap((file) => {
      const m = /^(.+\.pcap(?:ng)?)\.follow-(raw|ascii|hex)\.(\d+)\.txt$/.exec(file);
      return m === null ? [] : [{ capture: m[1]!, mode: m[2] as FollowMode, stream: Number(m[3]), file }];
    })
    .sort((a, b) => a.capture.localeCompare(b.capture) || a.mode.localeCompare(b.mode) || a.stream - b.stream);
}

/** Reads and parses one fixture. */
export function readFollowFixture(dir: string, f: FollowFixture): FollowOutput {
  return parseFollow(readFileSync(`${dir}${f.file}`, 'utf8'), f.mode);
}
