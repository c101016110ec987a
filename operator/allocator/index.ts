// Public surface of the allocator; everything else in this folder is internal.
export { Allocator, type AllocatorOptions } from './allocator.ts';
export * from './types.ts';
