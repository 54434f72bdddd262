import { WireError } from 'wirekit';
import { UsageError } from './args.js';
import { CHECKSUM_HELP, checksumCommand } from './checksum.js';

const HELP = `Usage: wirekit <command> [options]

Commands:
  checksum [--algo crc32|crc32c|inet] [FILE|-]   checksum a file, like cksum

Run 'wirekit <command> --help' for a command's options.
`;

/** Runs the CLI; resolves to the process exit code. Errors become one line on stderr. */
export async function main(argv: readonly string[]): Promise<number> {
  const out = (line: string) => process.stdout.write(line.endsWith('\n') ? line : `${line}\n`);
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case undefined:
      case 'checksum':
        return await checksumCommand(rest, out);
      case 'help':
      case '--help':
      case '-h':
        out(HELP);
        return 0;
      default:
        throw new UsageError(`unknown command '${command}'\n${HELP}`);
    }
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`wirekit: ${error.message}\n`);
      if (command === 'checksum') process.stderr.write(CHECKSUM_HELP);
      return 64;
    }
    if (error instanceof WireError || (error as NodeJS.ErrnoException)?.code !== undefined) {
      process.stderr.write(`wirekit: ${(error as Error).message}\n`);
      return 1;
    }
    throw error;
  }
}
