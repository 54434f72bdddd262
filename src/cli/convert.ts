// `wirekit convert`: pcap <-> pcapng, streaming record by record, keeping what both formats can hold.
import { createWriteStream, realpathSync, rmSync, type WriteStream } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs, UsageError } from './args.js';
import { CaptureWriter, type CaptureReader, type CaptureRecord, type InterfaceDeclaration } from 'wirekit';
import { isSync, openCapture } from './capture-input.js';
import { CliError, isWireError } from './errors.js';
import { Progress } from './progress.js';

export const CONVERT_HELP = `Usage: wirekit convert IN OUT [--format pcap|pcapng] [--precision us|ns]

Converts a capture between pcap and pcapng (IN or OUT may be - for standard input or output).

  --format pcap|pcapng   the output format; by default from OUT's extension (.pcap, .cap: pcap;
                         .pcapng, .ntar: pcapng)
  --precision us|ns      timestamp precision of the output (default: the input's; finer digits
                         are truncated when going to us)

pcapng to pcapng keeps packet comments, the section comment and application, and interface names
and descriptions;
pcap holds none of them, so converting to pcap drops them (a note on stderr says how many).
`;

type Format = 'pcap' | 'pcapng';

const EXTENSIONS: Record<string, Format> = { pcap: 'pcap', cap: 'pcap', dmp: 'pcap', pcapng: 'pcapng', ntar: 'pcapng' };

function formatOf(option: string | true | undefined, out: string): Format {
  if (option !== undefined) {
    if (option !== 'pcap' && option !== 'pcapng') throw new UsageError(`unknown --format '${String(option)}' (expected pcap or pcapng)`);
    return option;
  }
  const extension = /\.([a-z]+)$/i.exec(out)?.[1]?.toLowerCase();
  const format = extension === undefined ? undefined : EXTENSIONS[extension];
  if (format === undefined) throw new UsageError(`cannot tell the format of '${out}' from its name: give --format pcap or --format pcapng`);
  return format;
}

function precisionOf(option: string | true | undefined): 'micro' | 'nano' | undefined {
  if (option === undefined) return undefined;
  if (option === 'us') return 'micro';
  if (option === 'ns') return 'nano';
  throw new UsageError(`unknown --precision '${String(option)}' (expected us or ns)`);
}

/** Whether two paths name the same existing file (writing OUT would destroy IN). */
function sameFile(a: string, b: string): boolean {
  try {
    return realpathSync(a) === realpathSync(b);
  } catch {
    return resolve(a) === resolve(b);
  }
}

/** The writer, made at the first record: by then the reader knows the input's precision, interfaces and comment. */
function makeWriter(format: Format, precision: 'micro' | 'nano' | undefined, reader: CaptureReader, first: CaptureRecord | undefined, destination: WriteStream | NodeJS.WriteStream): CaptureWriter {
  const firstInterface = reader.interfaces[0];
  const keepMetadata = format === 'pcapng' && reader.format === 'pcapng';
  const interfaces: InterfaceDeclaration[] = reader.interfaces
    .filter((i) => i.section === 0)
    .map((i) => ({ linkType: i.linkType, snaplen: i.snaplen || undefined, name: i.name, description: i.description }));
  return new CaptureWriter({
    format,
    destination,
    precision: precision ?? reader.precision ?? 'micro',
    linkType: first?.linkType ?? firstInterface?.linkType ?? 1,
    snaplen: firstInterface?.snaplen || undefined,
    comment: keepMetadata ? reader.sections[0]?.comment : undefined,
    application: keepMetadata ? reader.sections[0]?.userApplication : undefined,
    interfaces: keepMetadata ? interfaces : undefined,
  });
}

/** Closes and deletes a half-written OUT (waiting for the stream, which opens the file asynchronously). */
async function removePartial(stream: WriteStream, path: string): Promise<void> {
  if (!stream.closed) {
    await new Promise<void>((resolve) => {
      stream.once('close', () => resolve());
      stream.destroy();
    });
  }
  rmSync(path, { force: true });
}

/** Runs `wirekit convert`; resolves to the exit code. */
export async function convertCommand(argv: readonly string[]): Promise<number> {
  const { options, positionals } = parseArgs(argv, ['format', 'precision'], ['help', 'h']);
  if (options.has('help') || options.has('h')) {
    process.stdout.write(CONVERT_HELP);
    return 0;
  }
  if (positionals.length !== 2) throw new UsageError('convert takes IN and OUT');
  const [inPath, outPath] = positionals as [string, string];
  const format = formatOf(options.get('format'), outPath);
  const precision = precisionOf(options.get('precision'));
  if (inPath !== '-' && outPath !== '-' && sameFile(inPath, outPath)) throw new UsageError('IN and OUT are the same file');

  const input = openCapture(inPath);
  const toStdout = outPath === '-';
  const destination = toStdout ? process.stdout : createWriteStream(outPath);
  const progress = new Progress(input.size);
  let writer: CaptureWriter | undefined;
  let packets = 0;
  let bytes = 0;
  let droppedComments = 0;
  let writing = false;
  const write = (record: CaptureRecord) => {
    writing = true;
    writer ??= makeWriter(format, precision, input.reader, record, destination);
    if (format === 'pcap' && record.comment !== undefined) droppedComments++;
    progress.tick(++packets, (bytes += record.capturedLength + 16));
    const done = writer.write(record);
    writing = false;
    return done;
  };
  try {
    if (isSync(input.records)) for (const record of input.records) await write(record);
    else for await (const record of input.records) await write(record);
    writer ??= makeWriter(format, precision, input.reader, undefined, destination);
    await writer.close();
  } catch (error) {
    // A reader that went away (`| head`) ends a pipeline normally.
    if (toStdout && (error as NodeJS.ErrnoException)?.code === 'EPIPE') return 0;
    if (!toStdout) await removePartial(destination as WriteStream, outPath);
    if (isWireError(error)) throw new CliError(`${writing ? outPath : input.name}: ${error.message}`);
    throw error;
  } finally {
    progress.done();
  }
  const sectionComment = format === 'pcap' && input.reader.sections.some((s) => s.comment !== undefined);
  if (droppedComments > 0 || sectionComment) {
    const what = [droppedComments > 0 ? `${droppedComments} packet comment${droppedComments === 1 ? '' : 's'}` : '', sectionComment ? 'the file comment' : ''].filter(Boolean).join(' and ');
    process.stderr.write(`wirekit: note: ${what} dropped: pcap has no comments\n`);
  }
  return 0;
}
