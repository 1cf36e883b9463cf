#!/usr/bin/env node
/**
 * mm-dpctl: operator tool for the kernel datapath, in the spirit of MidoNet's (datapath.md §6.1).
 *
 *   mm-dpctl datapath --list
 *   mm-dpctl datapath --show NAME          name, ifindex, megaflow support, stats, ports
 *   mm-dpctl datapath --dump NAME [-n]     every flow in canonical flow text, sorted by last use
 *   mm-dpctl datapath --add NAME | --delete NAME
 *   mm-dpctl interface --add IF DATAPATH | --delete IF DATAPATH     a NETDEV vport
 *   mm-dpctl flows --datapath NAME --add 'FLOW'       FLOW in ovs-dpctl text (key[,mask], actions:…)
 *   mm-dpctl flows --datapath NAME --delete 'KEY'     delete by exact key text; prints final stats
 *   mm-dpctl flows --datapath NAME --flush
 *
 * Differences from MidoNet's tool: flows are given as canonical flow text (the same text dumps
 * print, flow-text.ts) instead of --src-mac/--dst-ip options; `rebind` is not implemented.
 * Exit status: 0 ok, 1 the kernel refused (prints the NetlinkError code and op), 2 usage.
 * A vport created here has no upcall listener once the tool exits (as with MidoNet's).
 */
import { parseArgs } from 'node:util';
import { DpifNetlink, GenlSession } from '../datapath/dpif-netlink.js';
import { flowPutFromRecords, keyFromRecords, toOdpFlow } from '../datapath/dpif-flow-spec.js';
import { formatFlow } from '../datapath/flow-text.js';
import { FlowTextError, parseFlow, parseKeyList } from '../datapath/flow-text-parse.js';
import { NetlinkError } from '../datapath/netlink-error.js';

const USAGE = `usage:
  mm-dpctl datapath --list | --show NAME | --dump NAME [-n] | --add NAME | --delete NAME
  mm-dpctl interface --add IF DATAPATH | --delete IF DATAPATH
  mm-dpctl flows --datapath NAME (--add 'FLOW' | --delete 'KEY' | --flush)`;

class UsageError extends Error {}

function out(s: string): void {
  process.stdout.write(s + '\n');
}

function datapathCmd(args: string[]): void {
  const { values: v } = parseArgs({ args, options: {
    list: { type: 'boolean' }, show: { type: 'string' }, dump: { type: 'string' },
    add: { type: 'string' }, delete: { type: 'string', short: 'D' }, 'no-sort': { type: 'boolean', short: 'n' },
  } });
  if (v.list === true) {
    const s = new GenlSession();
    try {
      const dps = s.listDatapaths();
      out(`Found ${dps.length} datapaths:`);
      for (const d of dps) out(`\t${d.name}`);
    } finally { s.close(); }
  } else if (v.show !== undefined) {
    const dp = DpifNetlink.open(v.show, { mode: 'existing' });
    try {
      const i = dp.info();
      out(`Datapath name   : ${i.name}`);
      out(`Datapath index  : ${i.ifindex}`);
      out(`Supports megaflows: ${i.megaflow !== null ? 'yes' : 'no'}`);
      out(`Datapath Stats: \n\tFlows :${i.stats.flows}\n\tHits  :${i.stats.hit}\n\tLost  :${i.stats.lost}\n\tMisses:${i.stats.missed}`);
      for (const p of dp.listVports()) {
        const s = p.stats;
        out(`Port #${p.portNo} '${p.name}' ${p.type}${p.dstPort !== null ? ` dst_port=${p.dstPort}` : ''}` +
          (s !== null ? ` rx:${s.rxPackets}/${s.rxBytes}B tx:${s.txPackets}/${s.txBytes}B drop:${s.rxDropped}/${s.txDropped}` : ''));
      }
    } finally { dp.close(); }
  } else if (v.dump !== undefined) {
    const dp = DpifNetlink.open(v.dump, { mode: 'existing' });
    try {
      const flows = dp.dumpFlows();
      if (v['no-sort'] !== true) flows.sort((a, b) => b.used - a.used);
      out(`${flows.length} flows`);
      for (const f of flows) {
        const o = toOdpFlow(f);
        out(typeof o === 'string' ? `<undecodable flow: ${o}>` : formatFlow(o));
      }
    } finally { dp.close(); }
  } else if (v.add !== undefined) {
    const dp = DpifNetlink.open(v.add, { mode: 'reuse' });
    out(`Created datapath ${dp.name} (ifindex ${dp.ifindex})`);
    dp.close();
  } else if (v.delete !== undefined) {
    const s = new GenlSession();
    try { s.deleteDatapath(v.delete); out(`Deleted datapath ${v.delete}`); } finally { s.close(); }
  } else {
    throw new UsageError('datapath: one of --list, --show, --dump, --add, --delete');
  }
}

function interfaceCmd(args: string[]): void {
  const { values: v, positionals } = parseArgs({ args, allowPositionals: true, options: {
    add: { type: 'string' }, delete: { type: 'string', short: 'D' },
  } });
  const dpName = positionals[0];
  if (dpName === undefined || (v.add === undefined) === (v.delete === undefined)) throw new UsageError('interface: --add IF or --delete IF, then DATAPATH');
  const dp = DpifNetlink.open(dpName, { mode: 'existing' });
  try {
    if (v.add !== undefined) {
      const p = dp.createVport({ name: v.add, type: 'netdev' });
      out(`Added port #${p.portNo} '${p.name}' to ${dpName}`);
    } else {
      const p = dp.deleteVport({ name: v.delete! });
      out(`Deleted port #${p.portNo} '${p.name}' from ${dpName}`);
    }
  } finally { dp.close(); }
}

function flowsCmd(args: string[]): void {
  const { values: v } = parseArgs({ args, options: {
    datapath: { type: 'string', short: 'd' }, add: { type: 'string' }, delete: { type: 'string', short: 'D' }, flush: { type: 'boolean' },
  } });
  if (v.datapath === undefined) throw new UsageError('flows: --datapath NAME is required');
  const dp = DpifNetlink.open(v.datapath, { mode: 'existing' });
  try {
    if (v.add !== undefined) {
      const f = parseFlow(v.add);
      const r = dp.putFlowSync(flowPutFromRecords(f.key, f.mask ?? null, f.actions));
      out(r === 'created' ? 'flow installed' : 'flow already installed (EEXIST)');
    } else if (v.delete !== undefined) {
      const { key } = parseKeyList(v.delete.replace(/,?\s*actions:.*$/, ''));
      const s = dp.deleteFlow(keyFromRecords(key));
      out(`flow deleted: packets:${s.packets}, bytes:${s.bytes}`);
    } else if (v.flush === true) {
      dp.flushFlows();
      out('flows flushed');
    } else {
      throw new UsageError('flows: one of --add, --delete, --flush');
    }
  } finally { dp.close(); }
}

export function main(argv: string[]): number {
  const [cmd, ...rest] = argv;
  try {
    switch (cmd) {
      case 'datapath': datapathCmd(rest); return 0;
      case 'interface': interfaceCmd(rest); return 0;
      case 'flows': flowsCmd(rest); return 0;
      default: throw new UsageError(cmd === undefined ? 'no command' : `unknown command ${cmd}`);
    }
  } catch (e) {
    if (e instanceof NetlinkError) {
      process.stderr.write(`mm-dpctl: ${e.op} failed: ${e.code}${e.message.includes('(') ? ' ' + e.message.slice(e.message.indexOf('(')) : ''}\n`);
      return 1;
    }
    if (e instanceof UsageError || (e instanceof Error && 'code' in e && String(e.code).startsWith('ERR_PARSE_ARGS'))) {
      process.stderr.write(`mm-dpctl: ${e.message}\n${USAGE}\n`);
      return 2;
    }
    if (e instanceof FlowTextError) {
      process.stderr.write(`mm-dpctl: bad flow text: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
}

const invokedDirectly = process.argv[1] !== undefined && /mm-dpctl(\.[jt]s)?$/.test(process.argv[1]);
if (invokedDirectly) process.exitCode = main(process.argv.slice(2));
