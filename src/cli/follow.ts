// `wirekit follow`: one TCP connection's bytes in the order they were sent, as
// `tshark -q -z follow,tcp,FORMAT,N` prints them. The reassembler is set up as tshark's follow
// behaves: a segment that continues the stream is shown whole, held segments are trimmed against
// what was shown (overlap policy `tshark`), zero-window probes are
// data, a hole is reported ("[N bytes missing in capture file]", NUL-terminated, as tshark writes
// it) once the receiver acknowledges past it (not what a snaplen cut off), and segments still waiting behind a hole when the
// capture ends are not shown.
import { TcpReassembler, type TcpConnection } from 'wirekit';
import { parseArgs, UsageError } from './args.js';
import { openCapture } from './capture-input.js';
import { BufferedOutput, OutputClosed } from './output.js';
import { StreamNumbers } from './stream-numbers.js';

export const FOLLOW_HELP = `Usage: wirekit follow [FILE|-] --stream N [--format raw|ascii|hex]

Prints the payload of TCP connection N of a pcap or pcapng capture (FILE, standard input for -, or
with no FILE the embedded sample capture),
both directions in the order it was sent, exactly as 'tshark -q -z follow,tcp,FORMAT,N -r FILE'.
N is tshark's tcp.stream number (see 'wirekit flows'). Node 0 sent the connection's first packet;
node 1's lines are indented by a tab.

  --stream N     the connection (required)
  --format raw   one line of hex per chunk (the default)
  --format ascii each chunk's length, then its bytes (non-printable ones as '.')
  --format hex   a hex dump of each chunk with offsets per direction
`;

const FORMATS = ['raw', 'ascii', 'hex'] as const;
type Format = (typeof FORMATS)[number];

const RULE = '='.repeat(67);
const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

interface Chunk {
  node: 0 | 1;
  data: Uint8Array;
}

/** tshark's stand-in for bytes a receiver acknowledged that the capture does not hold. */
function missing(size: number): Uint8Array {
  const text = `[${size} bytes missing in capture file]`;
  const out = new Uint8Array(text.length + 1);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
  return out;
}

function rawLine(c: Chunk): string {
  let s = c.node === 1 ? '\t' : '';
  for (let i = 0; i < c.data.length; i++) s += HEX[c.data[i]!];
  return `${s}\n`;
}

function asciiLines(c: Chunk): string {
  let s = `${c.node === 1 ? '\t' : ''}${c.data.length}\n`;
  for (let i = 0; i < c.data.length; i++) {
    const b = c.data[i]!;
    s += (b >= 0x20 && b < 0x7f) || b === 0x0a || b === 0x0d ? String.fromCharCode(b) : '.';
  }
  return `${s}\n`;
}

function hexLines(c: Chunk, start: number): string {
  const indent = c.node === 1 ? '\t' : '';
  let s = '';
  const d = c.data;
  for (let at = 0; at < d.length; at += 16) {
    let hex = '';
    let text = '';
    for (let i = 0; i < 16; i++) {
      if (i === 8) hex += ' ';
      if (at + i < d.length) {
        const b = d[at + i]!;
        hex += `${HEX[b]} `;
        text += b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.';
        if (i === 7) text += ' ';
      } else {
        hex += '   ';
      }
    }
    const line = `${indent}${(start + at).toString(16).toUpperCase().padStart(8, '0')}  ${hex} ${text}`;
    // The text column has a space after its eighth byte, and tshark drops one trailing space from
    // each line (the data's own, or that one): measured on tshark 4.0's output.
    s += `${line.endsWith(' ') ? line.slice(0, -1) : line}\n`;
  }
  return s;
}


/** Runs `wirekit follow`; resolves to the exit code. */
export async function followCommand(argv: readonly string[]): Promise<number> {
  const { options, positionals } = parseArgs(argv, ['stream', 'format'], ['help', 'h']);
  if (options.has('help') || options.has('h')) {
    process.stdout.write(FOLLOW_HELP);
    return 0;
  }
  const streamText = options.get('stream');
  if (streamText === undefined) throw new UsageError('follow needs --stream N');
  if (typeof streamText !== 'string' || !/^\d+$/.test(streamText)) throw new UsageError(`--stream needs a connection number, got '${String(streamText)}'`);
  const stream = Number(streamText);
  const format = (options.get('format') ?? 'raw') as Format;
  if (!FORMATS.includes(format)) throw new UsageError(`unknown --format '${String(format)}' (expected ${FORMATS.join(', ')})`);
  if (positionals.length > 1) throw new UsageError('follow takes at most one FILE');

  const input = openCapture(positionals[0]);
  const chunks: Chunk[] = [];
  let conn: TcpConnection | undefined;
  const numbers = new StreamNumbers();
  const r = new TcpReassembler(
    {
      onConnection(c) {
        if (numbers.connection(c) === stream) conn = c;
      },
      onData(c, direction, data) {
        // Copied: the reader may reuse the buffer a view points into.
        if (c === conn && data.length > 0) chunks.push({ node: direction, data: data.slice() });
      },
      onGap(c, direction, size, reason) {
        // tshark shows what a snaplen-cut segment holds and goes on, with no stand-in for the rest.
        if (c === conn && reason !== 'closed' && reason !== 'truncated') chunks.push({ node: direction, data: missing(size) });
      },
    },
    { overlap: 'tshark', zeroWindowProbes: 'deliver', maxBufferedPerFlow: Infinity, maxFlows: Number.MAX_SAFE_INTEGER },
  );
  await numbers.feed(input, r);
  // No r.end(): tshark never shows segments still waiting behind a hole when the capture ends.
  // A number only a quoted header took: tshark follows it as an empty stream with no nodes.
  const quotedOnly = conn === undefined && numbers.isQuotedOnly(stream);
  if (conn === undefined && !quotedOnly) {
    // tshark prints an empty follow ("Node 0: :0") and succeeds: so does this, and says why on stderr.
    const n = numbers.count;
    process.stderr.write(`wirekit: ${input.name}: no TCP stream ${stream} (the capture has ${n === 0 ? 'none' : n === 1 ? 'stream 0 only' : `streams 0 to ${n - 1}`})\n`);
  }

  const out = new BufferedOutput();
  out.write(`\n${RULE}\nFollow: tcp,${format}\nFilter: tcp.stream eq ${stream}\nNode 0: ${conn?.endpoint(0) ?? ':0'}\nNode 1: ${conn?.endpoint(1) ?? ':0'}\n`);
  const offsets = [0, 0];
  try {
    for (const c of chunks) {
      let text: string;
      if (format === 'raw') text = rawLine(c);
      else if (format === 'ascii') text = asciiLines(c);
      else {
        text = hexLines(c, offsets[c.node]!);
        offsets[c.node]! += c.data.length;
      }
      const wait = out.write(text);
      if (wait !== undefined) await wait;
    }
    out.write(`${RULE}\n`);
    await out.end();
  } catch (error) {
    if (!(error instanceof OutputClosed)) throw error;
  }
  return 0;
}
