// `portside controller` from a V8 startup snapshot: hack/bundle.ts bundles this file with
// everything the controller imports and has Node evaluate it once, when the image is built
// (`node --build-snapshot`), into dist/controller.blob. A Pod then starts with
//   node --snapshot-blob /app/controller.blob controller [flags]
// and skips loading, compiling and running the modules' top level: ≈ 0.1 s of CPU less
// before the first IP (docs/benchmarks.md). Nothing here may read the time, the environment
// or the process at the top level of a module: that would be the build's.
import { startupSnapshot } from 'node:v8';
import { commandHelp, wantsHelp } from '../lib/cli/help.ts';
import { runController } from '../operator/main.ts';

startupSnapshot.setDeserializeMainFunction(() => {
  // From a snapshot, argv is [node, ...arguments]: no script.
  const [command, ...args] = process.argv.slice(1);
  if (command !== 'controller') {
    console.error(`portside: this snapshot runs "controller" only, not "${command ?? ''}"`);
    process.exit(2);
  }
  if (wantsHelp(args)) {
    console.log(commandHelp('controller'));
    process.exit(0);
  }
  runController(args, process.env).then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error('portside controller:', err);
      process.exit(1);
    },
  );
});
