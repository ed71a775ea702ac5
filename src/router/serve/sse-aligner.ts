import { Transform, type TransformCallback } from 'node:stream';

// Passes an SSE byte stream through in whole events only. If the upstream dies mid-event, the partial
// event is never sent, so the router can close the stream with a well-formed error event that OpenAI
// clients surface as an APIError instead of a JSON parse failure.

const LF2 = Buffer.from('\n\n');
const CRLF2 = Buffer.from('\r\n\r\n');

export class SseEventAligner extends Transform {
  private pending: Buffer = Buffer.alloc(0);
  private dropTail = false;

  /** The upstream died: an unfinished event must not be flushed at end(). */
  discardTail(): void {
    this.dropTail = true;
  }

  /** Bytes of an unfinished event held back. */
  get heldBytes(): number {
    return this.pending.length;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    const data = this.pending.length > 0 ? Buffer.concat([this.pending, chunk]) : chunk;
    const a = data.lastIndexOf(LF2);
    const b = data.lastIndexOf(CRLF2);
    const end = Math.max(a < 0 ? -1 : a + 2, b < 0 ? -1 : b + 4);
    if (end <= 0) {
      this.pending = data;
      done();
      return;
    }
    this.pending = end < data.length ? data.subarray(end) : Buffer.alloc(0);
    done(null, end < data.length ? data.subarray(0, end) : data);
  }

  override _flush(done: TransformCallback): void {
    // A complete stream may end without a trailing blank line; its tail is still a whole event.
    done(null, this.pending.length > 0 && !this.dropTail ? this.pending : undefined);
  }
}
