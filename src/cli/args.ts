/** A small, strict flag parser: unknown flags and missing values are errors that name the fix. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export interface FlagSpec {
  [flag: string]: {
    type: 'string' | 'number' | 'boolean';
    default?: string | number | boolean;
    help: string;
    max?: number;
  };
}

export function parseFlags(argv: string[], spec: FlagSpec): Record<string, string | number | boolean> {
  const values: Record<string, string | number | boolean> = {};
  for (const [name, s] of Object.entries(spec)) if (s.default !== undefined) values[name] = s.default;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) throw new UsageError(`unexpected argument "${arg}"`);
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    const s = spec[name];
    if (!s)
      throw new UsageError(
        `unknown flag --${name}; known flags: ${Object.keys(spec)
          .map((f) => `--${f}`)
          .join(', ')}`,
      );
    let raw: string | undefined = eq < 0 ? undefined : arg.slice(eq + 1);
    if (s.type === 'boolean') {
      values[name] = raw === undefined ? true : raw === 'true';
      continue;
    }
    if (raw === undefined) {
      raw = argv[++i];
      if (raw === undefined) throw new UsageError(`flag --${name} needs a value`);
    }
    if (s.type === 'number') {
      const n = Number(raw);
      const max = s.max ?? Number.MAX_SAFE_INTEGER;
      if (!Number.isInteger(n) || n < 0 || n > max)
        throw new UsageError(`flag --${name} must be a whole number from 0 to ${max}, got "${raw}"`);
      values[name] = n;
    } else values[name] = raw;
  }
  return values;
}

export function usage(command: string, spec: FlagSpec): string {
  const lines = Object.entries(spec).map(
    ([f, s]) => `  --${f.padEnd(14)} ${s.help}${s.default !== undefined ? ` (default ${s.default})` : ''}`,
  );
  return `usage: minato ${command} [flags]\n${lines.join('\n')}`;
}
