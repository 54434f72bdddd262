// `wirekit flows`: one line per TCP connection of a capture, numbered as tshark's tcp.stream, with
// the state it was left in, its duration, frames and bytes each way, payload and retransmissions.
import { TcpReassembler, type TcpConnection } from 'wirekit';
import { parseArgs, UsageError } from './args.js';
import { openCapture } from './capture-input.js';
import { BufferedOutput, OutputClosed } from './output.js';
import { StreamNumbers } from './stream-numbers.js';
import { formatRelative } from './summary.js';
import { formatTable, type Column } from './table.js';

export const FLOWS_HELP = `Usage: wirekit flows [--json] [FILE|-]

Lists the TCP connections of a pcap or pcapng capture (FILE, standard input for -, or with no FILE
the embedded sample capture), one line each:
  Stream      tshark's tcp.stream number (use it with 'wirekit follow FILE --stream N')
  Node 0/1    the endpoints; node 0 sent the connection's first packet
  State       syn-sent, syn-received, established, half-closed, closing, closed or reset
              (the state the capture left it in, as seen from the wire; * when picked up mid-way)
  Duration    seconds from its first packet to its last
  Frames, Bytes  frames and frame bytes each way (as 'tshark -z conv,tcp' counts them)
  Payload     TCP payload bytes each way, reassembled (retransmissions counted once)
  Retrans     segments that carried only bytes seen before
  RTT         handshake round trip (SYN to the ACK of the SYN-ACK) in milliseconds, when seen

  --json      one JSON object per connection instead (NDJSON)
`;

const COLUMNS: Column[] = [
  { title: 'Stream', align: 'right' },
  { title: 'Node 0', align: 'left' },
  { title: 'Node 1', align: 'left' },
  { title: 'State', align: 'left' },
  { title: 'Duration', align: 'right' },
  { title: 'Frames 0→1', align: 'right' },
  { title: 'Bytes 0→1', align: 'right' },
  { title: 'Frames 1→0', align: 'right' },
  { title: 'Bytes 1→0', align: 'right' },
  { title: 'Payload 0→1', align: 'right' },
  { title: 'Payload 1→0', align: 'right' },
  { title: 'Retrans', align: 'right' },
  { title: 'RTT ms', align: 'right' },
];

function row(c: TcpConnection, stream: number): string[] {
  const [d0, d1] = c.directions;
  const rtt = c.rtt;
  return [
    String(stream),
    c.endpoint(0),
    c.endpoint(1),
    c.state + (c.midstream ? '*' : ''),
    formatRelative(c.lastTimestamp - c.firstTimestamp, 6),
    String(c.frames[0]),
    String(c.frameBytes[0]),
    String(c.frames[1]),
    String(c.frameBytes[1]),
    String(d0.stats.bytes),
    String(d1.stats.bytes),
    String(c.retransmissions),
    rtt === undefined ? '-' : (rtt / 1e6).toFixed(3),
  ];
}

function json(c: TcpConnection, stream: number): string {
  const [d0, d1] = c.directions;
  return JSON.stringify({
    'tcp.stream': stream,
    nodes: [c.endpoint(0), c.endpoint(1)],
    state: c.state,
    midstream: c.midstream,
    client: c.client ?? null,
    start: c.firstTimestamp.toString(),
    duration: formatRelative(c.lastTimestamp - c.firstTimestamp, 9),
    rtt: c.rtt === undefined ? null : c.rtt / 1e9,
    frames: c.frames,
    bytes: c.frameBytes,
    payload: [d0.stats.bytes, d1.stats.bytes],
    directions: [d0.stats, d1.stats],
  });
}

/** Runs `wirekit flows`; resolves to the exit code. */
export async function flowsCommand(argv: readonly string[]): Promise<number> {
  const { options, positionals } = parseArgs(argv, [], ['json', 'help', 'h']);
  if (options.has('help') || options.has('h')) {
    process.stdout.write(FLOWS_HELP);
    return 0;
  }
  if (positionals.length > 1) throw new UsageError('flows takes at most one FILE');
  const input = openCapture(positionals[0]);
  const connections: TcpConnection[] = [];
  // No caps that would change the numbering: tshark keeps every connection.
  const numbers = new StreamNumbers();
  const r = new TcpReassembler(
    {
      onConnection: (c) => {
        numbers.connection(c);
        connections.push(c);
      },
    },
    { maxFlows: Number.MAX_SAFE_INTEGER, zeroWindowProbes: 'deliver' },
  );
  await numbers.feed(input, r);
  r.end();
  const out = new BufferedOutput();
  try {
    if (options.has('json')) {
      for (const c of connections) out.write(`${json(c, numbers.of(c))}\n`);
    } else {
      out.write(connections.length === 0 ? 'No TCP connections.\n' : formatTable(COLUMNS, connections.map((c) => row(c, numbers.of(c)))));
    }
    await out.end();
  } catch (error) {
    if (!(error instanceof OutputClosed)) throw error;
  }
  return 0;
}
