// `portside speaker`: flags → kubeconfig → announcers. (Being built: BGP, L2, BFD.)
import { parseSpeakerFlags } from '../lib/cli/flags.ts';

export async function runSpeaker(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const parsed = parseSpeakerFlags(args, env);
  if (!parsed.ok) {
    console.error(`portside speaker: ${parsed.error}`);
    return 2;
  }
  console.error('portside speaker: not wired yet');
  return 1;
}
