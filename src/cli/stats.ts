// `wirekit stats`: what a capture holds, in two views: the protocol hierarchy and the conversations.
import { decodePacket, type CaptureRecord } from 'wirekit';
import { parseArgs, UsageError } from './args.js';
import { isSync, openCapture } from './capture-input.js';
import { DefragView } from './defrag-view.js';
import { CliError, isWireError } from './errors.js';
import { BufferedOutput, OutputClosed } from './output.js';
import { Progress } from './progress.js';
import { Conversations } from './stats-conversations.js';
import { ProtocolHierarchy } from './stats-hierarchy.js';
import { formatRelative } from './summary.js';

export const STATS_HELP = `Usage: wirekit stats [-c N] [FILE|-]

Summarises a pcap or pcapng capture (FILE, or standard input for -; the embedded sample without FILE):
  - the protocol hierarchy: packets and bytes for each layer path, indented like 'tshark -z io,phs'
    ('data' counts packets with payload no wirekit protocol decodes);
  - conversations between IP addresses, and between TCP or UDP endpoints (5-tuples): packets and
    bytes each way, start (seconds after the first packet) and duration. Address A is the source
    of the conversation's first packet. Bytes are frame lengths.

  -c N    read only the first N packets
`;

class StatsRun {
  readonly hierarchy = new ProtocolHierarchy();
  readonly conversations = new Conversations();
  readonly #progress: Progress;
  readonly #defrag = new DefragView();
  packets = 0;
  bytes = 0;
  first: bigint | undefined;
  last = 0n;

  constructor(progress: Progress) {
    this.#progress = progress;
  }

  add(record: CaptureRecord): void {
    this.packets++;
    this.bytes += record.originalLength;
    this.#progress.tick(this.packets, this.bytes);
    this.first ??= record.timestamp;
    const time = record.timestamp - this.first;
    if (time > this.last) this.last = time;
    // Reassembled as decode and tshark do: a fragment counts as IP data, the frame completing a
    // datagram under the datagram's upper layers.
    const packet = this.#defrag.view(decodePacket(record.data, { linkType: record.linkType, checksums: false }), record, this.packets);
    this.hierarchy.add(packet, record.originalLength, record.comment !== undefined);
    this.conversations.add(packet, record.originalLength, time);
  }
}

/** Runs `wirekit stats`; resolves to the exit code. */
export async function statsCommand(argv: readonly string[]): Promise<number> {
  const { options, positionals } = parseArgs(argv, ['c'], ['help', 'h']);
  if (options.has('help') || options.has('h')) {
    process.stdout.write(STATS_HELP);
    return 0;
  }
  const countText = options.get('c');
  if (countText !== undefined && (typeof countText !== 'string' || !/^[1-9]\d*$/.test(countText))) {
    throw new UsageError(`-c needs a positive packet count, got '${String(countText)}'`);
  }
  const count = countText === undefined ? Infinity : Number(countText);
  if (positionals.length > 1) throw new UsageError('stats takes at most one FILE');
  const input = openCapture(positionals[0]);
  const progress = new Progress(input.size);
  const run = new StatsRun(progress);
  try {
    if (isSync(input.records)) {
      for (const record of input.records) {
        if (run.packets >= count) break;
        run.add(record);
      }
    } else {
      for await (const record of input.records) {
        if (run.packets >= count) break;
        run.add(record);
      }
    }
  } catch (error) {
    if (isWireError(error)) throw new CliError(`${input.name}: ${error.message}`);
    throw error;
  } finally {
    progress.done();
  }
  const out = new BufferedOutput();
  const rule = '='.repeat(80);
  out.write(`${rule}\nCapture: ${input.name}\n`);
  out.write(`Packets: ${run.packets}  Bytes: ${run.bytes}  Duration: ${formatRelative(run.last, 6)} s\n\n`);
  out.write(`Protocol hierarchy\n${run.hierarchy.format()}\n`);
  out.write(`${run.conversations.format()}${rule}\n`);
  try {
    await out.end();
  } catch (error) {
    if (!(error instanceof OutputClosed)) throw error;
  }
  return 0;
}
