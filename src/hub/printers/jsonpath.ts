/**
 * The JSONPath subset CRD printer columns use (kubectl's dialect, without the surrounding braces):
 *
 *   .status.replicas                 field access
 *   .spec.containers[0].image        index (negative counts from the end), slices [a:b:c]
 *   .spec.containers[*].image        every element (also .* for every value of an object)
 *   .metadata.labels['app.kubernetes.io/name']   quoted key, for keys containing dots
 *   .status.conditions[?(@.type=="Ready")].status filter: ==, !=, <, <=, >, >= or bare existence
 *
 * Recursive descent (..) and unions are deliberately absent: printer columns never need them and
 * Kubernetes rejects ".." in CRD columns. Missing keys yield no result rather than an error, as they
 * do for printer columns upstream.
 */

export class JsonPathError extends Error {
  override readonly name = 'JsonPathError';
}

type Literal = string | number | boolean | null;
type CompareOp = '==' | '!=' | '<' | '<=' | '>' | '>=';

type Operand = { kind: 'path'; steps: Step[] } | { kind: 'literal'; value: Literal };

type Step =
  | { kind: 'field'; name: string }
  | { kind: 'wildcard' }
  | { kind: 'index'; index: number }
  | { kind: 'slice'; start: number | undefined; end: number | undefined; step: number }
  | { kind: 'filter'; left: Operand; op: CompareOp | undefined; right: Operand | undefined };

/** Characters that end a bare field name. */
const NAME_TERMINATORS = new Set([...'.[]()\'",={}$@!<>?*|&', ' ', '\t', '\n', '\r']);
const OPERATORS: CompareOp[] = ['==', '!=', '<=', '>=', '<', '>'];

class Parser {
  private pos = 0;

  constructor(private readonly src: string) {}

  parse(): Step[] {
    if (this.src === '') throw new JsonPathError('must not be empty');
    if (this.peek() === '$') this.pos++;
    else if (this.peek() !== '.' && this.peek() !== '[') {
      throw new JsonPathError('must start with "." (for example ".status.replicas")');
    }
    const steps = this.steps();
    if (this.pos < this.src.length) this.fail(`unexpected ${JSON.stringify(this.peek())}`);
    return steps;
  }

  private peek(offset = 0): string | undefined {
    return this.src[this.pos + offset];
  }

  private fail(message: string): never {
    throw new JsonPathError(`${message} at position ${this.pos}`);
  }

  private expect(ch: string): void {
    this.skipSpaces();
    if (this.peek() !== ch) this.fail(`expected ${JSON.stringify(ch)}`);
    this.pos++;
  }

  private skipSpaces(): void {
    while (this.peek() === ' ' || this.peek() === '\t') this.pos++;
  }

  /** A run of .field, .*, [..] steps; stops at anything else (end of input, an operator, ")"). */
  private steps(): Step[] {
    const steps: Step[] = [];
    for (;;) {
      const ch = this.peek();
      if (ch === '.') {
        this.pos++;
        const next = this.peek();
        if (next === '.') this.fail('recursive descent ".." is not supported');
        if (next === '*') {
          this.pos++;
          steps.push({ kind: 'wildcard' });
        } else if (next === '[') {
          // ".[0]" reads the same as "[0]".
        } else if (next === undefined) {
          // A trailing "." (including the bare root path ".") selects the current value.
        } else {
          const name = this.name();
          if (name === '') this.fail('expected a field name');
          steps.push({ kind: 'field', name });
        }
      } else if (ch === '[') {
        steps.push(this.bracket());
      } else {
        return steps;
      }
    }
  }

  private name(): string {
    const start = this.pos;
    while (this.pos < this.src.length && !NAME_TERMINATORS.has(this.src[this.pos]!)) this.pos++;
    return this.src.slice(start, this.pos);
  }

  private quoted(): string {
    const quote = this.peek();
    this.pos++;
    let out = '';
    for (;;) {
      const ch = this.peek();
      if (ch === undefined) this.fail('unterminated quoted string');
      this.pos++;
      if (ch === quote) return out;
      if (ch === '\\' && this.peek() !== undefined) {
        out += this.peek();
        this.pos++;
      } else {
        out += ch;
      }
    }
  }

  private bracket(): Step {
    this.pos++; // "["
    this.skipSpaces();
    const ch = this.peek();
    if (ch === '*') {
      this.pos++;
      this.expect(']');
      return { kind: 'wildcard' };
    }
    if (ch === "'" || ch === '"') {
      const name = this.quoted();
      this.skipSpaces();
      if (this.peek() === ',') this.fail('unions of several keys are not supported');
      this.expect(']');
      return { kind: 'field', name };
    }
    if (ch === '?') {
      this.pos++;
      this.expect('(');
      const step = this.filter();
      this.expect(')');
      this.expect(']');
      return step;
    }
    return this.indexOrSlice();
  }

  private indexOrSlice(): Step {
    const close = this.src.indexOf(']', this.pos);
    if (close < 0) this.fail('unterminated "["');
    const body = this.src.slice(this.pos, close);
    const m = /^\s*(-?\d+)?\s*(?::\s*(-?\d+)?\s*(?::\s*(-?\d+)?\s*)?)?$/.exec(body);
    if (!m || (m[1] === undefined && !body.includes(':'))) {
      this.fail(`invalid array index ${JSON.stringify(body)}`);
    }
    this.pos = close + 1;
    const [, start, end, step] = m;
    if (!body.includes(':')) return { kind: 'index', index: Number(start) };
    const stride = step === undefined ? 1 : Number(step);
    if (stride <= 0) this.fail('slice step must be positive');
    return {
      kind: 'slice',
      start: start === undefined ? undefined : Number(start),
      end: end === undefined ? undefined : Number(end),
      step: stride,
    };
  }

  private filter(): Step {
    this.skipSpaces();
    const left = this.operand();
    this.skipSpaces();
    const op = OPERATORS.find((o) => this.src.startsWith(o, this.pos));
    if (op === undefined) {
      if (left.kind !== 'path') this.fail('a filter without an operator must test a path such as @.name');
      return { kind: 'filter', left, op: undefined, right: undefined };
    }
    this.pos += op.length;
    this.skipSpaces();
    const right = this.operand();
    this.skipSpaces();
    return { kind: 'filter', left, op, right };
  }

  private operand(): Operand {
    const ch = this.peek();
    if (ch === '@') {
      this.pos++;
      return { kind: 'path', steps: this.steps() };
    }
    if (ch === "'" || ch === '"') return { kind: 'literal', value: this.quoted() };
    const rest = this.src.slice(this.pos);
    const num = /^-?\d+(\.\d+)?([eE][-+]?\d+)?/.exec(rest);
    if (num) {
      this.pos += num[0].length;
      return { kind: 'literal', value: Number(num[0]) };
    }
    for (const [word, value] of [
      ['true', true],
      ['false', false],
      ['null', null],
    ] as const) {
      if (rest.startsWith(word)) {
        this.pos += word.length;
        return { kind: 'literal', value };
      }
    }
    return this.fail('expected @path, a quoted string, a number, true, false or null');
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function sliceOf(list: unknown[], step: Extract<Step, { kind: 'slice' }>): unknown[] {
  const clamp = (i: number) => Math.min(Math.max(i < 0 ? list.length + i : i, 0), list.length);
  const start = step.start === undefined ? 0 : clamp(step.start);
  const end = step.end === undefined ? list.length : clamp(step.end);
  const out: unknown[] = [];
  for (let i = start; i < end; i += step.step) out.push(list[i]);
  return out;
}

function operandValues(operand: Operand, current: unknown): unknown[] {
  return operand.kind === 'literal' ? [operand.value] : run(operand.steps, [current]);
}

function sameType(a: unknown, b: unknown): boolean {
  return (a === null) === (b === null) && typeof a === typeof b;
}

function compare(a: unknown, op: CompareOp, b: unknown): boolean {
  if (op === '==') return sameType(a, b) && a === b;
  if (op === '!=') return !(sameType(a, b) && a === b);
  // Ordering only makes sense between two numbers or two strings.
  if (
    !((typeof a === 'number' && typeof b === 'number') || (typeof a === 'string' && typeof b === 'string'))
  ) {
    return false;
  }
  const [x, y] = [a as number | string, b as number | string];
  switch (op) {
    case '<':
      return x < y;
    case '<=':
      return x <= y;
    case '>':
      return x > y;
    default:
      return x >= y;
  }
}

function matches(step: Extract<Step, { kind: 'filter' }>, item: unknown): boolean {
  const lefts = operandValues(step.left, item);
  if (step.op === undefined || step.right === undefined) {
    return lefts.some((v) => v !== null && v !== undefined && v !== false);
  }
  const rights = operandValues(step.right, item);
  if (lefts.length === 0 || rights.length === 0) return false;
  return compare(lefts[0], step.op, rights[0]);
}

function apply(step: Step, node: unknown): unknown[] {
  switch (step.kind) {
    case 'field':
      return isObject(node) && Object.hasOwn(node, step.name) ? [node[step.name]] : [];
    case 'wildcard':
      if (Array.isArray(node)) return node;
      return isObject(node) ? Object.values(node) : [];
    case 'index': {
      if (!Array.isArray(node)) return [];
      const i = step.index < 0 ? node.length + step.index : step.index;
      return i >= 0 && i < node.length ? [node[i]] : [];
    }
    case 'slice':
      return Array.isArray(node) ? sliceOf(node, step) : [];
    case 'filter':
      return Array.isArray(node) ? node.filter((item) => matches(step, item)) : [];
  }
}

function run(steps: Step[], nodes: unknown[]): unknown[] {
  let current = nodes;
  for (const step of steps) current = current.flatMap((n) => apply(step, n));
  return current;
}

export interface JsonPath {
  readonly source: string;
  /** Every value the path selects, in document order; [] when nothing matches. */
  evaluate(data: unknown): unknown[];
}

/** Parses once so a printer column can evaluate the same path against many objects. Throws JsonPathError. */
export function compileJsonPath(source: string): JsonPath {
  const steps = new Parser(source).parse();
  return { source, evaluate: (data) => run(steps, [data]) };
}

/**
 * Why `expr` cannot be a CRD printer column path, or undefined when it can. The CRD handler turns a
 * message into a 422 on additionalPrinterColumns[i].jsonPath.
 */
export function validateJsonPath(expr: string): string | undefined {
  if (typeof expr !== 'string' || expr === '') return 'must not be empty';
  if (!expr.startsWith('.'))
    return 'must be a simple JSON path starting with "." (for example ".status.replicas")';
  try {
    compileJsonPath(expr);
    return undefined;
  } catch (err) {
    if (err instanceof JsonPathError) return err.message;
    throw err;
  }
}

/** One selected value as kubectl prints it: strings bare, everything else as JSON. */
export function jsonPathText(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}
