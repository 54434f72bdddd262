import { crc32, crc32c, internetChecksum, onesComplementSum } from 'wirekit';
import { parseArgs, UsageError } from './args.js';
import { openInput } from './input.js';
import { SAMPLE_IPV4_HEADER, SAMPLE_NAME } from './samples.js';

export const CHECKSUM_HELP = `Usage: wirekit checksum [--algo crc32|crc32c|inet] [--hex] [FILE|-]

Prints the checksum of FILE (or standard input for -), its size in bytes and its name, like cksum.
With no FILE it checksums an embedded sample (an IPv4 header).

  --algo crc32   CRC-32 (IEEE 802.3 / zlib / Ethernet FCS), the default
  --algo crc32c  CRC-32C (Castagnoli: iSCSI, SCTP)
  --algo inet    RFC 1071 Internet checksum (IPv4/TCP/UDP/ICMP); 0 means a header verifies
  --hex          print the checksum in hexadecimal instead of decimal
`;

const ALGOS = ['crc32', 'crc32c', 'inet'] as const;
type Algo = (typeof ALGOS)[number];

async function digest(algo: Algo, chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): Promise<{ value: number; size: number }> {
  let state = 0;
  let size = 0;
  for await (const chunk of chunks) {
    if (algo === 'crc32') state = crc32(chunk, state);
    else if (algo === 'crc32c') state = crc32c(chunk, state);
    // The byte position of each chunk decides which half of a 16-bit word its first byte fills.
    else state = onesComplementSum(chunk, state, size);
    size += chunk.length;
  }
  if (algo === 'inet') state = internetChecksum(new Uint8Array(0), state);
  return { value: state, size };
}

export async function checksumCommand(argv: readonly string[], out: (line: string) => void): Promise<number> {
  const { options, positionals } = parseArgs(argv, ['algo'], ['hex', 'help', 'h']);
  if (options.has('help') || options.has('h')) {
    out(CHECKSUM_HELP);
    return 0;
  }
  const algo = (options.get('algo') ?? 'crc32') as Algo;
  if (!ALGOS.includes(algo)) throw new UsageError(`unknown --algo '${algo}' (expected ${ALGOS.join(', ')})`);
  if (positionals.length > 1) throw new UsageError('checksum takes at most one FILE');
  const path = positionals[0];
  const source = path === undefined ? [SAMPLE_IPV4_HEADER] : openInput(path);
  const { value, size } = await digest(algo, source);
  const width = algo === 'inet' ? 4 : 8;
  const shown = options.has('hex') ? value.toString(16).padStart(width, '0') : String(value);
  out(`${shown} ${size} ${path ?? SAMPLE_NAME}`);
  return 0;
}
