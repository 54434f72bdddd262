// The `wirekit` command: dispatch to a subcommand and turn its failures into one line on stderr.
import { CHECKSUM_HELP, checksumCommand } from './checksum.js';
import { CONVERT_HELP, convertCommand } from './convert.js';
import { DECODE_HELP, decodeCommand } from './decode.js';
import { describeError, EXIT_USAGE } from './errors.js';
import { STATS_HELP, statsCommand } from './stats.js';
import { FOLLOW_HELP, followCommand } from './follow.js';
import { FLOWS_HELP, flowsCommand } from './flows.js';

const HELP = `Usage: wirekit [command] [options]

Commands:
  decode [--json] [-c N] [-Y FILTER] [FILE|-]   decode a pcap/pcapng capture, one line per packet
                                                (the default command; with no FILE, an embedded sample)
  stats [FILE|-]                                protocol hierarchy and conversations of a capture
  convert IN OUT [--format pcap|pcapng] [--precision us|ns]
                                                convert a capture between pcap and pcapng
  checksum [--algo crc32|crc32c|inet] [FILE|-]  checksum a file, like cksum
  follow [FILE|-] --stream N [--format raw|ascii|hex]
                                                one TCP connection's payload, like tshark's follow
  flows [--json] [FILE|-]                       the TCP connections: state, duration, bytes, retransmissions

Run 'wirekit <command> --help' for a command's options.
`;

const COMMAND_HELP: Record<string, string> = {
  decode: DECODE_HELP,
  stats: STATS_HELP,
  convert: CONVERT_HELP,
  checksum: CHECKSUM_HELP,
  follow: FOLLOW_HELP,
  flows: FLOWS_HELP,
};

/** Runs the CLI; resolves to the process exit code. Errors become one line on stderr. */
export async function main(argv: readonly string[]): Promise<number> {
  const out = (line: string) => process.stdout.write(line.endsWith('\n') ? line : `${line}\n`);
  let [command, ...rest] = argv;
  // Options or a file with no command mean `decode` (so `wirekit -c 5 trace.pcap` works).
  if (command !== undefined && COMMAND_HELP[command] === undefined && !['help', '--help', '-h'].includes(command)) {
    if (command.startsWith('-') || /[./]/.test(command)) {
      rest = argv.slice();
      command = 'decode';
    }
  }
  try {
    switch (command) {
      case undefined:
      case 'decode':
        return await decodeCommand(rest);
      case 'stats':
        return await statsCommand(rest);
      case 'convert':
        return await convertCommand(rest);
      case 'checksum':
        return await checksumCommand(rest, out);
      case 'follow':
        return await followCommand(rest);
      case 'flows':
        return await flowsCommand(rest);
      case 'help':
      case '--help':
      case '-h': {
        const topic = rest[0];
        out(topic !== undefined && COMMAND_HELP[topic] !== undefined ? COMMAND_HELP[topic]! : HELP);
        return 0;
      }
      default:
        process.stderr.write(`wirekit: unknown command '${command}'\n${HELP}`);
        return EXIT_USAGE;
    }
  } catch (error) {
    const described = describeError(error);
    if (described === undefined) throw error;
    process.stderr.write(`wirekit: ${described.message}\n`);
    if (described.status === EXIT_USAGE && command !== undefined && COMMAND_HELP[command] !== undefined) {
      process.stderr.write(`Run 'wirekit ${command} --help' for its options.\n`);
    }
    return described.status;
  }
}
