// Tokens of a display filter. Words are maximal runs of name/address characters, so `10.0.0.1`,
// `::1`, `00:11:22:33:44:55`, `10.0.0.0/8` and `tcp.flags.syn` are each one token; whether a word
// is a field or a value is decided by the parser from where it stands, as Wireshark's grammar does.

/** Thrown for a filter that cannot be parsed; `column` is 1-based, as people count. */
export class FilterError extends Error {
  override name = 'FilterError';
  readonly column: number;
  constructor(message: string, column: number) {
    super(`${message} at column ${column}`);
    this.column = column;
  }
}

export type TokenKind = 'word' | 'string' | 'op' | '(' | ')' | '{' | '}' | ',' | 'end';

export interface Token {
  kind: TokenKind;
  /** The word, the string's unescaped contents, or the operator as written. */
  text: string;
  /** 1-based column of the token's first character. */
  column: number;
}

const OPERATORS = ['==', '!=', '<=', '>=', '&&', '||', '~=', '<', '>', '!', '~'];
const WORD = /[A-Za-z0-9_.:/-]/;
const PUNCT: Record<string, TokenKind> = { '(': '(', ')': ')', '{': '{', '}': '}', ',': ',' };

/** Splits a filter into tokens, ending with one `end` token. */
export function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const c = source[i]!;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
      continue;
    }
    const column = i + 1;
    const punct = PUNCT[c];
    if (punct !== undefined) {
      tokens.push({ kind: punct, text: c, column });
      i++;
      continue;
    }
    if (c === '"') {
      const [text, next] = readString(source, i);
      tokens.push({ kind: 'string', text, column });
      i = next;
      continue;
    }
    const op = OPERATORS.find((o) => source.startsWith(o, i));
    if (op !== undefined) {
      tokens.push({ kind: 'op', text: op, column });
      i += op.length;
      continue;
    }
    if (WORD.test(c)) {
      let j = i + 1;
      while (j < source.length && WORD.test(source[j]!)) j++;
      tokens.push({ kind: 'word', text: source.slice(i, j), column });
      i = j;
      continue;
    }
    throw new FilterError(`unexpected '${c}'`, column);
  }
  tokens.push({ kind: 'end', text: '', column: source.length + 1 });
  return tokens;
}

const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '"': '"', '\\': '\\', '0': '\0' };

/** A double-quoted string starting at `start`: its contents and the index after the closing quote. */
function readString(source: string, start: number): [string, number] {
  let out = '';
  let i = start + 1;
  while (i < source.length) {
    const c = source[i]!;
    if (c === '"') return [out, i + 1];
    if (c === '\\') {
      const e = source[i + 1];
      if (e === 'x' && /^[0-9a-fA-F]{2}$/.test(source.slice(i + 2, i + 4))) {
        out += String.fromCharCode(parseInt(source.slice(i + 2, i + 4), 16));
        i += 4;
        continue;
      }
      const plain = e === undefined ? undefined : ESCAPES[e];
      if (plain === undefined) throw new FilterError(`bad escape '\\${e ?? ''}' in string`, i + 1);
      out += plain;
      i += 2;
      continue;
    }
    out += c;
    i++;
  }
  throw new FilterError('unterminated string', start + 1);
}
