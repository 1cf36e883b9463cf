#!/usr/bin/env node
/**
 * `midolman`: the agent's command. Sub-commands:
 *   run                      the agent daemon (systemd/midolman.service)
 *   simulate ...             run frames through a topology file
 *   topology import|export   move a topology file into or out of ZooKeeper
 * Usage mistakes and bad input files print one clear line and exit 2; they
 * never show a stack trace.
 */

import { simulateCommand } from './simulate.js';
import { UsageError } from './options.js';

const HELP = `usage: midolman <command> [options]
  run                                   start the agent (reads /etc/midolman/midolman.conf)
  simulate --topology T.json --packets P.json [--host HOST_UUID]
  simulate --topology T.json --pcap FILE --port PORT_UUID [--host HOST_UUID]
  topology import T.json                write a topology file into ZooKeeper
  topology export [FILE]                read the topology from ZooKeeper`;

async function main(argv: readonly string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  switch (cmd) {
    case 'simulate':
      return simulateCommand(rest, (l) => process.stdout.write(l + '\n'));
    case 'topology': {
      const { topologyCommand } = await import('./topology-cmd.js');
      return topologyCommand(rest);
    }
    case 'run': {
      const { runAgent } = await import('../runtime/main.js');
      return runAgent(rest);
    }
    case undefined:
    case '--help':
    case '-h':
      process.stdout.write(HELP + '\n');
      return cmd === undefined ? 2 : 0;
    default:
      throw new UsageError(`unknown command '${cmd}'\n${HELP}`);
  }
}

/** Errors users can fix carry a `code` (MM_ERR_*); print their message alone. */
function isUserError(e: unknown): e is Error & { code: string } {
  if (!(e instanceof Error)) return false;
  const code: unknown = (e as unknown as { code?: unknown }).code;
  return typeof code === 'string' && code.startsWith('MM_ERR');
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    if (e instanceof UsageError || isUserError(e)) {
      process.stderr.write(`midolman: ${e.message}\n`);
      process.exitCode = 2;
    } else {
      process.stderr.write(`midolman: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      process.exitCode = 1;
    }
  },
);
