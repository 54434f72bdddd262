// What an encoder writes into its "next protocol" field (an ethertype, an IP protocol, a PPP
// protocol) when the caller leaves it out: the code the next layer inside it is known by.
import { WireError } from '../errors.js';
import type { EncodeContext } from './protocol.js';

/**
 * `given` when there is one, else `lookup` of the next layer's name (`fallback` when that knows
 * none); a bad-value WireError naming `field` and the next layer when neither gives a code.
 */
export function nextLayerCode(
  given: number | undefined,
  ctx: EncodeContext,
  lookup: (name: string) => number | undefined,
  field: string,
  layer: string,
  fallback?: number,
): number {
  if (given !== undefined) return given;
  const next = ctx.inner[0];
  const code = (next === undefined ? undefined : lookup(next.name)) ?? fallback;
  if (code === undefined) throw new WireError('bad-value', `no ${field} given and none known for the next layer '${next?.name ?? '(none)'}'`, { layer });
  return code;
}
