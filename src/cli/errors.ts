// How the CLI reports failure: one line on stderr and an exit status, never a stack trace.
import { WireError } from 'wirekit';
import { UsageError } from './args.js';

/** A failure worth one line to the user (bad input file, unwritable output): exit status 1. */
export class CliError extends Error {
  override name = 'CliError';
}

/** Exit statuses: 64 is EX_USAGE (sysexits.h), 1 a failure, 2 an internal error. */
export const EXIT_USAGE = 64;
export const EXIT_FAILURE = 1;

/**
 * Whether an error is a WireError, also one from another copy of the library (a CommonJS and an
 * ESM copy in one process, say), where `instanceof` fails.
 */
export function isWireError(error: unknown): error is WireError {
  return error instanceof WireError || (error instanceof Error && error.name === 'WireError');
}

/** The one line to print for an error, and the exit status; undefined for an unexpected error (a bug). */
export function describeError(error: unknown): { message: string; status: number } | undefined {
  if (error instanceof UsageError) return { message: error.message, status: EXIT_USAGE };
  if (error instanceof CliError || isWireError(error)) return { message: error.message, status: EXIT_FAILURE };
  const errno = error as NodeJS.ErrnoException;
  if (errno instanceof Error && typeof errno.code === 'string' && errno.code.startsWith('E')) {
    // Node's own text names the call and the path: "ENOENT: no such file or directory, open 'x'".
    return { message: errno.message, status: EXIT_FAILURE };
  }
  return undefined;
}
