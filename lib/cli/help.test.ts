import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { CONTROLLER_OPTIONS, parseControllerFlags, parseSpeakerFlags, SPEAKER_OPTIONS } from './flags.ts';
import { commandHelp, USAGE } from './help.ts';

test('the usage names both commands', () => {
  assert.match(USAGE, /^usage: portside <command>/);
  assert.match(USAGE, /^ {2}controller /m);
  assert.match(USAGE, /^ {2}speaker /m);
});

test('each command\'s help lists exactly the flags it accepts, with their defaults', () => {
  for (const [command, options] of [['controller', CONTROLLER_OPTIONS], ['speaker', SPEAKER_OPTIONS]] as const) {
    const help = commandHelp(command);
    const listed = [...help.matchAll(/^ {2}--([\w-]+) /gm)].map((m) => m[1]);
    assert.deepEqual(listed, Object.keys(options), command);
    for (const [name, opt] of Object.entries(options)) {
      if ('default' in opt) assert.match(help, new RegExp(`--${name} .*\\(default ${opt.default}\\)`), `${command} --${name}`);
    }
  }
  assert.match(commandHelp('controller'), /--metrics-addr .*\(default :7472\)/);
  assert.match(commandHelp('speaker'), /--metrics-addr .*\(default :7473\)/);
});

test('--help is not a flag the parsers take: the CLI answers it before parsing', () => {
  assert.equal(parseControllerFlags(['--help']).ok, false);
  assert.equal(parseSpeakerFlags(['--help'], { NODE_NAME: 'n' }).ok, false);
});

test('every environment variable the flag parser reads is in some command\'s help', () => {
  const source = readFileSync(new URL('./flags.ts', import.meta.url), 'utf8');
  const read = new Set([...source.matchAll(/'(PORTSIDE_\w+)'|env\.([A-Z_]+)/g)].map((m) => m[1] ?? m[2]));
  assert.ok(read.has('PORTSIDE_GRACEFUL_SHUTDOWN_MS') && read.has('NODE_NAME'), 'the scan finds the variables');
  const help = `${commandHelp('controller')}\n${commandHelp('speaker')}`;
  for (const name of read) assert.ok(help.includes(name!), `${name} is documented`);
});
