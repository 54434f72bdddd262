// The range check every encoder runs on the numbers it is given: one message for all of them.
import { WireError } from '../errors.js';

/** `value` when it is an integer from 0 to `max`, else a bad-value WireError naming the field and its layer. */
export function checkRange(layer: string, name: string, value: number, max: number): number {
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new WireError('bad-value', `${name} ${value} is out of range 0-${max}`, { layer });
  }
  return value;
}

/** `checkRange` for one layer: what a protocol file's encoders call. */
export function rangeChecker(layer: string): (name: string, value: number, max: number) => number {
  return (name, value, max) => checkRange(layer, name, value, max);
}
