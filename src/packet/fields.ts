/**
 * A field value as tshark prints it (`-T fields` / `-T json`), in JSON form: integers (including
 * booleans, as 0/1, and hex-printed fields such as `eth.type`) are numbers; addresses and byte strings
 * are strings in tshark's form (`10.0.0.1`, `2001:db8::1`, `00:11:22:33:44:55`, `02:04:05:b4`);
 * checksum statuses are `good`, `bad` or `unverified`.
 */
export type FieldValue = number | string;

/** Fields keyed by Wireshark display-filter name; a field seen more than once holds an array, in order. */
export type FieldMap = Record<string, FieldValue | FieldValue[]>;

/** Collects fields in packet order; a name added twice becomes an array. */
export class FieldSink {
  readonly map: FieldMap = {};

  add(name: string, value: FieldValue): void {
    const prev = this.map[name];
    if (prev === undefined) this.map[name] = value;
    else if (Array.isArray(prev)) prev.push(value);
    else this.map[name] = [prev, value];
  }
}

/** Colon-separated lowercase hex, as tshark prints byte fields: `02:04:05:b4`. */
export function bytesField(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += (i ? ':' : '') + (bytes[i]! < 16 ? '0' : '') + bytes[i]!.toString(16);
  return s;
}
