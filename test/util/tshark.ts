// tshark's JSON (`tshark -T json --no-duplicate-keys`) flattened to display-filter names, and a
// comparison that reads tshark's string values the way wirekit's fields() types them.
import { readFileSync } from 'node:fs';
import type { FieldMap, FieldValue } from '../../src/packet/fields.js';

export type TsharkFields = Record<string, string | string[]>;

/** Walks a packet's layer tree: keys that look like field names are fields, the rest are labels. */
function flatten(node: unknown, out: TsharkFields): void {
  if (node === null || typeof node !== 'object') return;
  for (const [key, value] of Object.entries(node as Record<string, unknown>)) {
    if (key.endsWith('_tree') || !/^[a-z0-9_.-]+$/i.test(key) || key.startsWith('_ws')) {
      if (Array.isArray(value)) value.forEach((v) => flatten(v, out));
      else flatten(value, out);
      continue;
    }
    const values = (Array.isArray(value) ? value : [value]).filter((v) => typeof v === 'string') as string[];
    if (values.length > 0) {
      const prev = out[key];
      const merged = prev === undefined ? values : [...(Array.isArray(prev) ? prev : [prev]), ...values];
      out[key] = merged.length === 1 ? merged[0]! : merged;
    }
    // Objects under a field key (e.g. a field with subtree children in arrays) are walked too.
    const objects = (Array.isArray(value) ? value : [value]).filter((v) => v !== null && typeof v === 'object');
    objects.forEach((v) => flatten(v, out));
  }
}

/** Reads a `tshark -T json --no-duplicate-keys` file: one flat field map per packet. */
export function readTsharkJson(path: string): TsharkFields[] {
  const packets = JSON.parse(readFileSync(path, 'utf8')) as { _source: { layers: Record<string, unknown> } }[];
  return packets.map((p) => {
    const out: TsharkFields = {};
    for (const [proto, tree] of Object.entries(p._source.layers)) {
      if (proto === 'frame') continue;
      flatten(tree, out);
    }
    return out;
  });
}

// Wireshark's checksum statuses (proto.h): 3 and 4 only for a zero UDP checksum, absent or illegal.
const STATUS: Record<string, string> = { '0': 'bad', '1': 'good', '2': 'unverified', '3': 'not-present', '4': 'illegal' };

/** Our value as tshark would print it, for comparison. */
export function normalizeOurs(name: string, value: FieldValue): string {
  if (typeof value === 'number') return String(value);
  return value;
}

/** tshark's printed value normalised: hex integers to decimal, checksum statuses to words. */
export function normalizeTshark(name: string, value: string): string {
  if (name.endsWith('.status') && STATUS[value] !== undefined) return STATUS[value]!;
  if (/^0x[0-9a-f]+$/i.test(value)) return String(parseInt(value, 16));
  return value;
}

export interface FieldMismatch {
  field: string;
  ours: string | string[];
  tshark: string | string[];
}

/**
 * Every field we emit that tshark also shows must have the same value(s) in the same order.
 * Fields named in `required` must be present in ours whenever tshark has them.
 */
export function compareFields(ours: FieldMap, theirs: TsharkFields, required: readonly string[] = []): FieldMismatch[] {
  const mismatches: FieldMismatch[] = [];
  const asList = <T>(v: T | T[]) => (Array.isArray(v) ? v : [v]);
  for (const [field, value] of Object.entries(ours)) {
    const t = theirs[field];
    if (t === undefined) continue;
    const a = asList(value).map((v) => normalizeOurs(field, v));
    const b = asList(t).map((v) => normalizeTshark(field, v));
    if (a.length !== b.length || a.some((v, i) => v !== b[i])) mismatches.push({ field, ours: a, tshark: b });
  }
  for (const field of required) {
    if (theirs[field] !== undefined && ours[field] === undefined) {
      mismatches.push({ field, ours: '(missing)', tshark: theirs[field]! });
    }
  }
  return mismatches;
}
