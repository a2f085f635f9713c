/**
 * One live status line on stderr for long steps. On a terminal it rewrites itself in place (at most
 * ten times a second); when stderr is a file or pipe it prints a plain line every few seconds instead,
 * so logs stay readable.
 */
export class Progress {
  private lastDraw = 0;
  private lastText = '';
  private readonly tty: boolean;

  constructor(
    private readonly stream: NodeJS.WriteStream = process.stderr,
    private readonly pipeIntervalMs = 5_000,
  ) {
    this.tty = Boolean(stream.isTTY);
  }

  /** Shows `text` (throttled unless `force`). */
  update(text: string, force = false): void {
    this.lastText = text;
    const now = Date.now();
    const interval = this.tty ? 100 : this.pipeIntervalMs;
    if (!force && now - this.lastDraw < interval) return;
    this.lastDraw = now;
    if (this.tty) this.stream.write(`\r\x1b[K${this.clip(text)}`);
    else this.stream.write(`${text}\n`);
  }

  /** Ends the live line, leaving `text` (or the last text shown) as a normal line. */
  done(text?: string): void {
    const final = text ?? this.lastText;
    if (this.tty) this.stream.write(`\r\x1b[K${final}\n`);
    else if (final) this.stream.write(`${final}\n`);
    this.lastText = '';
    this.lastDraw = 0;
  }

  /** Clears the live line without leaving text (before other output). */
  clear(): void {
    if (this.tty && this.lastText) this.stream.write('\r\x1b[K');
    this.lastText = '';
  }

  private clip(text: string): string {
    const width = this.stream.columns ?? 120;
    return text.length >= width ? `${text.slice(0, width - 2)}…` : text;
  }
}

/** Writes an informational line to stderr (results go to stdout). */
export function note(text: string): void {
  process.stderr.write(`${text}\n`);
}
