// A bit set with an O(log n) "first clear bit" search, built from @thi.ng/bitfield levels.
import { BitField } from '@thi.ng/bitfield';

// Level k+1 has one bit per byte of level k, set when that byte is full (0xff). The top
// level is at most 64 bits, scanned directly. A search descends log8(n) levels.
const TOP_LEVEL_BITS = 64;

// BitField numbers bits most-significant first within each byte.
function firstClearInByte(byte: number): number {
  return Math.clz32(~byte & 0xff) - 24;
}

export class Bitmap {
  /** Usable bits; positions at or past size are permanently set (padding). */
  readonly size: number;
  private readonly levels: BitField[] = [];

  constructor(size: number) {
    if (!Number.isSafeInteger(size) || size < 0) throw new RangeError(`bitmap size ${size} is not a count`);
    this.size = size;
    let bits = Math.max(size, 1);
    for (;;) {
      const level = new BitField(bits);
      this.levels.push(level);
      if (level.n <= TOP_LEVEL_BITS) break;
      bits = level.n >>> 3;
    }
    // Padding: bits past the real length of each level read as used, so no search returns them.
    let real = size;
    for (let k = 0; k < this.levels.length; k++) {
      for (let i = real; i < this.levels[k]!.n; i++) this.setAtLevel(k, i);
      real = this.levels[k]!.n >>> 3;
    }
  }

  has(i: number): boolean {
    return this.levels[0]!.at(i) !== 0;
  }

  /** Sets bit i; returns whether it was already set. */
  set(i: number): boolean {
    this.checkIndex(i);
    if (this.has(i)) return true;
    this.setAtLevel(0, i);
    return false;
  }

  /** Clears bit i; returns whether it was set. */
  clear(i: number): boolean {
    this.checkIndex(i);
    if (!this.has(i)) return false;
    this.clearAtLevel(0, i);
    return true;
  }

  /** The lowest clear bit at or after `from`, or -1. */
  firstClear(from = 0): number {
    if (from >= this.size) return -1;
    return this.search(0, Math.max(0, from));
  }

  private checkIndex(i: number): void {
    if (!Number.isInteger(i) || i < 0 || i >= this.size) throw new RangeError(`bit ${i} outside 0..${this.size - 1}`);
  }

  private setAtLevel(k: number, i: number): void {
    const level = this.levels[k]!;
    level.setAt(i, true);
    const byte = i >>> 3;
    if (level.data[byte] === 0xff && k + 1 < this.levels.length) this.setAtLevel(k + 1, byte);
  }

  private clearAtLevel(k: number, i: number): void {
    const level = this.levels[k]!;
    const byte = i >>> 3;
    const wasFull = level.data[byte] === 0xff;
    level.setAt(i, false);
    if (wasFull && k + 1 < this.levels.length) this.clearAtLevel(k + 1, byte);
  }

  private search(k: number, from: number): number {
    const level = this.levels[k]!;
    if (from >= level.n) return -1;
    const byte = from >>> 3;
    // Treat the bits before `from` in its byte as set.
    const head = level.data[byte]! | ((0xff00 >>> (from & 7)) & 0xff);
    if (head !== 0xff) return (byte << 3) + firstClearInByte(head);
    let next = -1;
    if (k + 1 < this.levels.length) {
      next = this.search(k + 1, byte + 1);
    } else {
      for (let b = byte + 1; b < level.data.length; b++) {
        if (level.data[b] !== 0xff) { next = b; break; }
      }
    }
    return next < 0 ? -1 : (next << 3) + firstClearInByte(level.data[next]!);
  }
}
