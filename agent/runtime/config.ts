/**
 * Agent configuration as MidoNet resolves it (spec nsdb.md §4).
 *
 * Words:
 *  - bootstrap: where ZooKeeper is. Env `MIDO_ZOOKEEPER_HOSTS` /
 *    `MIDO_ZOOKEEPER_ROOT_KEY`, over the legacy INI (`[zookeeper]
 *    zookeeper_hosts`, `root_key`), over defaults `127.0.0.1:2181`, `/midonet`.
 *    A root of `/midonet/v1` (1.x) becomes `/midonet`.
 *  - key: a flat HOCON path (`agent.arptable.arp_stale`). INI `[zookeeper]` and
 *    `[cassandra]` keys map to `zookeeper.*` / `cassandra.*`, every other
 *    `[section] key` to `agent.section.key`, with MidoNet's unit fix-ups.
 *  - mn-conf: HOCON documents under `{root}/config` (stored as compact JSON):
 *    `schemas/*`, `templates/{name}`, `template-mappings`, `nodes/{hostId}`.
 *
 * Precedence, highest first: env + INI → `nodes/{hostId}` → the host's mapped
 * template (absent ⇒ `default`) → `templates/default` → union of schemas → the
 * built-in defaults of §4.3 (`DEFAULTS`).
 *
 * Contract: `loadConfig` never throws on a bad document: it logs and skips it.
 * Accessors throw `ConfigError` (MM_ERR_CONFIG) for a value of the wrong type.
 */
import { existsSync, readFileSync } from 'node:fs';
import type { ZkClient } from '../nsdb/zk/index.js';
import { isZkError } from '../nsdb/zk/index.js';
import { parseHocon } from './hocon.js';
import { child } from './log.js';

export type ConfigValue = string | number | boolean | readonly (string | number | boolean)[];
export type FlatConfig = Record<string, ConfigValue>;

export class ConfigError extends Error {
  readonly code = 'MM_ERR_CONFIG';
  constructor(readonly key: string, message: string) {
    super(`config ${key}: ${message}`);
    this.name = 'ConfigError';
  }
}

/** Built-in defaults for every key the agent reads (spec §4.3). */
export const DEFAULTS: Readonly<FlatConfig> = Object.freeze({
  'zookeeper.zookeeper_hosts': '127.0.0.1:2181',
  'zookeeper.root_key': '/midonet',
  'zookeeper.session_timeout': '30s',
  'zookeeper.failfast_session_timeout': '5s',
  'zookeeper.max_retries': 10,
  'zookeeper.base_retry': '1s',
  'zookeeper.buffer_size': 4194304,
  'zookeeper.lock_timeout': '30s',
  'zookeeper.transaction_attempts': 3,
  'zookeeper.bootstrap_timeout': '30s',
  'cassandra.servers': '',
  'cassandra.replication_factor': 1,
  'cassandra.cluster': 'midonet',
  'state_proxy.enabled': true,
  'agent.midolman.datapath': 'midonet',
  'agent.datapath.vxlan_overlay_udp_port': 6677,
  'agent.datapath.vxlan_vtep_udp_port': 4789,
  'agent.datapath.vxlan_recirculate_udp_port': 8899,
  'agent.datapath.recirc_cidr': '169.254.123.0/24',
  'agent.datapath.max_flow_count': 1500000,
  'agent.datapath.global_incoming_burst_capacity': 256,
  'agent.datapath.tunnel_incoming_burst_capacity': 128,
  'agent.datapath.vm_incoming_burst_capacity': 32,
  'agent.datapath.vtep_incoming_burst_capacity': 128,
  'agent.datapath.control_packet_tos': 184,
  'agent.datapath.set_tos_on_tunnel_header': false,
  'agent.midolman.simulation_threads': 2,
  'agent.midolman.output_channels': 2,
  'agent.midolman.input_channel_threading': 'one_to_many',
  'agent.midolman.dhcp_mtu': 1500,
  'agent.midolman.enable_bridge_arp': true,
  'agent.midolman.check_flow_expiration_interval': '10s',
  'agent.midolman.flow_expiration_rate_per_second': 5000,
  'agent.midolman.reclaim_datapath': false,
  'agent.midolman.bgp_keepalive': '60s',
  'agent.midolman.bgp_holdtime': '180s',
  'agent.midolman.bgp_connect_retry': '120s',
  'agent.router.max_bgp_peer_routes': 200,
  'agent.router.bgp_zookeeper_holdtime': '5s',
  'agent.bridge.mac_port_mapping_expire': '15s',
  'agent.arptable.arp_retry_interval': '10s',
  'agent.arptable.arp_timeout': '60s',
  'agent.arptable.arp_stale': '60s',
  'agent.arptable.arp_expiration': '90s',
  'agent.openstack.metadata.enabled': false,
  'agent.openstack.metadata.nova_metadata_url': 'http://localhost:8775',
  'agent.openstack.metadata.shared_secret': '',
  'agent.midolman.initial_storage_cache.enabled': true,
  'agent.midolman.initial_storage_cache.ttl_ms': 30000,
  'agent.minions.flow_state.enabled': true,
  'agent.minions.flow_state.legacy_push_state': false,
  'agent.minions.flow_state.local_push_state': true,
  'agent.minions.flow_state.port': 6688,
  'agent.minions.flow_state.connection_timeout': '2s',
  'agent.minions.flow_state.block_size': 262144,
  'agent.minions.flow_state.blocks_per_port': 512,
  'agent.minions.flow_state.expiration_time': '120s',
  'agent.minions.binding_api.enabled': true,
  'agent.minions.binding_api.unix_socket': '/var/run/midolman/midolman.sock',
  'agent.host.wait_time_gen_id': '1000ms',
  'agent.host.retries_gen_id': 300,
});

/** Legacy INI files, highest precedence first (MidoConf's list; `-c FILE` goes in front). */
export const DEFAULT_INI_PATHS: readonly string[] = Object.freeze([
  '/etc/midolman/midolman.conf',
  `${process.env['HOME'] ?? '/root'}/.midonetrc`,
  '/etc/midonet/midonet.conf',
]);

/** `[section] key = value` lines; `#`/`;` comments. */
export function parseIni(text: string): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {};
  let section = '';
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const sec = /^\[([^\]]+)\]$/.exec(line);
    if (sec !== null) {
      section = (sec[1] ?? '').trim();
      continue;
    }
    const eq = line.search(/[=:]/);
    if (eq < 0) continue;
    (out[section] ??= {})[line.slice(0, eq).trim()] = line.slice(eq + 1).trim();
  }
  return out;
}

const BARE_MS = new Set(['zookeeper.session_timeout', 'zookeeper.session_gracetime']);
const BARE_S = new Set(['agent.midolman.bgp_keepalive', 'agent.midolman.bgp_holdtime', 'agent.midolman.bgp_connect_retry']);

/** Legacy INI → flat HOCON keys, with MidoNet's unit fix-ups (§4.1). */
export function iniToFlat(ini: Record<string, Record<string, string>>): FlatConfig {
  const out: FlatConfig = {};
  for (const [section, kv] of Object.entries(ini)) {
    for (const [k, v] of Object.entries(kv)) {
      let key = section === 'zookeeper' || section === 'cassandra' ? `${section}.${k}` : `agent.${section}.${k}`;
      let value: string = v;
      const isNum = /^\d+$/.test(v);
      if (key === 'agent.bridge.mac_port_mapping_expire_millis') {
        key = 'agent.bridge.mac_port_mapping_expire';
        if (isNum) value = `${v}ms`;
      } else if (/^agent\.arptable\.arp_\w+_seconds$/.test(key)) {
        key = key.replace(/_seconds$/, '');
        if (isNum) value = `${v}s`;
      } else if (BARE_MS.has(key) && isNum) {
        value = `${v}ms`;
      } else if (BARE_S.has(key) && isNum) {
        value = `${v}s`;
      }
      out[key] = value;
    }
  }
  return out;
}

export interface BootstrapOptions {
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** INI files to read, highest precedence first. */
  readonly iniPaths?: readonly string[];
}

/** Env + INI layer, the highest one; also the only one needed to reach ZooKeeper. */
export function localLayer(opts: BootstrapOptions = {}): FlatConfig {
  const env = opts.env ?? process.env;
  const layer: FlatConfig = {};
  const paths = [...(opts.iniPaths ?? DEFAULT_INI_PATHS)].reverse();
  for (const p of paths) {
    if (!existsSync(p)) continue;
    Object.assign(layer, iniToFlat(parseIni(readFileSync(p, 'utf8'))));
  }
  const hosts = env['MIDO_ZOOKEEPER_HOSTS'];
  const root = env['MIDO_ZOOKEEPER_ROOT_KEY'];
  if (hosts !== undefined && hosts !== '') layer['zookeeper.zookeeper_hosts'] = hosts;
  if (root !== undefined && root !== '') layer['zookeeper.root_key'] = root;
  return layer;
}

export function fixRootKey(root: string): string {
  const r = root.replace(/\/+$/, '');
  if (r === '/midonet/v1') {
    child('config').warn('root_key /midonet/v1 (MidoNet 1.x) is replaced by /midonet');
    return '/midonet';
  }
  return r === '' ? '/midonet' : r;
}

export interface ZkBootstrap {
  readonly hosts: string;
  readonly rootKey: string;
}

export function zkBootstrap(opts: BootstrapOptions = {}): ZkBootstrap {
  const l = localLayer(opts);
  return {
    hosts: String(l['zookeeper.zookeeper_hosts'] ?? DEFAULTS['zookeeper.zookeeper_hosts']),
    rootKey: fixRootKey(String(l['zookeeper.root_key'] ?? DEFAULTS['zookeeper.root_key'])),
  };
}

/** Nested HOCON/JSON object → flat dotted keys. */
export function flatten(obj: unknown, prefix = '', out: FlatConfig = {}): FlatConfig {
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) {
    if (prefix !== '' && obj !== null && obj !== undefined) out[prefix] = obj as ConfigValue;
    return out;
  }
  for (const [k, v] of Object.entries(obj as Record<string, unknown>)) flatten(v, prefix === '' ? k : `${prefix}.${k}`, out);
  return out;
}

/** One mn-conf document: JSON if it parses, else the HOCON subset. Null on failure (logged). */
export function parseConfDocument(text: string, where: string): FlatConfig | null {
  const t = text.trim();
  if (t === '') return {};
  try {
    return flatten(JSON.parse(t));
  } catch {
    try {
      return flatten(parseHocon(t));
    } catch (e) {
      child('config').error({ where, err: String(e) }, 'skipping an unreadable mn-conf document');
      return null;
    }
  }
}

async function readDoc(zk: ZkClient, path: string): Promise<FlatConfig> {
  try {
    const { data } = await zk.get(path);
    return parseConfDocument(data.toString('utf8'), path) ?? {};
  } catch (e) {
    if (isZkError(e, 'NO_NODE')) return {};
    throw e;
  }
}

/** The whole stack; `zk` null ⇒ local layer + defaults only. */
export async function loadConfig(zk: ZkClient | null, hostId: string | null, opts: BootstrapOptions = {}): Promise<MidoConfig> {
  const local = localLayer(opts);
  const layers: FlatConfig[] = [local];
  if (zk !== null) {
    const root = fixRootKey(String(local['zookeeper.root_key'] ?? DEFAULTS['zookeeper.root_key']));
    const base = `${root}/config`;
    let schemaNames: string[] = [];
    try {
      schemaNames = (await zk.getChildren(`${base}/schemas`)).children.sort();
    } catch (e) {
      if (!isZkError(e, 'NO_NODE')) throw e;
    }
    const schemas: FlatConfig = {};
    for (const n of schemaNames) Object.assign(schemas, await readDoc(zk, `${base}/schemas/${n}`));
    const mappings = await readDoc(zk, `${base}/template-mappings`);
    let template = 'default';
    if (hostId !== null) {
      const m = mappings[hostId] ?? mappings[`template_mappings.${hostId}`];
      if (typeof m === 'string' && m !== '') template = m;
    }
    if (hostId !== null) layers.push(await readDoc(zk, `${base}/nodes/${hostId}`));
    if (template !== 'default') layers.push(await readDoc(zk, `${base}/templates/${template}`));
    layers.push(await readDoc(zk, `${base}/templates/default`));
    layers.push(schemas);
  }
  layers.push(DEFAULTS);
  return new MidoConfig(layers);
}

const UNITS: Record<string, number> = {
  ns: 1e-6, us: 1e-3, ms: 1, millis: 1, milliseconds: 1, s: 1000, second: 1000, seconds: 1000,
  m: 60_000, minute: 60_000, minutes: 60_000, h: 3_600_000, hour: 3_600_000, hours: 3_600_000,
  d: 86_400_000, day: 86_400_000, days: 86_400_000,
};

/** HOCON duration → milliseconds; a bare number is milliseconds (HOCON's getDuration). */
export function parseDurationMs(v: ConfigValue, key = ''): number {
  if (typeof v === 'number') return v;
  const m = /^\s*(-?\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(String(v));
  const unit = UNITS[(m?.[2] ?? '').toLowerCase() || 'ms'];
  if (m === null || unit === undefined) throw new ConfigError(key, `not a duration: ${String(v)}`);
  return Number(m[1]) * unit;
}

/** Layered, read-only configuration with typed accessors. */
export class MidoConfig {
  constructor(private readonly layers: readonly FlatConfig[]) {}

  raw(key: string): ConfigValue | undefined {
    for (const l of this.layers) {
      const v = l[key];
      if (v !== undefined) return v;
    }
    return undefined;
  }

  private must(key: string): ConfigValue {
    const v = this.raw(key);
    if (v === undefined) throw new ConfigError(key, 'no value and no default');
    return v;
  }

  str(key: string): string {
    return String(this.must(key));
  }

  int(key: string): number {
    const v = this.must(key);
    const n = typeof v === 'number' ? v : Number(String(v).trim());
    if (!Number.isInteger(n)) throw new ConfigError(key, `not an integer: ${String(v)}`);
    return n;
  }

  bool(key: string): boolean {
    const v = this.must(key);
    if (typeof v === 'boolean') return v;
    const s = String(v).trim().toLowerCase();
    if (s === 'true' || s === 'yes' || s === 'on') return true;
    if (s === 'false' || s === 'no' || s === 'off') return false;
    throw new ConfigError(key, `not a boolean: ${String(v)}`);
  }

  durationMs(key: string): number {
    return parseDurationMs(this.must(key), key);
  }

  get zookeeperHosts(): string { return this.str('zookeeper.zookeeper_hosts'); }
  get rootKey(): string { return fixRootKey(this.str('zookeeper.root_key')); }
  get sessionTimeoutMs(): number { return this.durationMs('zookeeper.session_timeout'); }
  /** Defaults to the session timeout, as in nsdb.conf. */
  get sessionGracetimeMs(): number {
    return this.raw('zookeeper.session_gracetime') === undefined ? this.sessionTimeoutMs : this.durationMs('zookeeper.session_gracetime');
  }
  get transactionAttempts(): number { return this.int('zookeeper.transaction_attempts'); }
  get macPortMappingExpireMs(): number { return this.durationMs('agent.bridge.mac_port_mapping_expire'); }
  get arpStaleMs(): number { return this.durationMs('agent.arptable.arp_stale'); }
  get arpExpirationMs(): number { return this.durationMs('agent.arptable.arp_expiration'); }
  get maxFlowCount(): number { return this.int('agent.datapath.max_flow_count'); }
  get vxlanOverlayUdpPort(): number { return this.int('agent.datapath.vxlan_overlay_udp_port'); }
  get vxlanVtepUdpPort(): number { return this.int('agent.datapath.vxlan_vtep_udp_port'); }
  get cassandraServers(): string { return this.str('cassandra.servers'); }
}
