// The command line of `portside explain` and `portside status` (also `kubectl portside …`),
// parsed without side effects.
import { parseArgs } from 'node:util';

export type Question =
  | { what: 'service'; namespace: string | undefined; name: string }
  | { what: 'pool'; name: string }
  | { what: 'status' };

export interface ExplainArgs {
  question: Question;
  output: 'text' | 'json';
  kubeconfig: string | undefined;
  /** Where Portside's objects live. */
  portsideNamespace: string;
}

export type ArgsResult = { ok: true; args: ExplainArgs } | { ok: false; error: string } | { ok: 'help' };

export const EXPLAIN_USAGE = `usage:
  portside explain service NAMESPACE/NAME   (also: svc/NAME -n NAMESPACE, svc NAME)
  portside explain pool NAME
  portside status
  kubectl portside explain svc/NAME ...      (the same, as a kubectl plugin)

Reads the cluster's API only (Services, EndpointSlices, Nodes, Events and Portside's objects)
and ends with one line: the verdict and what to do next.

flags:
  -o, --output text|json      json: the whole report, for scripts (default text)
  -n, --namespace NS          the Service's namespace (default: the kubeconfig context's, else default)
  --kubeconfig PATH           else $KUBECONFIG, the in-cluster service account, ~/.kube/config
  --portside-namespace NS     where Portside's objects live (default $PORTSIDE_NAMESPACE or portside-system)

exit code: 0 healthy, 1 not healthy (or the API could not be read), 2 usage error.`;

const OPTIONS = {
  output: { type: 'string', short: 'o', default: 'text' },
  namespace: { type: 'string', short: 'n' },
  kubeconfig: { type: 'string' },
  'portside-namespace': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

const SERVICE_WORDS = new Set(['service', 'services', 'svc']);
const POOL_WORDS = new Set(['pool', 'pools', 'ipaddresspool', 'ipaddresspools']);

/** `command` is 'explain' or 'status'; `argv` what follows it. */
export function parseExplainArgs(command: string, argv: readonly string[], env: Record<string, string | undefined>): ArgsResult {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options: OPTIONS, strict: true, allowPositionals: true });
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  }
  const { values, positionals } = parsed;
  if (values.help) return { ok: 'help' };
  const output = values.output;
  if (output !== 'text' && output !== 'json') return { ok: false, error: `--output must be text or json, got "${output}"` };
  const question = command === 'status' ? statusQuestion(positionals) : explainQuestion(positionals, values.namespace);
  if (!('what' in question)) return question;
  return {
    ok: true,
    args: {
      question, output,
      kubeconfig: values.kubeconfig,
      portsideNamespace: values['portside-namespace'] || env.PORTSIDE_NAMESPACE || 'portside-system',
    },
  };
}

function statusQuestion(positionals: readonly string[]): Question | { ok: false; error: string } {
  return positionals.length === 0 ? { what: 'status' } : { ok: false, error: `portside status takes no arguments, got "${positionals.join(' ')}"` };
}

function explainQuestion(positionals: readonly string[], namespaceFlag: string | undefined): Question | { ok: false; error: string } {
  // "svc/web" is "svc web"; "svc/shop/web" is "svc shop/web".
  const words = positionals.length === 1 && positionals[0]!.includes('/')
    ? [positionals[0]!.slice(0, positionals[0]!.indexOf('/')), positionals[0]!.slice(positionals[0]!.indexOf('/') + 1)]
    : [...positionals];
  const [kind = '', target = '', ...rest] = words;
  if (rest.length > 0 || !target) return { ok: false, error: 'say what to explain: service NAMESPACE/NAME, or pool NAME' };
  if (POOL_WORDS.has(kind.toLowerCase())) return { what: 'pool', name: target };
  if (!SERVICE_WORDS.has(kind.toLowerCase())) return { ok: false, error: `cannot explain "${kind}": service or pool` };
  const slash = target.indexOf('/');
  if (slash < 0) return { what: 'service', namespace: namespaceFlag, name: target };
  const namespace = target.slice(0, slash);
  if (namespaceFlag && namespaceFlag !== namespace) return { ok: false, error: `-n ${namespaceFlag} contradicts ${target}` };
  return { what: 'service', namespace, name: target.slice(slash + 1) };
}
