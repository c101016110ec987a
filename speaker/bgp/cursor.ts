import { BgpMessageError } from './errors.ts';

/** A bounds-checked reader: every read checks the remaining length first. */
export class Cursor {
  readonly buf: Buffer;
  readonly view: DataView;
  pos = 0;
  private readonly onShort: (detail: string) => BgpMessageError;

  constructor(buf: Buffer, onShort: (detail: string) => BgpMessageError) {
    this.buf = buf;
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    this.onShort = onShort;
  }

  get remaining(): number {
    return this.buf.length - this.pos;
  }

  need(n: number, what: string): void {
    if (n > this.remaining) throw this.onShort(`${what}: need ${n} bytes, have ${this.remaining}`);
  }

  u8(what: string): number {
    this.need(1, what);
    return this.view.getUint8(this.pos++);
  }

  u16(what: string): number {
    this.need(2, what);
    const v = this.view.getUint16(this.pos);
    this.pos += 2;
    return v;
  }

  u32(what: string): number {
    this.need(4, what);
    const v = this.view.getUint32(this.pos);
    this.pos += 4;
    return v;
  }

  bytes(n: number, what: string): Buffer {
    this.need(n, what);
    const b = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }
}

/** Error factory for a fixed NOTIFICATION code/subcode. */
export function malformed(code: number, subcode: number, data?: Buffer): (detail: string) => BgpMessageError {
  return (detail) => new BgpMessageError(code, subcode, data, detail);
}
