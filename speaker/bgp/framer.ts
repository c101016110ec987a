import { decodeHeader, HEADER_LENGTH } from './header.ts';

/**
 * Splits a TCP byte stream into whole BGP messages. A bad header throws BgpMessageError
 * (the session must send the NOTIFICATION and close); a partial message waits for more bytes.
 */
export class MessageSplitter {
  private pending: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): Buffer[] {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const out: Buffer[] = [];
    while (this.pending.length >= HEADER_LENGTH) {
      const { length } = decodeHeader(this.pending).value;
      if (this.pending.length < length) break;
      // Copy so a retained message does not pin the whole TCP chunk.
      out.push(Buffer.from(this.pending.subarray(0, length)));
      this.pending = this.pending.subarray(length);
    }
    return out;
  }

  get buffered(): number {
    return this.pending.length;
  }
}
