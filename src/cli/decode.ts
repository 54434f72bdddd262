// `wirekit decode`: every packet of a capture, as tshark-style summary lines or as NDJSON.
import { decodePacket, LINKTYPE_ERF_RECORD, type CaptureRecord } from 'wirekit';
import { parseArgs, UsageError } from './args.js';
import { CliError, isWireError } from './errors.js';
import { isSync, openCapture, TimePrecision } from './capture-input.js';
import { compileFilter, FilterError, type Filter } from './filter.js';
import { ByteWriter } from './byte-writer.js';
import { FieldRecorder } from './field-recorder.js';
import { epochText, frameTimesText, writePacketJson, type FrameFields } from './json-line.js';
import { writeFastJson, type FastJsonContext } from './fast-json.js';
import { BufferedOutput, OutputClosed } from './output.js';
import { PacketView } from './packet-view.js';
import { Progress } from './progress.js';
import { customBlockLine, shownLength, SummaryFormatter } from './summary.js';
import { analysisFields } from './summary-tcp.js';
import { DefragView } from './defrag-view.js';
import { UdpStreams } from './udp-streams.js';
import { AppLayer, type DecodeAsProtocol } from './app-layer.js';
import { frameProtocols, leavesData } from './frame-protocols.js';

export const DECODE_HELP = `Usage: wirekit decode [--json] [-c N] [-Y FILTER] [-d tcp.port==N,PROTO] [FILE|-]

Decodes every packet of a pcap or pcapng capture, gzip-compressed or not (FILE, or standard
input for -), and prints one line per packet, laid out like 'tshark -r FILE': number, time since
the first packet, source, destination, protocol, length and a summary (relative TCP sequence
numbers, as tshark shows them).
With no FILE it decodes an embedded sample: a real HTTP exchange captured over loopback.

  --json         one JSON object per line (NDJSON): the fields of each packet keyed by Wireshark
                 display-filter names (ip.src, tcp.flags.syn, ...) with tshark's values, plus
                 frame.number, frame.time_epoch, frame.len, frame.cap_len, frame.interface_id,
                 frame.protocols (tshark's, e.g. eth:ethertype:ip:tcp:http:data-text-lines),
                 frame.time_delta, frame.time_relative, tshark's TCP
                 conversation fields (tcp.stream, relative tcp.seq/tcp.nxtseq/tcp.ack, scaled
                 tcp.window_size), udp.stream and _errors (a list of {code, layer, offset})
  -r FILE        the capture to read (the same as giving FILE, as tshark takes it)
  -c N           read only the first N packets (counted before -Y, as in tshark)
  -Y FILTER      show only packets matching a display filter, e.g.
                   -Y 'ip.src == 127.0.0.1 && tcp.dstport == 8080'
                   -Y 'tcp.flags.syn == 1 and not tcp.flags.ack == 1'
                   -Y 'udp || icmp'   -Y 'ip.addr == 10.0.0.0/8'   -Y 'tcp.port in {80 443}'
                 operators: == != < > <= >= (eq ne lt gt le ge), ~= (any not equal), contains,
                 matches "regex", in {...}; && || ! (and or not); parentheses. A bare name tests
                 presence (tcp, tcp.options.mss). A field with several values matches when any
                 value does; != holds when none equals (Wireshark 4 semantics).
  -d tcp.port==N,PROTO
                 Decode As, in tshark's syntax: TCP connections on port N (or a range N-M) are
                 read as PROTO, one of http2, http, tls (repeat -d for more ports)

HTTP, TLS, WebSocket, HTTP/2 and gRPC are reassembled over TCP and named as tshark names them (by
tshark's ports and heuristics, and -d), on the packet that completes each message, record or frame.
HTTP/2 is found as tshark finds it by default: the client preface on an HTTP port, or an h2c
upgrade; on other ports it needs -d tcp.port==N,http2, as tshark does.
Where it differs from tshark: other application protocols are not decoded (DNS is), so their
packets show as TCP or UDP; MAC addresses get no vendor names.
TCP sequence analysis is tshark's: [TCP Retransmission], [TCP Dup ACK 8#2], [TCP Window Update], ...
in front of the info column, tcp.analysis.* fields in --json and for -Y
(e.g. -Y 'tcp.analysis.flags && !tcp.analysis.window_update').
IP fragments are reassembled as tshark does: the frame that completes a datagram shows its upper
layers, and fragments carry ip.fragment.* / ipv6.fragment.* fields.
`;

/** The work done per packet, as methods on one object: no closure is made per packet. */
class DecodeRun {
  readonly #out: BufferedOutput;
  readonly #json: ByteWriter | undefined;
  readonly #filter: Filter | undefined;
  readonly #fields = new FieldRecorder();
  readonly #app: AppLayer;
  readonly #view: PacketView;
  readonly #summary = new SummaryFormatter();
  readonly #defrag = new DefragView();
  readonly #precision: TimePrecision;
  readonly #progress: Progress;
  readonly #frame: FrameFields = { number: 0, epoch: '', length: 0, capturedLength: 0, interfaceId: 0, protocols: '' };
  number = 0;
  #bytes = 0;
  #first: bigint | undefined;
  #previous = 0n;
  readonly #udp = new UdpStreams();
  readonly #addField = (name: string, value: number | string) => this.#fields.add(name, value);
  readonly #fast: FastJsonContext = { times: true, delta: 0n, relative: 0n, tcp: undefined, udp: this.#udp };

  /** The file's reader: an ERF file's frames are under tshark's erf pseudo-protocol. */
  readonly #reader: { readonly format: string | undefined };

  constructor(out: BufferedOutput, json: boolean, filter: Filter | undefined, precision: TimePrecision, progress: Progress, reader: { readonly format: string | undefined }, decodeAs?: ReadonlyMap<number, DecodeAsProtocol>) {
    this.#reader = reader;
    this.#app = new AppLayer(decodeAs);
    this.#view = new PacketView(this.#fields);
    this.#out = out;
    this.#json = json ? new ByteWriter((chunk) => out.writeChunk(chunk)) : undefined;
    this.#filter = filter;
    this.#precision = precision;
    this.#progress = progress;
  }

  /** Decodes and prints one record; a promise only when the output had to wait. */
  handle(record: CaptureRecord): Promise<void> | undefined {
    const number = ++this.number;
    this.#bytes += record.capturedLength + 16;
    this.#progress.tick(number, this.#bytes);
    const json = this.#json;
    if (record.custom !== undefined) return this.#customBlock(number, record);
    // A record without a time (a pcapng simple packet block) starts no relative time; as in
    // tshark, the next one's delta counts from its 0.
    if (this.#first === undefined && !record.untimed) this.#first = this.#previous = record.timestamp;
    const delta = record.timestamp - this.#previous;
    const relative = record.timestamp - (this.#first ?? record.timestamp);
    this.#previous = record.timestamp;
    const app = this.#app;
    // HTTP, TLS and WebSocket: only packets that may carry TCP reach the reassembler.
    const decoded = app.pushRecord(record, { linkType: record.linkType });
    // An ERF file's record: tshark's frame.protocols starts with erf (a whole record, LINKTYPE_ERF, names itself).
    const erf = this.#reader.format === 'erf' && record.linkType !== LINKTYPE_ERF_RECORD;
    // An HP-UX nettl record: tshark's nettl pseudo-protocol is above the frame, with the record's header fields.
    const nettl = record.nettl;
    if (json !== undefined && this.#filter === undefined && app.columns.kind === 'none' && !record.untimed && !erf && nettl === undefined) {
      const fast = this.#fast;
      fast.delta = delta;
      fast.relative = relative;
      fast.tcp = this.#summary.tcp;
      fast.app = app.columns;
      if (writeFastJson(json, record, number, fast)) return json.endLine();
    }
    let packet = this.#defrag.view(decoded ?? decodePacket(record.data, { linkType: record.linkType }), record, number);
    // DNS over TCP put together across segments replaces what decodePacket read of this segment alone.
    if (app.columns.dnsOverTcp) packet = packet.upTo('tcp');
    const fields = json !== undefined || this.#filter !== undefined;
    if (fields) {
      this.#defrag.record(this.#fields, packet);
      if (nettl !== undefined) {
        const f = this.#fields;
        f.add('nettl.subsys', nettl.subsystem);
        f.add('nettl.devid', nettl.deviceId);
        f.add('nettl.kind', nettl.kind);
        f.add('nettl.pid', nettl.pid);
        f.add('nettl.uid', nettl.uid);
      }
    }
    // Summary state (relative time, TCP bases and streams, echo requests) advances on every packet,
    // shown or not, as in tshark's single pass; JSON lines and filters read its TCP fields.
    const line = this.#summary.line(number, record, packet, this.#precision.digits(record), app.columns);
    const tcp = this.#summary.lastTcp;
    if (fields && tcp !== undefined) {
      const f = this.#fields;
      f.add('tcp.stream', tcp.stream);
      f.add('tcp.seq', tcp.seq);
      f.add('tcp.nxtseq', tcp.nxtseq);
      f.add('tcp.ack', tcp.ack);
      f.add('tcp.window_size', tcp.window);
      if (tcp.scaleFactor !== undefined) f.add('tcp.window_size_scalefactor', tcp.scaleFactor);
      analysisFields(tcp, this.#addField);
    }
    const udp = this.#udp.packet(packet);
    if (fields && udp !== undefined) this.#fields.add('udp.stream', udp);
    if (fields && app.columns.kind === 'pdu') app.columns.fields(this.#fields);
    const protocols = fields ? (erf ? 'erf:' : nettl !== undefined ? 'nettl:' : '') + frameProtocols(packet, record.linkType, app.columns, leavesData(packet, record.linkType, tcp?.analysis ?? 0, app.columns)) + (this.#summary.usbHid ? ':usbhid' : this.#summary.usbMs !== undefined ? `:${this.#summary.usbMs}` : '') : '';
    if (this.#filter !== undefined) {
      this.#view.set(number, record, packet, protocols);
      if (!this.#filter(this.#view)) return undefined;
    }
    if (json === undefined) return this.#out.write(`${line}\n`);
    const frame = this.#frame;
    frame.number = number;
    // No time fields at all for a record without a time, as tshark.
    frame.epoch = record.untimed ? '' : epochText(record.timestamp);
    frame.length = shownLength(record);
    frame.capturedLength = record.capturedLength;
    frame.interfaceId = record.interfaceId;
    frame.protocols = protocols;
    frame.times = record.untimed ? '' : frameTimesText(delta, relative);
    writePacketJson(json, frame, this.#fields, packet.errors);
    return json.endLine();
  }

  /**
   * A pcapng Custom Block, listed as tshark lists it: a frame of data with no time, which nothing
   * else (times, TCP state, reassembly) counts.
   */
  #customBlock(number: number, record: CaptureRecord): Promise<void> | undefined {
    if (this.#filter !== undefined) {
      this.#view.set(number, record, decodePacket(record.data, { linkType: record.linkType }), record.data.length > 0 ? 'data' : '');
      if (!this.#filter(this.#view)) return undefined;
    }
    const json = this.#json;
    if (json === undefined) return this.#out.write(`${customBlockLine(number, record)}\n`);
    this.#fields.clear();
    const frame = this.#frame;
    frame.number = number;
    frame.epoch = '';
    frame.length = record.originalLength;
    frame.capturedLength = record.capturedLength;
    frame.interfaceId = record.interfaceId;
    // tshark hands the bytes to its data dissector; with none, the frame has no protocol at all.
    frame.protocols = record.data.length > 0 ? 'data' : '';
    frame.times = '';
    writePacketJson(json, frame, this.#fields, []);
    return json.endLine();
  }

  /** Sends whatever output is still buffered. */
  async finish(): Promise<void> {
    await this.#json?.flush();
    await this.#out.end();
  }
}

function parseCount(text: string | true | undefined): number {
  if (text === undefined) return Infinity;
  if (typeof text !== 'string' || !/^\d+$/.test(text) || Number(text) < 1) throw new UsageError(`-c needs a positive packet count, got '${String(text)}'`);
  return Number(text);
}

/** `-d` values in tshark's Decode As syntax, `tcp.port==8080,http2` or `tcp.port==8000-8010,http2`, as port -> protocol. */
export function parseDecodeAs(values: readonly string[]): Map<number, DecodeAsProtocol> {
  const ports = new Map<number, DecodeAsProtocol>();
  for (const text of values) {
    const m = /^\s*tcp\.port\s*==\s*(\d+)(?:\s*-\s*(\d+))?\s*,\s*([a-z0-9]+)\s*$/i.exec(text);
    if (m === null) throw new UsageError(`-d: '${text}' is not tcp.port==PORT,PROTOCOL (only TCP ports can be decoded as)`);
    const protocol = m[3]!.toLowerCase();
    if (protocol !== 'http2' && protocol !== 'http' && protocol !== 'tls') throw new UsageError(`-d: protocol '${m[3]}' is not one of http2, http, tls`);
    const low = Number(m[1]);
    const high = m[2] === undefined ? low : Number(m[2]);
    if (low > 65535 || high > 65535 || high < low) throw new UsageError(`-d: '${text}' is not a port or a range of ports`);
    for (let p = low; p <= high; p++) ports.set(p, protocol);
  }
  return ports;
}

/** Runs `wirekit decode`; resolves to the exit code. */
export async function decodeCommand(argv: readonly string[]): Promise<number> {
  const { options, lists, positionals } = parseArgs(argv, ['c', 'count', 'Y', 'filter', 'r', 'd', 'decode-as'], ['json', 'help', 'h']);
  if (options.has('help') || options.has('h')) {
    process.stdout.write(DECODE_HELP);
    return 0;
  }
  const count = parseCount(options.get('c') ?? options.get('count'));
  const decodeAs = parseDecodeAs([...(lists.get('d') ?? []), ...(lists.get('decode-as') ?? [])]);
  const filterText = options.get('Y') ?? options.get('filter');
  let filter: Filter | undefined;
  if (filterText !== undefined) {
    try {
      filter = compileFilter(String(filterText));
    } catch (error) {
      if (error instanceof FilterError) throw new UsageError(`filter: ${error.message}`);
      throw error;
    }
  }
  const file = options.get('r');
  if (positionals.length + (file === undefined ? 0 : 1) > 1) throw new UsageError('decode takes at most one FILE');
  const input = openCapture(typeof file === 'string' ? file : positionals[0], { customBlocks: true });
  const out = new BufferedOutput();
  const progress = new Progress(input.size);
  const run = new DecodeRun(out, options.has('json'), filter, new TimePrecision(input.reader), progress, input.reader, decodeAs);
  try {
    const records = input.records;
    if (isSync(records)) {
      for (const record of records) {
        if (run.number >= count) break;
        const wait = run.handle(record);
        if (wait !== undefined) await wait;
      }
    } else {
      for await (const record of records) {
        if (run.number >= count) break;
        const wait = run.handle(record);
        if (wait !== undefined) await wait;
      }
    }
    await run.finish();
  } catch (error) {
    if (error instanceof OutputClosed) return 0;
    // Whatever was decoded before damage in the file is still worth having.
    await run.finish().catch(() => undefined);
    if (isWireError(error)) throw new CliError(`${input.name}: ${error.message}`);
    throw error;
  } finally {
    progress.done();
  }
  return 0;
}
