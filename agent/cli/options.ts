/**
 * Command-line options for the agent's tools: `--name value` pairs and flags,
 * validated against the names a command accepts. Mistakes are `UsageError`s,
 * which the entry point prints without a stack trace and exits with 2.
 */

export class UsageError extends Error {
  readonly code = 'MM_ERR_USAGE';
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export interface Options {
  get(name: string): string | undefined;
  require(name: string): string;
  has(name: string): boolean;
  readonly positional: readonly string[];
}

export function parseOptions(argv: readonly string[], names: readonly string[], usage: string, flags: readonly string[] = []): Options {
  const values = new Map<string, string>();
  const present = new Set<string>();
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('--')) {
      positional.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    const name = a.slice(2, eq < 0 ? undefined : eq);
    if (flags.includes(name)) {
      present.add(name);
      continue;
    }
    if (!names.includes(name)) throw new UsageError(`unknown option --${name}\n${usage}`);
    const v = eq >= 0 ? a.slice(eq + 1) : argv[++i];
    if (v === undefined) throw new UsageError(`--${name} needs a value\n${usage}`);
    values.set(name, v);
    present.add(name);
  }
  return {
    get: (n) => values.get(n),
    require: (n) => {
      const v = values.get(n);
      if (v === undefined) throw new UsageError(`--${n} is required\n${usage}`);
      return v;
    },
    has: (n) => present.has(n),
    positional,
  };
}
