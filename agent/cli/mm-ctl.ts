#!/usr/bin/env node
/**
 * `mm-ctl --bind-port <port-id> <ifname>` / `mm-ctl --unbind-port <port-id>`:
 * bind a port to this host as MidoNet's binding API does (spec nsdb.md §3.3),
 * by writing ZooKeeper directly (MidoNet's mm-ctl-fallback path).
 *
 * Bind: `Port.host_id` = this host, `interface_name` = ifname; if the port was
 * bound to ANOTHER host, `previous_host_id` = that host (Nova binds the
 * destination before unbinding the source). Unbind: only when bound to this
 * host: clear `host_id` and `interface_name`, `previous_host_id` = this host.
 * Back-references `Host.port_ids` of the old and new host follow (a ZOOM
 * transaction, agent/nsdb/zoom-transaction.ts), and each changed object's
 * provenance (owner agent:binding), all in ONE versioned multi, retried
 * `transaction_attempts` times on a version conflict.
 *
 * Exit codes (MmCtl): 0 ok, 1 bad command, 2 no host id, 3 state error
 * (no such port or host, conflict), 13 not root, 255 (-1) anything else.
 * Not done: the Curator semaphore on `{Z}/locks/zoom-topology`; the versioned
 * multi alone keeps concurrent writers from losing each other's changes.
 */
import type { Port } from '../../simulation/topology/objects.js';
import { readHostId, type HostIdPaths } from '../host/host-id.js';
import { Zoom } from '../nsdb/zoom.js';
import { ZoomOwner } from '../nsdb/zoom-object.js';
import { ZoomError, ZoomTransaction } from '../nsdb/zoom-transaction.js';
import { createZkClient, isZkError } from '../nsdb/zk/index.js';
import { zkBootstrap, type BootstrapOptions } from '../runtime/config.js';

export const MM_CTL_OK = 0;
export const MM_CTL_BAD_COMMAND = 1;
export const MM_CTL_NO_HOST_ID = 2;
export const MM_CTL_STATE_ERROR = 3;
export const MM_CTL_NOT_ROOT = 13;
export const MM_CTL_OTHER = 255;

export class BindingStateError extends Error {
  readonly code = 'MM_ERR_BINDING_STATE';
}

/**
 * One bind/unbind attempt as a single multi. The transaction keeps the
 * `Host.port_ids` back-references of the old and new host (zoom-bindings.ts).
 * Throws BindingStateError, ZoomError or ZkError.
 */
async function bindOnce(zoom: Zoom, hostId: string, portId: string, ifname: string | null): Promise<boolean> {
  const tx = new ZoomTransaction(zoom, { owner: ZoomOwner.AGENT_BINDING });
  const port = await tx.get('ports', portId);
  if (port === null) throw new BindingStateError(`no port ${portId}`);
  const oldHost = port.host_id;
  if (ifname === null) {
    if (oldHost !== hostId) return false;
    const { host_id: _h, interface_name: _i, ...rest } = port;
    void _h;
    void _i;
    await tx.update('ports', { ...rest, previous_host_id: hostId });
  } else {
    if ((await tx.get('hosts', hostId)) === null) throw new BindingStateError(`host ${hostId} is not registered`);
    const next: Port = {
      ...port,
      host_id: hostId,
      interface_name: ifname,
      ...(oldHost !== undefined && oldHost !== hostId ? { previous_host_id: oldHost } : {}),
    };
    await tx.update('ports', next);
  }
  await tx.commit();
  return true;
}

/** Bind (`ifname` set) or unbind (`ifname` null); resolves false when unbind had nothing to do. */
export async function changeBinding(
  zoom: Zoom, hostId: string, portId: string, ifname: string | null, attempts = 3,
): Promise<boolean> {
  for (let i = 1; ; i++) {
    try {
      return await bindOnce(zoom, hostId, portId, ifname);
    } catch (e) {
      if (!isZkError(e, 'BAD_VERSION') || i >= attempts) throw e;
    }
  }
}

export interface MmCtlOptions extends BootstrapOptions {
  readonly hostIdPaths?: HostIdPaths;
  readonly skipRootCheck?: boolean;
  readonly out?: (line: string) => void;
}

const UUID_RE = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

export async function mmCtl(argv: readonly string[], opts: MmCtlOptions = {}): Promise<number> {
  const err = opts.out ?? ((l: string) => process.stderr.write(`${l}\n`));
  const [flag, rawPort, ifname, ...rest] = argv;
  const bind = flag === '--bind-port';
  if ((!bind && flag !== '--unbind-port') || rawPort === undefined || !UUID_RE.test(rawPort) ||
      (bind ? ifname === undefined || rest.length > 0 : ifname !== undefined)) {
    err('usage: mm-ctl --bind-port <port-id> <interface> | --unbind-port <port-id>');
    return MM_CTL_BAD_COMMAND;
  }
  const portId = rawPort.toLowerCase();
  if (!(opts.skipRootCheck ?? process.env['MM_CTL_SKIP_ROOT_CHECK'] === '1') && process.getuid?.() !== 0) {
    err('mm-ctl must be run as root');
    return MM_CTL_NOT_ROOT;
  }
  let hostId: string | null;
  try {
    hostId = readHostId(opts.hostIdPaths ?? {});
  } catch (e) {
    err(String(e instanceof Error ? e.message : e));
    return MM_CTL_NO_HOST_ID;
  }
  if (hostId === null) {
    err('no host id: /etc/midonet_host_id.properties has no host_uuid (has midolman run on this host?)');
    return MM_CTL_NO_HOST_ID;
  }
  const boot = zkBootstrap(opts);
  const zk = createZkClient({ connectString: boot.hosts, opTimeoutMs: 15_000 });
  try {
    await zk.connect();
    const done = await changeBinding(new Zoom(zk, boot.rootKey), hostId, portId, bind ? (ifname ?? '') : null);
    if (!done) err(`port ${portId} is not bound to this host ${hostId}: nothing to unbind`);
    return MM_CTL_OK;
  } catch (e) {
    // A missing port or host, a dangling back-reference, a lost version race: MmCtl's state error.
    if (e instanceof BindingStateError || e instanceof ZoomError || isZkError(e, 'BAD_VERSION') || isZkError(e, 'NO_NODE')) {
      err(`mm-ctl: ${e.message}`);
      return MM_CTL_STATE_ERROR;
    }
    err(`mm-ctl: ${e instanceof Error ? e.message : String(e)}`);
    return MM_CTL_OTHER;
  } finally {
    await zk.close();
  }
}

const invokedAs = process.argv[1] ?? '';
if (/mm-ctl(\.[jt]s)?$/.test(invokedAs)) {
  void mmCtl(process.argv.slice(2)).then((code) => process.exit(code));
}
