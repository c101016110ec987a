export * from './selector.ts';
