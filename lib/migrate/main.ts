// `portside migrate [--check] [--namespace NS] [FILE...]`: MetalLB objects (files, or stdin
// with none or "-") → portside.dev objects on stdout; what cannot be carried on stderr.
import { readFile } from 'node:fs/promises';
import { parseAllDocuments, stringify } from 'yaml';
import { MIGRATE_OPTIONS } from '../cli/flags.ts';
import { parseArgs } from 'node:util';
import { migrateDocuments } from './migrate.ts';

async function readAll(files: readonly string[]): Promise<string[]> {
  if (files.length === 0) files = ['-'];
  const texts: string[] = [];
  for (const f of files) {
    if (f === '-') {
      const chunks: Buffer[] = [];
      for await (const c of process.stdin) chunks.push(c as Buffer);
      texts.push(Buffer.concat(chunks).toString('utf8'));
    } else {
      texts.push(await readFile(f, 'utf8'));
    }
  }
  return texts;
}

export async function runMigrate(args: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args, options: MIGRATE_OPTIONS, strict: true, allowPositionals: true });
  } catch (err) {
    console.error(`portside migrate: ${(err as Error).message}`);
    return 2;
  }
  const { values, positionals } = parsed;
  let texts: string[];
  try {
    texts = await readAll(positionals);
  } catch (err) {
    console.error(`portside migrate: ${(err as Error).message}`);
    return 2;
  }
  const docs: unknown[] = [];
  for (const text of texts) {
    for (const d of parseAllDocuments(text)) {
      if (d.errors.length > 0) {
        console.error(`portside migrate: not YAML: ${d.errors[0]!.message}`);
        return 2;
      }
      docs.push(d.toJS());
    }
  }
  const result = migrateDocuments(docs, values.namespace);
  if (!values.check) process.stdout.write(result.objects.map((o) => stringify(o)).join('---\n'));
  for (const l of result.lost) console.error(`cannot carry ${l.object} ${l.field}: ${l.why}`);
  if (result.lost.length > 0) console.error(`portside migrate: ${result.lost.length} field(s) cannot be carried over (listed above)`);
  return values.check && result.lost.length > 0 ? 1 : 0;
}
