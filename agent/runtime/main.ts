/**
 * `midolman run`: the agent daemon. Start-up, in order (MidoNet's Midolman
 * main and its services):
 *
 *   1. host id (/etc/midonet_host_id.properties), ZooKeeper bootstrap from the
 *      environment and /etc/midolman/midolman.conf;
 *   2. ZooKeeper session; mn-conf (schemas, templates, per-host overrides);
 *   3. host registration (Host object, alive, HostState) — refused ⇒ exit 2;
 *   4. topology store and service: devices are loaded from ZooKeeper when the
 *      packet path first needs them (the local host, its tunnel zones and its
 *      bound ports right away), built immutable, and watched; port bindings;
 *   5. datapath `midonet` (re-created), tunnel vports, a vport per bound
 *      interface as it appears (rtnetlink), port active state published;
 *   6. the packet workflow on upcalls; flow expiry and the waiting room on one
 *      coarse timer; Prometheus metrics.
 *
 * ZooKeeper trouble: while disconnected the agent forwards with the topology
 * it has (log line + `midolman_zookeeper_connected` 0); on reconnect the store
 * catches up; on a new session it re-registers its ephemeral state.
 */

import { hostname } from 'node:os';
import { loadHostId } from '../host/host-id.js';
import { HostRegistration } from '../host/registration.js';
import { HostBindings } from '../host/bindings.js';
import { scanInterfaces } from '../host/interfaces.js';
import { createZkClient, type ZkClient } from '../nsdb/zk/index.js';
import { Zoom } from '../nsdb/zoom.js';
import { TopologyStore } from '../nsdb/topology-store.js';
import { loadConfig, zkBootstrap, parseDurationMs, type ZkBootstrap } from './config.js';
import { child } from './log.js';
import { PacketCounters, conditionGauge, registerPacketCounters, serveMetrics, valueGauge } from './metrics.js';
import { TopologyService } from '../topology/topology-service.js';
import { PortStates } from '../topology/port-states.js';
import { DpifNetlink } from '../datapath/dpif-netlink.js';
import { DatapathController } from '../datapath/datapath-controller.js';
import { LinkMonitor } from '../datapath/link-monitor.js';
import { DatapathFeatureGuard } from '../datapath/dp-features.js';
import { FlowController } from '../flows/flow-controller.js';
import { TopologyPortResolver } from '../flows/port-resolver.js';
import { PacketWorkflow, datapathFlowSink, type InstalledFlow } from '../workflow/packet-workflow.js';
import { LocalState } from '../state/local-state.js';
import { TableReplicator } from '../state/table-replicator.js';
import { applyEffects } from '../workflow/apply-effects.js';
import type { TopologySnapshot } from '../../simulation/topology/snapshot.js';
import type { TopologyView } from '../../simulation/topology/view.js';
import { isObjectWait } from '../workflow/waiting-room.js';
import { Simulator } from '../../simulation/simulator.js';

const log = child('main');

export async function runAgent(_argv: readonly string[]): Promise<number> {
  const hostId = loadHostId();
  const boot = zkBootstrap();
  log.info({ hostId, zookeeper: boot.hosts, root: boot.rootKey }, 'midolman-ts starting');

  const zk: ZkClient = createZkClient({ connectString: boot.hosts });
  let zkConnected = false;
  zk.onSession((ev) => {
    zkConnected = ev === 'connected' || ev === 'reconnected';
    if (ev === 'disconnected') log.warn('ZooKeeper disconnected: forwarding with the topology we have');
    else if (ev === 'expired') log.warn('ZooKeeper session expired: re-registering ephemeral state');
    else log.info({ ev }, 'ZooKeeper session');
  });
  await zk.connect();
  zkConnected = true;
  conditionGauge('midolman_zookeeper_connected', 'ZooKeeper session connected', () => zkConnected);

  // A start-up failure past this point (registration refused, no openvswitch module) must end
  // the process: undo what is open (the ZooKeeper session would keep it alive, and `alive` would
  // linger for a session timeout), then let the caller print the error and pick the exit code.
  const undo: (() => unknown)[] = [() => zk.close()];
  try {
    return await startServices(zk, hostId, boot, undo);
  } catch (e) {
    for (const u of undo.reverse()) await Promise.resolve().then(u).catch(() => undefined);
    throw e;
  }
}

async function startServices(
  zk: ZkClient, hostId: string, boot: ZkBootstrap, undo: (() => unknown)[],
): Promise<number> {
  const config = await loadConfig(zk, hostId);
  const zoom = new Zoom(zk, boot.rootKey);
  const registration = new HostRegistration(zk, zoom, { hostId, hostName: hostname(), interfaces: scanInterfaces });
  undo.push(() => registration.stop());
  await registration.start();

  const store = new TopologyStore(zk, { root: boot.rootKey });

  const counters = new PacketCounters();
  const dpif = DpifNetlink.open(config.str('agent.midolman.datapath'), { mode: 'recreate' });
  undo.push(() => dpif.close());
  const featureGuard = new DatapathFeatureGuard(dpif.name);
  undo.push(() => featureGuard.close());
  let flows: FlowController<InstalledFlow> | null = null;
  const invalidate = (tag: string): number => flows?.invalidate(tag) ?? 0;
  flows = new FlowController<InstalledFlow>(
    datapathFlowSink(dpif, (e) => log.warn({ err: String(e) }, 'flow delete failed')),
    config.int('agent.datapath.max_flow_count'),
  );
  const arpStaleMs = parseDurationMs(config.raw('agent.arptable.arp_stale') ?? '60s');
  const arpExpirationMs = parseDurationMs(config.raw('agent.arptable.arp_expiration') ?? '90s');
  const state = new LocalState({ arpStaleMs, arpExpirationMs, flowStateIdleMs: 60_000 });
  // MAC, IPv4→MAC and ARP tables shared with every other agent through ZooKeeper.
  const tables = new TableReplicator({
    zk,
    paths: zoom.paths,
    state,
    applyRemote: (effects) => applyEffects(state, effects, Date.now(), invalidate),
    now: Date.now,
    arpStaleMs,
    arpExpirationMs,
    log: child('state-tables'),
  });
  const watchTables = (snap: TopologySnapshot): void => {
    for (const b of snap.parts.bridges.values()) tables.watchBridge(b.id, b.vlans);
    for (const r of snap.parts.routers.values()) tables.watchRouter(r.id);
  };
  // Parked packets waiting for a device are simulated again as soon as a rebuild may have brought it.
  let retryWaiting: () => void = () => undefined;
  const portStates = new PortStates({ zk, paths: zoom.paths, set: (id, st) => topology.setPortState(id, st), log: child('port-state') });
  const topology = new TopologyService({
    source: store,
    localHostId: hostId,
    invalidate,
    log: child('topology'),
    onRebuilt: (snap) => {
      watchTables(snap);
      portStates.sync(snap);
      retryWaiting();
    },
  });
  // The flow translator reaches peers through our host's tunnel zones: load them before traffic.
  // (The rebuild that follows runs onRebuilt: tables and port states are watched from there.)
  await topology.demand('hosts', hostId);

  const datapath = new DatapathController({
    dpif,
    log: child('datapath'),
    vxlanOverlayPort: config.int('agent.datapath.vxlan_overlay_udp_port'),
    vxlanVtepPort: config.int('agent.datapath.vxlan_vtep_udp_port'),
    setPortActive: (id, up) => registration.setPortActive(id, up),
    legacyTunnelKey: (id) => topology.currentObjects().ports.find((p) => p.id === id)?.tunnel_key,
    invalidate,
  });
  datapath.ensureOverlay();
  // Interfaces as rtnetlink reports them: the current ones first, then every one that appears,
  // goes up or down, is renamed or removed (a VM's tap usually appears after the agent started).
  const linkNames = new Map<number, string>();
  const links = new LinkMonitor();
  links.on('link', (ev) => {
    const old = linkNames.get(ev.ifindex);
    if (old !== undefined && old !== ev.name) void datapath.interfaceDown(old);
    if (ev.event === 'del') linkNames.delete(ev.ifindex);
    else linkNames.set(ev.ifindex, ev.name);
    if (ev.event === 'del' || !ev.up) {
      log.info({ ifname: ev.name, event: ev.event, up: ev.up }, 'interface gone or down');
      void datapath.interfaceDown(ev.name);
    }
    else void datapath.interfaceUp(ev.name);
  });
  links.start();
  undo.push(() => links.close());

  const bindings = new HostBindings(store, hostId);
  bindings.on((ev) => {
    if (ev.kind === 'bound') {
      void topology.demand('ports', ev.binding.portId);
      void datapath.bind(ev.binding.portId, ev.binding.interfaceName);
    } else {
      log.info({ port: ev.portId, ifname: ev.interfaceName }, 'port no longer bound to this host');
      void datapath.unbind(ev.portId);
    }
  });
  // start() reports the current bindings through the listener above; wait for their ports to load.
  await bindings.start();
  await Promise.all(bindings.current().map((b) => topology.demand('ports', b.portId)));

  const resolver = new TopologyPortResolver({
    topo: () => topology.current(),
    localHostId: hostId,
    localDpPort: (id) => datapath.localDpPort(id),
    overlay: datapath.overlay,
  });
  const simOptions = { dhcp: { dhcpMtu: config.int('agent.midolman.dhcp_mtu') } };
  let sim = new Simulator(topology.view(), state, simOptions);
  let simTopo: TopologyView = topology.view();
  const workflow = new PacketWorkflow({
    dp: dpif,
    ports: datapath,
    simulator: () => {
      const t = topology.view();
      if (t !== simTopo) {
        simTopo = t;
        sim = new Simulator(t, state, simOptions);
      }
      return sim;
    },
    state,
    flows,
    resolver,
    clock: Date.now,
    counters,
    megaflow: dpif.info().megaflow !== null,
  });
  retryWaiting = () => workflow.retryParked(isObjectWait);
  valueGauge('midolman_waiting_room_packets', 'Packets parked until a device loads or an ARP reply arrives', () => workflow.waiting.size);
  valueGauge('midolman_topology_devices_demanded', 'Devices the packet path asked ZooKeeper for', () => topology.demanded);
  dpif.onUpcall((u) => workflow.handleUpcall(u));
  dpif.onOutputError = (op, _seq, errno) => {
    counters.countReason(`${op}-errno-${errno}`);
  };
  registerPacketCounters(counters, () => flows?.size ?? 0);

  // One coarse timer: flow expiry, parked packets, idle flow state, retries.
  const tick = setInterval(() => {
    const now = Date.now();
    flows?.expire(now);
    for (const t of state.expire(now)) invalidate(t);
    workflow.retryParked(() => true);
    if (datapath.overlay.gre === null || datapath.overlay.vxlan === null) datapath.ensureOverlay();
    dpif.drainOutput();
    try {
      if (featureGuard.check()) log.warn('datapath user features were changed (ovs-dpctl?): restored per-vport upcall dispatch');
    } catch (e) {
      log.warn({ err: String(e) }, 'could not check the datapath features');
    }
  }, 1_000);

  const listen = process.env['MM_METRICS_LISTEN'] ?? '127.0.0.1:7300';
  const metrics = listen === '' ? null : serveMetrics(listen);
  log.info({ datapath: dpif.name, ports: datapath.entangled().length, metrics: listen }, 'midolman-ts running');

  return await new Promise<number>((resolve) => {
    const stop = (sig: string): void => {
      log.info({ sig }, 'stopping');
      clearInterval(tick);
      links.close();
      metrics?.close();
      bindings.stop();
      tables.close();
      portStates.close();
      topology.close();
      store.close();
      flows?.clear();
      void registration
        .stop()
        .catch(() => undefined)
        .finally(() => {
          featureGuard.close();
          dpif.close();
          void zk.close();
          resolve(0);
        });
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
}
