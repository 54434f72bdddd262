// Display filters for `wirekit decode -Y`: a recursive-descent parser for the part of Wireshark's
// display-filter language that works on wirekit's fields, compiled once into a tree of small
// functions so that each packet costs only the comparisons it needs.
//
//   expr     := or
//   or       := and (('||' | 'or') and)*
//   and      := unary (('&&' | 'and') unary)*
//   unary    := ('!' | 'not') unary | primary
//   primary  := '(' expr ')' | FIELD [relation]
//   relation := RELOP value | 'contains' value | 'matches' STRING | 'in' '{' member* '}'
//   member   := value | value '..' value
//   value    := WORD | STRING | FIELD
//
// Semantics follow Wireshark 4.x: a field with several values (both ports, two VLAN ids) satisfies
// `==`, `<`, ... when any value does; `!=` is "all not equal" (the negation of `==`), and `~=` is
// "any not equal"; every relation on an absent field is false; a bare name tests presence (of a
// field, or of a protocol layer: `tcp`, `arp`).
import type { FieldValue } from 'wirekit';
import { FilterError, tokenize, type Token } from './filter-lexer.js';
import { compareValue, containsValue, parseLiteral, stringLiteral, type Literal } from './filter-values.js';

export { FilterError } from './filter-lexer.js';

/** What a filter reads from a packet. */
export interface FilterRecord {
  /** The value(s) of a field, undefined when absent. */
  field(name: string): FieldValue | FieldValue[] | undefined;
  /** Whether a protocol layer of this name is present (`eth`, `ip`, `tcp`, `frame`). */
  hasProtocol(name: string): boolean;
}

/** A compiled display filter. */
export type Filter = (record: FilterRecord) => boolean;

type Relation = '==' | '!=' | '~=' | '<' | '>' | '<=' | '>=' | 'contains' | 'matches';

const WORD_RELATIONS: Record<string, Relation> = {
  eq: '==',
  ne: '!=',
  any_ne: '~=',
  lt: '<',
  gt: '>',
  le: '<=',
  ge: '>=',
  contains: 'contains',
  matches: 'matches',
  '~': 'matches',
};
const SYMBOL_RELATIONS = new Set(['==', '!=', '~=', '<', '>', '<=', '>=']);
const KEYWORDS = new Set(['and', 'or', 'not', 'in', ...Object.keys(WORD_RELATIONS)]);
const FIELD_NAME = /^[A-Za-z_][A-Za-z0-9_-]*(\.[A-Za-z0-9_-]+)*$/;
/** A word on the right of a relation that reads as a field (`ip.src == ip.dst`), not a value. */
const FIELD_REFERENCE = /^[A-Za-z_][A-Za-z0-9_-]*\.[A-Za-z0-9_.-]+$/;

const asList = (v: FieldValue | FieldValue[]): FieldValue[] => (Array.isArray(v) ? v : [v]);

/** Does any value of the field stand in `relation` to the literal? */
function anyMatches(values: FieldValue | FieldValue[], relation: Relation, lit: Literal): boolean {
  if (!Array.isArray(values)) return holds(values, relation, lit);
  for (let i = 0; i < values.length; i++) if (holds(values[i]!, relation, lit)) return true;
  return false;
}

function holds(value: FieldValue, relation: Relation, lit: Literal): boolean {
  switch (relation) {
    case 'contains':
      return containsValue(value, lit);
    case 'matches':
      return typeof value === 'string' && lit.regex!.test(value);
    default: {
      const order = compareValue(value, lit);
      switch (relation) {
        case '==':
          return order === 0;
        case '~=':
        case '!=':
          return order !== 0 && !Number.isNaN(order);
        case '<':
          return order < 0;
        case '>':
          return order > 0;
        case '<=':
          return order <= 0;
        default:
          return order >= 0;
      }
    }
  }
}

/** A literal built from a field value, for field-to-field comparisons. */
function literalOf(value: FieldValue): Literal {
  return typeof value === 'number' ? { text: String(value), num: value, str: String(value) } : parseLiteral(value);
}

class Parser {
  readonly #tokens: Token[];
  #at = 0;

  constructor(source: string) {
    this.#tokens = tokenize(source);
  }

  parse(): Filter {
    if (this.#peek().kind === 'end') throw new FilterError('empty filter', 1);
    const filter = this.#or();
    const rest = this.#peek();
    if (rest.kind !== 'end') throw this.#unexpected(rest);
    return filter;
  }

  #peek(): Token {
    return this.#tokens[this.#at]!;
  }

  #next(): Token {
    return this.#tokens[this.#at++]!;
  }

  #isWord(token: Token, ...words: string[]): boolean {
    return token.kind === 'word' && words.includes(token.text.toLowerCase());
  }

  #unexpected(token: Token): FilterError {
    if (token.kind === 'end') return new FilterError('unexpected end of filter', token.column);
    const shown = token.kind === 'string' ? JSON.stringify(token.text) : token.text;
    return new FilterError(`unexpected '${shown}'`, token.column);
  }

  #or(): Filter {
    let left = this.#and();
    for (;;) {
      const t = this.#peek();
      if (!((t.kind === 'op' && t.text === '||') || this.#isWord(t, 'or'))) return left;
      this.#next();
      const a = left;
      const b = this.#and();
      left = (r) => a(r) || b(r);
    }
  }

  #and(): Filter {
    let left = this.#unary();
    for (;;) {
      const t = this.#peek();
      if (!((t.kind === 'op' && t.text === '&&') || this.#isWord(t, 'and'))) return left;
      this.#next();
      const a = left;
      const b = this.#unary();
      left = (r) => a(r) && b(r);
    }
  }

  #unary(): Filter {
    const t = this.#peek();
    if ((t.kind === 'op' && t.text === '!') || this.#isWord(t, 'not')) {
      this.#next();
      const inner = this.#unary();
      return (r) => !inner(r);
    }
    return this.#primary();
  }

  #primary(): Filter {
    const t = this.#next();
    if (t.kind === '(') {
      const inner = this.#or();
      const close = this.#next();
      if (close.kind !== ')') throw close.kind === 'end' ? new FilterError("missing ')'", close.column) : this.#unexpected(close);
      return inner;
    }
    if (t.kind !== 'word' || KEYWORDS.has(t.text.toLowerCase())) throw this.#unexpected(t);
    if (!FIELD_NAME.test(t.text)) throw new FilterError(`'${t.text}' is not a field name`, t.column);
    const name = t.text;
    const op = this.#peek();
    if (this.#isWord(op, 'in')) {
      this.#next();
      return this.#membership(name);
    }
    const relation =
      op.kind === 'op' && SYMBOL_RELATIONS.has(op.text)
        ? (op.text as Relation)
        : (op.kind === 'word' || op.kind === 'op') && WORD_RELATIONS[op.text.toLowerCase()] !== undefined
          ? WORD_RELATIONS[op.text.toLowerCase()]!
          : undefined;
    if (relation === undefined) {
      // A bare name tests presence: a field, or a protocol layer of that name.
      return (r) => r.field(name) !== undefined || r.hasProtocol(name);
    }
    this.#next();
    return this.#relation(name, relation);
  }

  #relation(name: string, relation: Relation): Filter {
    const v = this.#next();
    if (v.kind === 'word' && FIELD_REFERENCE.test(v.text) && relation !== 'matches' && relation !== 'contains' && parseLiteral(v.text).str === v.text && !/^\d/.test(v.text)) {
      return this.#fieldToField(name, relation, v.text);
    }
    const lit = this.#literal(v);
    if (relation === 'matches') {
      if (v.kind !== 'string') throw new FilterError('matches needs a quoted regular expression', v.column);
      try {
        lit.regex = new RegExp(lit.str);
      } catch (error) {
        throw new FilterError(`bad regular expression: ${(error as Error).message}`, v.column);
      }
    }
    // `!=` is the negation of `==` (Wireshark 3.6+): true only when the field is present and no value equals.
    if (relation === '!=') {
      return (r) => {
        const values = r.field(name);
        return values !== undefined && !anyMatches(values, '==', lit) && anyMatches(values, '!=', lit);
      };
    }
    return (r) => {
      const values = r.field(name);
      return values !== undefined && anyMatches(values, relation, lit);
    };
  }

  #fieldToField(name: string, relation: Relation, other: string): Filter {
    const test = relation === '!=' ? '==' : relation;
    return (r) => {
      const a = r.field(name);
      const b = r.field(other);
      if (a === undefined || b === undefined) return false;
      let any = false;
      for (const value of asList(b)) if (anyMatches(a, test, literalOf(value))) any = true;
      return relation === '!=' ? !any : any;
    };
  }

  #literal(token: Token): Literal {
    if (token.kind === 'string') return stringLiteral(token.text);
    if (token.kind !== 'word' || KEYWORDS.has(token.text.toLowerCase())) throw this.#unexpected(token);
    try {
      return parseLiteral(token.text);
    } catch (error) {
      throw new FilterError((error as Error).message, token.column);
    }
  }

  /** `in { a b c..d }`: equal to a member, or within a range (inclusive). */
  #membership(name: string): Filter {
    const open = this.#next();
    if (open.kind !== '{') throw this.#unexpected(open);
    const members: { low: Literal; high?: Literal }[] = [];
    for (;;) {
      const t = this.#next();
      if (t.kind === '}') break;
      if (t.kind === ',') continue;
      if (t.kind === 'word' && t.text.includes('..')) {
        const [low, high, extra] = t.text.split('..');
        if (extra !== undefined || !low || !high) throw new FilterError(`bad range '${t.text}'`, t.column);
        members.push({ low: this.#literal({ ...t, text: low }), high: this.#literal({ ...t, text: high }) });
      } else {
        members.push({ low: this.#literal(t) });
      }
    }
    if (members.length === 0) throw new FilterError('empty set', open.column);
    return (r) => {
      const values = r.field(name);
      if (values === undefined) return false;
      for (const m of members) {
        if (m.high === undefined ? anyMatches(values, '==', m.low) : asList(values).some((v) => holds(v, '>=', m.low) && holds(v, '<=', m.high!))) {
          return true;
        }
      }
      return false;
    };
  }
}

/**
 * Compiles a display filter. Throws `FilterError` with a 1-based column for a filter that does
 * not parse.
 *
 * @example
 * const f = compileFilter('ip.src == 127.0.0.1 && tcp.dstport == 8080');
 * f({ field: (n) => fields[n], hasProtocol: (p) => layers.includes(p) });
 */
export function compileFilter(source: string): Filter {
  return new Parser(source).parse();
}
