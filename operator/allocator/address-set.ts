// Used addresses of one pool range: a Bitmap when the range is small enough to enumerate,
// a sorted array of used offsets otherwise (an IPv6 /64 has 2^64 addresses).
import { type IpRange, rangeSize } from '../../lib/ip/index.ts';
import { Bitmap } from './bitmap.ts';

/** Ranges up to this many addresses get a Bitmap (2 MiB for 2^24); bigger ones are sparse. */
export const DENSE_LIMIT = 1n << 24n;

/** avoidBuggyIPs: IPv4 addresses ending in .0 or .255 confuse some firmware. */
export function isBuggyIp(family: 4 | 6, value: bigint): boolean {
  if (family !== 4) return false;
  const low = value & 0xffn;
  return low === 0n || low === 0xffn;
}

// Values v in [0, n] with v ≡ r (mod 256).
function countUpTo(n: bigint, r: bigint): bigint {
  return n < r ? 0n : (n - r) / 256n + 1n;
}

/** How many .0 and .255 addresses the range holds. */
export function buggyCount(r: IpRange): bigint {
  if (r.family !== 4) return 0n;
  let n = 0n;
  for (const low of [0n, 255n]) n += countUpTo(r.last, low) - (r.first === 0n ? 0n : countUpTo(r.first - 1n, low));
  return n;
}

export interface AddressSet {
  readonly range: IpRange;
  readonly avoidBuggyIPs: boolean;
  /** Addresses in use (reserved ones not counted). */
  readonly used: number;
  /** Addresses that can be handed out at all: range size minus reserved ones. */
  readonly usable: bigint;
  /** Whether `value` lies in the range and may be handed out (in use or not). */
  allows(value: bigint): boolean;
  has(value: bigint): boolean;
  add(value: bigint): void;
  delete(value: bigint): void;
  /** The lowest address that is neither used nor reserved. */
  lowestFree(): bigint | undefined;
}

/** `kind` forces a representation (tests); by default ranges up to DENSE_LIMIT are dense. */
export function makeAddressSet(range: IpRange, avoidBuggyIPs: boolean, kind?: 'dense' | 'sparse'): AddressSet {
  const dense = kind === undefined ? rangeSize(range) <= DENSE_LIMIT : kind === 'dense';
  return dense ? new DenseAddressSet(range, avoidBuggyIPs) : new SparseAddressSet(range, avoidBuggyIPs);
}

abstract class RangeSet {
  readonly range: IpRange;
  readonly avoidBuggyIPs: boolean;
  readonly usable: bigint;

  constructor(range: IpRange, avoidBuggyIPs: boolean) {
    this.range = range;
    this.avoidBuggyIPs = avoidBuggyIPs;
    this.usable = rangeSize(range) - (avoidBuggyIPs ? buggyCount(range) : 0n);
  }

  allows(value: bigint): boolean {
    return value >= this.range.first && value <= this.range.last && !(this.avoidBuggyIPs && isBuggyIp(this.range.family, value));
  }
}

class DenseAddressSet extends RangeSet implements AddressSet {
  used = 0;
  private readonly bits: Bitmap;

  constructor(range: IpRange, avoidBuggyIPs: boolean) {
    super(range, avoidBuggyIPs);
    const size = Number(rangeSize(range));
    this.bits = new Bitmap(size);
    // Reserved addresses are set bits that no counter sees.
    if (avoidBuggyIPs && range.family === 4) {
      for (let base = range.first & ~0xffn; base <= range.last; base += 256n) {
        for (const v of [base, base + 255n]) {
          if (v >= range.first && v <= range.last) this.bits.set(Number(v - range.first));
        }
      }
    }
  }

  has(value: bigint): boolean {
    return this.allows(value) && this.bits.has(Number(value - this.range.first));
  }

  add(value: bigint): void {
    if (!this.allows(value)) throw new RangeError(`address ${value} is not in this set`);
    if (!this.bits.set(Number(value - this.range.first))) this.used++;
  }

  delete(value: bigint): void {
    if (this.allows(value) && this.bits.clear(Number(value - this.range.first))) this.used--;
  }

  lowestFree(): bigint | undefined {
    const i = this.bits.firstClear(0);
    return i < 0 ? undefined : this.range.first + BigInt(i);
  }
}

class SparseAddressSet extends RangeSet implements AddressSet {
  /** Used offsets from range.first, ascending. */
  private readonly offsets: bigint[] = [];

  get used(): number {
    return this.offsets.length;
  }

  has(value: bigint): boolean {
    if (!this.allows(value)) return false;
    const o = value - this.range.first;
    const i = this.lowerBound(o);
    return this.offsets[i] === o;
  }

  add(value: bigint): void {
    if (!this.allows(value)) throw new RangeError(`address ${value} is not in this set`);
    const o = value - this.range.first;
    const i = this.lowerBound(o);
    if (this.offsets[i] !== o) this.offsets.splice(i, 0, o);
  }

  delete(value: bigint): void {
    const o = value - this.range.first;
    const i = this.lowerBound(o);
    if (this.offsets[i] === o) this.offsets.splice(i, 1);
  }

  lowestFree(): bigint | undefined {
    const size = rangeSize(this.range);
    let from = 0n;
    while (from < size) {
      const o = this.firstGapFrom(from);
      if (o >= size) return undefined;
      const value = this.range.first + o;
      if (this.allows(value)) return value;
      from = o + 1n; // a reserved .0/.255: look past it
    }
    return undefined;
  }

  private lowerBound(o: bigint): number {
    let lo = 0;
    let hi = this.offsets.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.offsets[mid]! < o) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  // Offsets are distinct and sorted, so offsets[i] - i never decreases: the first gap at or
  // after `from` is where it first exceeds its value at `from`'s position. Binary search.
  private firstGapFrom(from: bigint): bigint {
    const p = this.lowerBound(from);
    if (this.offsets[p] !== from) return from;
    const base = from - BigInt(p);
    let lo = p;
    let hi = this.offsets.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.offsets[mid]! - BigInt(mid) > base) hi = mid;
      else lo = mid + 1;
    }
    return from + BigInt(lo - p);
  }
}
