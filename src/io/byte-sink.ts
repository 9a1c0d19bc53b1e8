/**
 * Text written as UTF-8 into pieces of a fixed size, each handed on when full (and at `flush` and
 * `end`). An export's lines are encoded here one by one and leave as bytes: the in-order path had
 * handed the output stream a string per batch and spent a tenth of its time waiting on it, and the
 * range threads move bytes to the main thread without a copy.
 */
export class ByteSink {
  private piece: Buffer | undefined;
  /** Where the bytes not yet handed on start. */
  private start = 0;
  private used = 0;

  /** `allocate` gives a buffer of at least the bytes asked (a buffer given back, see WrittenBytes). */
  constructor(private readonly onPiece: (piece: Uint8Array) => void, private readonly pieceBytes = 4 << 20, private readonly allocate = (bytes: number): Buffer => Buffer.allocUnsafeSlow(bytes)) {}

  write(text: string): void {
    if (text) this.put(text, 0);
  }

  /** `text` and a newline. */
  line(text: string): void {
    this.put(text, 1);
    this.piece![this.used++] = 0x0a;
  }

  /**
   * What was written since the last hand-on is handed on now (output that must not wait for a
   * piece to fill: each batch as it is read); later text goes on into the same buffer, after it.
   */
  flush(): void {
    if (this.piece && this.used > this.start) this.onPiece(this.piece.subarray(this.start, this.used));
    this.start = this.used;
  }

  /** The piece so far is handed on and its buffer left alone (before a buffer is transferred, and at the end). */
  end(): void {
    this.flush();
    this.piece = undefined;
  }

  private put(text: string, extra: number): void {
    // A UTF-16 unit takes at most 3 bytes of UTF-8: room without measuring the text first.
    const most = text.length * 3 + extra;
    if (this.piece && this.used + most > this.piece.length) this.end();
    if (!this.piece) {
      this.piece = this.allocate(Math.max(this.pieceBytes, most));
      this.start = this.used = 0;
    }
    this.used += this.piece.write(text, this.used, 'utf8');
  }
}

/**
 * Bytes of output that tell, once written, that their buffer may be filled again: a worker's piece
 * (ingest/parallel) goes back to it. Memory never touched costs a page fault per 4 KiB on first
 * write, and a fresh buffer for every piece of an export was a tenth of a worker's time.
 */
export type WrittenBytes = Uint8Array & { written?: () => void };
