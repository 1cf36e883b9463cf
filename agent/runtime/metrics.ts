/**
 * Prometheus metrics. The hot path bumps plain integer counters (no prom-client
 * call per packet); collectors read them when Prometheus scrapes, so a packet
 * costs an increment, not a label lookup.
 *
 * `PacketCounters` is the one the workflow owns; `registerPacketCounters` exposes
 * it. `serveMetrics` answers GET /metrics on the configured address.
 */

import { createServer, type Server } from 'node:http';
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';

export const registry = new Registry();
collectDefaultMetrics({ register: registry, prefix: 'midolman_' });

/** Counters bumped on the packet path; read at scrape time. */
export class PacketCounters {
  upcalls = 0;
  simulations = 0;
  forwarded = 0;
  dropped = 0;
  consumed = 0;
  userspace = 0;
  parked = 0;
  flowsInstalled = 0;
  flowsRemoved = 0;
  /** Drop and error reasons (bounded set of stable codes). */
  readonly reasons = new Map<string, number>();

  countReason(reason: string): void {
    this.countReasonN(reason, 1);
  }
  countReasonN(reason: string, n: number): void {
    if (n > 0) this.reasons.set(reason, (this.reasons.get(reason) ?? 0) + n);
  }
}

export function registerPacketCounters(c: PacketCounters, liveFlows: () => number): void {
  const simple: [string, string, () => number][] = [
    ['midolman_upcalls_total', 'Upcalls received from the datapath', () => c.upcalls],
    ['midolman_simulations_total', 'Packets simulated', () => c.simulations],
    ['midolman_packets_forwarded_total', 'Simulations that forwarded', () => c.forwarded],
    ['midolman_packets_dropped_total', 'Simulations that dropped', () => c.dropped],
    ['midolman_packets_consumed_total', 'Packets answered by the agent (ARP, DHCP, ICMP)', () => c.consumed],
    ['midolman_packets_userspace_total', 'Packets handled without a kernel flow', () => c.userspace],
    ['midolman_packets_parked_total', 'Packets parked waiting for topology or ARP', () => c.parked],
    ['midolman_flows_installed_total', 'Kernel flows installed', () => c.flowsInstalled],
    ['midolman_flows_removed_total', 'Kernel flows removed (expiry or invalidation)', () => c.flowsRemoved],
  ];
  for (const [name, help, read] of simple) {
    new Counter({
      name,
      help,
      registers: [registry],
      collect() {
        this.reset();
        this.inc(read());
      },
    });
  }
  new Counter({
    name: 'midolman_drop_reasons_total',
    help: 'Drops by reason',
    labelNames: ['reason'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [reason, n] of c.reasons) this.inc({ reason }, n);
    },
  });
  new Gauge({
    name: 'midolman_flows',
    help: 'Kernel flows currently installed by the agent',
    registers: [registry],
    collect() {
      this.set(liveFlows());
    },
  });
}

/** A gauge read at scrape time (sizes of the agent's tables and queues). */
export function valueGauge(name: string, help: string, read: () => number): void {
  new Gauge({
    name,
    help,
    registers: [registry],
    collect() {
      this.set(read());
    },
  });
}

/** A 0/1 gauge for a condition the operator must see (e.g. ZooKeeper disconnected). */
export function conditionGauge(name: string, help: string, read: () => boolean): void {
  new Gauge({
    name,
    help,
    registers: [registry],
    collect() {
      this.set(read() ? 1 : 0);
    },
  });
}

/** Serves GET /metrics on host:port; returns the server (close it on stop). */
export function serveMetrics(listen: string): Server {
  const i = listen.lastIndexOf(':');
  const host = listen.slice(0, i) || '127.0.0.1';
  const port = Number(listen.slice(i + 1));
  const server = createServer((req, res) => {
    if (req.url !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    registry.metrics().then(
      (body) => res.writeHead(200, { 'content-type': registry.contentType }).end(body),
      (err: unknown) => res.writeHead(500).end(String(err)),
    );
  });
  server.listen(port, host);
  return server;
}
