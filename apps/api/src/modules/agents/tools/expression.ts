/**
 * A small arithmetic expression evaluator: a tokenizer and a recursive-descent parser. It never
 * reaches `eval`/`Function` — the model's input is data, so it is parsed, not executed.
 *
 * Grammar (lowest to highest precedence):
 *   expr    := term (('+' | '-') term)*
 *   term    := unary (('*' | '/' | '%') unary)*
 *   unary   := ('+' | '-') unary | power
 *   power   := primary ('^' unary)?            (right-associative; `**` is accepted as `^`)
 *   primary := number | constant | name '(' args ')' | '(' expr ')'
 */

export class ExpressionError extends Error {
  override name = 'ExpressionError';
}

const MAX_LENGTH = 500;
const MAX_DEPTH = 64;

const CONSTANTS: Record<string, number> = { pi: Math.PI, e: Math.E, tau: 2 * Math.PI };

const FUNCTIONS: Record<string, { arity: [number, number]; fn: (...a: number[]) => number }> = {
  sqrt: { arity: [1, 1], fn: Math.sqrt },
  cbrt: { arity: [1, 1], fn: Math.cbrt },
  abs: { arity: [1, 1], fn: Math.abs },
  sin: { arity: [1, 1], fn: Math.sin },
  cos: { arity: [1, 1], fn: Math.cos },
  tan: { arity: [1, 1], fn: Math.tan },
  asin: { arity: [1, 1], fn: Math.asin },
  acos: { arity: [1, 1], fn: Math.acos },
  atan: { arity: [1, 1], fn: Math.atan },
  ln: { arity: [1, 1], fn: Math.log },
  log: { arity: [1, 2], fn: (x, base) => (base === undefined ? Math.log10(x) : Math.log(x) / Math.log(base)) },
  log2: { arity: [1, 1], fn: Math.log2 },
  exp: { arity: [1, 1], fn: Math.exp },
  floor: { arity: [1, 1], fn: Math.floor },
  ceil: { arity: [1, 1], fn: Math.ceil },
  round: { arity: [1, 1], fn: Math.round },
  min: { arity: [1, 32], fn: Math.min },
  max: { arity: [1, 32], fn: Math.max },
  pow: { arity: [2, 2], fn: Math.pow },
};

type Token = { kind: 'num'; value: number } | { kind: 'name'; value: string } | { kind: 'op'; value: string };

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const c = source[i];
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const number = /^(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/.exec(source.slice(i));
    if (number) {
      tokens.push({ kind: 'num', value: Number(number[0]) });
      i += number[0].length;
      continue;
    }
    const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(source.slice(i));
    if (name) {
      tokens.push({ kind: 'name', value: name[0].toLowerCase() });
      i += name[0].length;
      continue;
    }
    if (source.startsWith('**', i)) {
      tokens.push({ kind: 'op', value: '^' });
      i += 2;
      continue;
    }
    const op = c === '×' ? '*' : c === '÷' ? '/' : c;
    if ('+-*/%^(),'.includes(op)) {
      tokens.push({ kind: 'op', value: op });
      i++;
      continue;
    }
    throw new ExpressionError(`Unexpected character "${c}" at position ${i + 1}.`);
  }
  return tokens;
}

class Parser {
  private pos = 0;
  private depth = 0;
  constructor(private readonly tokens: Token[]) {}

  parse(): number {
    if (this.tokens.length === 0) throw new ExpressionError('The expression is empty.');
    const value = this.expr();
    if (this.pos < this.tokens.length)
      throw new ExpressionError(`Unexpected "${this.describe(this.tokens[this.pos])}".`);
    return value;
  }

  private describe(t: Token): string {
    return String(t.value);
  }
  private peekOp(...ops: string[]): string | undefined {
    const t = this.tokens[this.pos];
    return t?.kind === 'op' && ops.includes(t.value) ? t.value : undefined;
  }
  private expectOp(op: string) {
    if (!this.peekOp(op)) {
      const t = this.tokens[this.pos];
      throw new ExpressionError(
        t ? `Expected "${op}" but found "${this.describe(t)}".` : `Expected "${op}" at the end.`,
      );
    }
    this.pos++;
  }
  private nest<T>(fn: () => T): T {
    if (++this.depth > MAX_DEPTH) throw new ExpressionError('The expression is nested too deeply.');
    try {
      return fn();
    } finally {
      this.depth--;
    }
  }

  private expr(): number {
    let value = this.term();
    for (let op = this.peekOp('+', '-'); op; op = this.peekOp('+', '-')) {
      this.pos++;
      const right = this.term();
      value = op === '+' ? value + right : value - right;
    }
    return value;
  }

  private term(): number {
    let value = this.unary();
    for (let op = this.peekOp('*', '/', '%'); op; op = this.peekOp('*', '/', '%')) {
      this.pos++;
      const right = this.unary();
      if ((op === '/' || op === '%') && right === 0) throw new ExpressionError('Division by zero.');
      value = op === '*' ? value * right : op === '/' ? value / right : value % right;
    }
    return value;
  }

  private unary(): number {
    return this.nest(() => {
      const op = this.peekOp('+', '-');
      if (op) {
        this.pos++;
        const v = this.unary();
        return op === '-' ? -v : v;
      }
      return this.power();
    });
  }

  private power(): number {
    const base = this.primary();
    if (this.peekOp('^')) {
      this.pos++;
      return base ** this.unary();
    }
    return base;
  }

  private primary(): number {
    const t = this.tokens[this.pos];
    if (!t) throw new ExpressionError('The expression ends too early.');
    if (t.kind === 'num') {
      this.pos++;
      return t.value;
    }
    if (t.kind === 'name') {
      this.pos++;
      if (this.peekOp('(')) return this.call(t.value);
      if (Object.hasOwn(CONSTANTS, t.value)) return CONSTANTS[t.value];
      throw new ExpressionError(`Unknown name "${t.value}".`);
    }
    if (t.value === '(') {
      this.pos++;
      const v = this.nest(() => this.expr());
      this.expectOp(')');
      return v;
    }
    throw new ExpressionError(`Unexpected "${t.value}".`);
  }

  private call(name: string): number {
    const f = Object.hasOwn(FUNCTIONS, name) ? FUNCTIONS[name] : undefined;
    if (!f) throw new ExpressionError(`Unknown function "${name}".`);
    this.expectOp('(');
    const args: number[] = [];
    if (!this.peekOp(')')) {
      args.push(this.nest(() => this.expr()));
      while (this.peekOp(',')) {
        this.pos++;
        args.push(this.nest(() => this.expr()));
      }
    }
    this.expectOp(')');
    if (args.length < f.arity[0] || args.length > f.arity[1]) {
      throw new ExpressionError(
        `${name}() takes ${f.arity[0] === f.arity[1] ? f.arity[0] : `${f.arity[0]} to ${f.arity[1]}`} argument(s).`,
      );
    }
    return f.fn(...args);
  }
}

/** Evaluates an arithmetic expression; throws ExpressionError for anything it does not understand. */
export function evaluateExpression(source: string): number {
  if (source.length > MAX_LENGTH) throw new ExpressionError(`The expression is longer than ${MAX_LENGTH} characters.`);
  const value = new Parser(tokenize(source)).parse();
  if (!Number.isFinite(value)) throw new ExpressionError('The result is not a finite number.');
  return value;
}

/** Formats a result without binary noise (0.1 + 0.2 → 0.3). */
export function formatNumber(value: number): string {
  if (Number.isInteger(value) && Math.abs(value) < 1e21) return String(value);
  return String(Number.parseFloat(value.toPrecision(12)));
}
