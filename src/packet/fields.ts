/**
 * A field value as tshark prints it (`-T fields` / `-T json`), in JSON form: integers (including
 * booleans, as 0/1, and hex-printed fields such as `eth.type`) are numbers; addresses and byte strings
 * are strings in tshark's form (`10.0.0.1`, `2001:db8::1`, `00:11:22:33:44:55`, `02:04:05:b4`);
 * checksum statuses are `good`, `bad` or `unverified`.
 */
export type FieldValue = number | string;

/** Fields keyed by Wireshark display-filter name; a field seen more than once holds an array, in order. */
export type FieldMap = Record<string, FieldValue | FieldValue[]>;

/**
 * Collects fields in packet order; a name added twice becomes an array. `map` is the object.
 *
 * A packet has some 30 to 100 fields. Added one by one to an object, they turn it into a
 * dictionary (V8 gives up on fast properties after a dozen keyed additions), which cost more than
 * decoding the packet. So the sink keeps names and values in lists, and `map` builds the object
 * in one go with an object literal compiled once per sequence of names (packets of one kind give
 * the same sequence): an object with fast properties, made ~10x faster. Where code cannot be
 * compiled at run time (a Content-Security-Policy without 'unsafe-eval'), for names that are not
 * plain, or past a cap on sequences, the object is built field by field as before.
 */
export class FieldSink {
  /** Names in first-seen order, and each one's value (an array once repeated). */
  readonly #names: string[] = [];
  readonly #values: (FieldValue | FieldValue[])[] = [];
  /** The ids of the names, in order, and a hash of them, to find a compiled literal. */
  readonly #ids: number[] = [];
  #hash = 0;
  /** Set when another sink added fields in between (a protocol's `fields` decoding a packet it carries): names are then found by search. */
  #alone = true;
  readonly #stamp = ++sinks;
  #map: FieldMap | undefined;

  add(name: string, value: FieldValue): void {
    if (this.#map !== undefined) {
      addTo(this.#map, name, value);
      return;
    }
    if (current !== this) {
      if (current !== undefined && this.#names.length > 0) this.#alone = false;
      current = this;
    }
    let slot = slots.get(name);
    if (slot === undefined && slots.size < MAX_NAMES) {
      slot = { id: slots.size + 1, stamp: 0, index: 0 };
      slots.set(name, slot);
    }
    let index = -1;
    if (slot === undefined || !this.#alone) {
      index = this.#names.indexOf(name);
    } else if (slot.stamp === this.#stamp) {
      index = slot.index;
    }
    if (index >= 0) {
      const prev = this.#values[index]!;
      if (Array.isArray(prev)) prev.push(value);
      else this.#values[index] = [prev, value];
      return;
    }
    if (slot !== undefined) {
      slot.stamp = this.#stamp;
      slot.index = this.#names.length;
    }
    const id = slot === undefined ? 0 : slot.id;
    this.#names.push(name);
    this.#values.push(value);
    this.#ids.push(id);
    this.#hash = Math.imul(this.#hash ^ id, 0x9e3779b1) + 1;
  }

  /** The fields added so far, as one object (built on first access; later `add`s go straight into it). */
  get map(): FieldMap {
    if (this.#map === undefined) {
      // `current` stays this sink: one that had added fields before must see it was not alone.
      this.#map = build(this.#names, this.#values, this.#ids, this.#hash);
    }
    return this.#map;
  }
}

interface NameSlot {
  /** A small number naming the name, 1 and up. */
  readonly id: number;
  /** The sink that added it last, and where in that sink's lists. */
  stamp: number;
  index: number;
}

/** Every field name seen, up to `MAX_NAMES` (names come from protocols' code, so there are few). */
const slots = new Map<string, NameSlot>();
const MAX_NAMES = 8192;
/** Sinks made so far (each takes the next number as its stamp), and the one that added last. */
let sinks = 0;
let current: FieldSink | undefined;

interface Literal {
  readonly ids: readonly number[];
  readonly make: (values: readonly (FieldValue | FieldValue[])[]) => FieldMap;
}

/** Compiled literals by hash of their name ids; at most `MAX_LITERALS` in all. */
const literals = new Map<number, Literal[]>();
let literalCount = 0;
const MAX_LITERALS = 1024;

/** Whether `new Function` works here (a Content-Security-Policy may forbid it). */
let canCompile = ((): boolean => {
  try {
    return new Function('return 1')() === 1;
  } catch {
    return false;
  }
})();

/** For tests: build every map field by field (as where code cannot be compiled), or compile again when it can. */
export function setFieldLiteralsForTests(enabled: boolean): void {
  canCompile = enabled;
}

function build(names: readonly string[], values: readonly (FieldValue | FieldValue[])[], ids: readonly number[], hash: number): FieldMap {
  const literal = canCompile && names.length > 0 ? literalFor(names, ids, hash) : undefined;
  if (literal !== undefined) return literal.make(values);
  const map: FieldMap = {};
  for (let i = 0; i < names.length; i++) map[names[i]!] = values[i]!;
  return map;
}

function literalFor(names: readonly string[], ids: readonly number[], hash: number): Literal | undefined {
  let list = literals.get(hash);
  if (list !== undefined) {
    for (const literal of list) if (sameIds(literal.ids, ids)) return literal;
  }
  if (literalCount >= MAX_LITERALS) return undefined;
  // Only names of known slots, none that an object literal would read as something else.
  for (let i = 0; i < names.length; i++) if (ids[i] === 0 || names[i] === '__proto__') return undefined;
  const body = names.map((name, i) => `${JSON.stringify(name)}:v[${i}]`).join(',');
  const literal: Literal = { ids: ids.slice(), make: new Function('v', `return {${body}};`) as Literal['make'] };
  if (list === undefined) literals.set(hash, (list = []));
  list.push(literal);
  literalCount++;
  return literal;
}

function sameIds(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function addTo(map: FieldMap, name: string, value: FieldValue): void {
  // Own fields only: a field named like an Object.prototype member is a field like any other.
  const prev = Object.hasOwn(map, name) ? map[name] : undefined;
  if (prev === undefined) map[name] = value;
  else if (Array.isArray(prev)) prev.push(value);
  else map[name] = [prev, value];
}

/** Colon-separated lowercase hex, as tshark prints byte fields: `02:04:05:b4`. */
export function bytesField(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += (i ? ':' : '') + (bytes[i]! < 16 ? '0' : '') + bytes[i]!.toString(16);
  return s;
}
