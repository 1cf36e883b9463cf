/**
 * DatapathFeatureGuard: keeps the datapath's user features MidoNet's (unaligned
 * attributes only, one upcall socket per vport).
 *
 * Why: opening the datapath with ovs-dpctl 3.x sets OVS_DP_F_DISPATCH_UPCALL_PER_CPU;
 * from then on the kernel sends misses to per-CPU sockets of a process that has
 * already exited, and every upcall is lost. The agent checks on its coarse timer
 * and sets its features back, logging that it had to.
 */

import { GenlSession } from './dpif-netlink.js';
import { MIDONET_DP_FEATURES, parseDp, writeDpSetFeatures } from './genl-datapath.js';

export class DatapathFeatureGuard {
  private readonly s = new GenlSession();
  resets = 0;

  constructor(private readonly name: string) {}

  /** The datapath's user features now. */
  features(): number {
    return this.s.getDatapath(this.name).userFeatures;
  }

  /** Restores MidoNet's features if someone changed them; true when it had to. */
  check(): boolean {
    if (this.features() === MIDONET_DP_FEATURES) return false;
    this.s.one('dp-set', (w, seq) => writeDpSetFeatures(w, this.s.fam.datapath.id, seq, this.name), parseDp);
    this.resets++;
    return true;
  }

  close(): void {
    this.s.close();
  }
}
