/** A small argument parser: `--name value`, `--name=value`, `-x value`, flags, and positionals. */
export interface ParsedArgs {
  options: Map<string, string | true>;
  /** Every value of each valued option, in order (`options` keeps the last). */
  lists: Map<string, string[]>;
  positionals: string[];
}

export class UsageError extends Error {
  override name = 'UsageError';
}

/**
 * @param valued option names (without dashes) that take a value; every other option is a flag.
 */
export function parseArgs(argv: readonly string[], valued: readonly string[], flags: readonly string[]): ParsedArgs {
  const options = new Map<string, string | true>();
  const lists = new Map<string, string[]>();
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (arg.length > 1 && arg.startsWith('-')) {
      const body = arg.replace(/^--?/, '');
      const eq = body.indexOf('=');
      const name = eq >= 0 ? body.slice(0, eq) : body;
      if (valued.includes(name)) {
        const value = eq >= 0 ? body.slice(eq + 1) : argv[++i];
        if (value === undefined) throw new UsageError(`option --${name} needs a value`);
        options.set(name, value);
        (lists.get(name) ?? lists.set(name, []).get(name)!).push(value);
      } else if (flags.includes(name) && eq < 0) {
        options.set(name, true);
      } else {
        throw new UsageError(`unknown option ${arg}`);
      }
    } else {
      positionals.push(arg);
    }
  }
  return { options, lists, positionals };
}
