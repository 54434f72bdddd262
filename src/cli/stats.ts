// `wirekit stats`: what a capture holds, in two views: the protocol hierarchy and the conversations.
import { decodePacket, LINKTYPE_ERF_RECORD, type CaptureRecord, type Packet } from 'wirekit';
import { AppLayer } from './app-layer.js';
import { parseArgs, UsageError } from './args.js';
import { isSync, openCapture } from './capture-input.js';
import { DefragView } from './defrag-view.js';
import { CliError, isWireError } from './errors.js';
import { BufferedOutput, OutputClosed } from './output.js';
import { Progress } from './progress.js';
import { Conversations } from './stats-conversations.js';
import { ProtocolHierarchy } from './stats-hierarchy.js';
import { formatRelative, shownLength, SummaryFormatter } from './summary.js';
import { rawCarrier, tcpPayloadIsData } from './frame-protocols.js';

export const STATS_HELP = `Usage: wirekit stats [-c N] [FILE|-]

Summarises a pcap or pcapng capture (FILE, or standard input for -; the embedded sample without FILE):
  - the protocol hierarchy: packets and bytes for each layer path, indented like 'tshark -z io,phs',
    with HTTP, TLS, WebSocket, HTTP/2 and DNS over TCP reassembled as 'wirekit decode' reads them
    (their bodies under the media dissector tshark names, 'tcp.segments' where a PDU was put
    together from several segments); 'data' counts packets with payload no wirekit protocol decodes;
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
  /** The application layer and TCP analysis decode runs, so the tree has the same PDUs as its lines. */
  readonly #app = new AppLayer();
  readonly #summary = new SummaryFormatter();
  packets = 0;
  bytes = 0;
  first: bigint | undefined;
  last = 0n;

  /** The file's reader: an ERF file's frames are under tshark's erf pseudo-protocol in the tree. */
  readonly #reader: { readonly format: string | undefined };

  constructor(progress: Progress, reader: { readonly format: string | undefined }) {
    this.#progress = progress;
    this.#reader = reader;
  }

  add(record: CaptureRecord): void {
    this.packets++;
    const length = shownLength(record);
    this.bytes += length;
    this.#progress.tick(this.packets, this.bytes);
    // A pcapng Custom Block: a frame of data to tshark, with no time and nothing above it.
    if (record.custom !== undefined) {
      // (One with no bytes after its PEN is no frame of data to tshark: in no node of its tree.)
      if (length > 0) this.hierarchy.addData(length);
      return;
    }
    this.first ??= record.timestamp;
    const time = record.timestamp - this.first;
    if (time > this.last) this.last = time;
    // Reassembled as decode and tshark do: a fragment counts as IP data, the frame completing a
    // datagram under the datagram's upper layers.
    const app = this.#app;
    const decoded = app.pushRecord(record, { linkType: record.linkType, checksums: false });
    let packet = this.#defrag.view(decoded ?? decodePacket(record.data, { linkType: record.linkType, checksums: false }), record, this.packets);
    if (app.columns.dnsOverTcp) packet = packet.upTo('tcp');
    // The summary's pass: TCP analysis, and no application layer for a retransmission.
    const line = this.#summary.line(this.packets, record, packet, 0, app.columns);
    const analysis = this.#summary.lastTcp?.analysis ?? 0;
    this.hierarchy.add(
      packet,
      length,
      record.comment !== undefined,
      { nodes: app.columns.nodes, data: tcpPayloadIsData(analysis, app.columns) },
      line.endsWith('[Malformed Packet]'),
      this.#carriers(record, packet),
    );
    this.conversations.add(packet, length, time);
  }

  /** The pseudo-protocols above the link layer in tshark's tree: erf or nettl for their files' records, raw for raw IP. */
  #carriers(record: CaptureRecord, packet: Packet): string[] {
    const out: string[] = [];
    if (this.#reader.format === 'erf' && record.linkType !== LINKTYPE_ERF_RECORD) out.push('erf');
    else if (record.nettl !== undefined) out.push('nettl');
    const raw = rawCarrier(packet, record.linkType);
    if (raw !== undefined) out.push(raw);
    return out;
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
  const input = openCapture(positionals[0], { customBlocks: true });
  const progress = new Progress(input.size);
  const run = new StatsRun(progress, input.reader);
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
