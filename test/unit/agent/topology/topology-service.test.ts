import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { TopologyService, type TopologyChange, type TopologySource } from '../../../../agent/topology/topology-service.js';
import { FlowController, ExpiryClass } from '../../../../agent/flows/flow-controller.js';
import { TopologyBuilder, LOCAL_HOST } from '../../../support/topology-builder.js';
import type { TopologyObjects, TopologyClassKey } from '../../../../simulation/topology/objects.js';
import type { TopologyObject } from '../../../../agent/nsdb/proto-objects.js';

/** A TopologySource over a builder's objects, with change events on demand. */
class FakeSource implements TopologySource {
  private listeners: ((ev: TopologyChange) => void)[] = [];
  constructor(readonly b: TopologyBuilder) {}
  on(l: (ev: TopologyChange) => void): () => void {
    this.listeners.push(l);
    return () => (this.listeners = this.listeners.filter((x) => x !== l));
  }
  snapshot(): TopologyObjects {
    return structuredClone(this.b.objects) as unknown as TopologyObjects;
  }
  // Everything is loaded: the object or, for an unknown id, "absent".
  peek<K extends TopologyClassKey>(key: K, id: string): TopologyObject<K> | null {
    const list = this.b.objects[key] as unknown as readonly { id: string }[];
    return (list.find((o) => o.id === id) as TopologyObject<K> | undefined) ?? null;
  }
  fetch(): Promise<unknown> {
    return Promise.resolve();
  }
  emit(kind: 'added' | 'changed' | 'deleted', key: TopologyClassKey, obj: { id: string }): void {
    const ev: TopologyChange = kind === 'deleted' ? { kind, key, id: obj.id } : { kind, key, id: obj.id, obj };
    for (const l of this.listeners) l(ev);
  }
}

function setup() {
  const b = new TopologyBuilder();
  const br = b.bridge('br');
  const r = b.router('r');
  const sg = b.chain('sg');
  const p1 = b.bridgePort(br, { host: LOCAL_HOST, outbound_filter_id: sg });
  const p2 = b.bridgePort(br, { host: LOCAL_HOST });
  const { routerPort } = b.connect(br, r, '10.0.0.1/24');
  const src = new FakeSource(b);
  const removed: string[] = [];
  const flows = new FlowController<string>({ install: () => {}, remove: (p) => removed.push(p) });
  const svc = new TopologyService({
    source: src,
    localHostId: LOCAL_HOST,
    invalidate: (t) => flows.invalidate(t),
    log: pino({ level: 'silent' }),
    batchMs: 1,
  });
  // Flows as the simulation would tag them.
  flows.add({ key: 'to-p1', payload: 'to-p1', tags: [p1, br, sg], expiryClass: ExpiryClass.FLOW }, 0);
  flows.add({ key: 'to-p2', payload: 'to-p2', tags: [p2, br], expiryClass: ExpiryClass.FLOW }, 0);
  flows.add({ key: 'routed', payload: 'routed', tags: [r, routerPort], expiryClass: ExpiryClass.FLOW }, 0);
  return { b, src, svc, flows, removed, ids: { br, r, sg, p1, p2, routerPort } };
}

test('adding a rule to a chain invalidates exactly the flows through that chain', () => {
  const { b, src, svc, removed, ids } = setup();
  const rule = b.rule(ids.sg, { action: 'DROP' });
  src.emit('added', 'rules', b.objects.rules.find((x) => x.id === rule)!);
  svc.flush();
  assert.deepEqual(removed, ['to-p1']);
  assert.equal(svc.current().chain(ids.sg)!.rules.length, 1, 'new immutable chain built');
});

test('deleting a route invalidates the router flows and rebuilds its table', () => {
  const { b, src, svc, removed, ids } = setup();
  const before = svc.current().router(ids.r)!.routes.length;
  const route = b.objects.routes.find((x) => x.router_id === ids.r && x.next_hop === 'PORT')!;
  b.objects.routes.splice(b.objects.routes.indexOf(route), 1);
  src.emit('deleted', 'routes', route);
  svc.flush();
  assert.deepEqual(removed, ['routed']);
  assert.equal(svc.current().router(ids.r)!.routes.length, before - 1);
});

test('rebinding a port invalidates the port and its bridge, not the router', () => {
  const { b, src, svc, removed, ids } = setup();
  const port = b.port(ids.p2);
  port.interface_name = 'tap-moved';
  src.emit('changed', 'ports', port);
  svc.flush();
  assert.deepEqual(removed.sort(), ['to-p1', 'to-p2']);
  assert.equal(svc.current().port(ids.p2)!.interfaceName, 'tap-moved');
});

test('a burst of changes is one rebuild', async () => {
  const { b, src, svc, ids } = setup();
  for (let i = 0; i < 20; i++) {
    const rule = b.rule(ids.sg, { action: 'ACCEPT' });
    src.emit('added', 'rules', b.objects.rules.find((x) => x.id === rule)!);
  }
  await new Promise((r) => setTimeout(r, 30));
  assert.equal(svc.rebuilds, 1);
  assert.equal(svc.current().chain(ids.sg)!.rules.length, 20);
});

test('port state (active, published tunnel key) reaches the built port', () => {
  const { svc, ids } = setup();
  svc.setPortState(ids.p1, { active: false });
  svc.setPortState(ids.p2, { active: true, tunnelKey: 0x100abc });
  svc.flush();
  assert.equal(svc.current().port(ids.p1)!.active, false);
  assert.equal(svc.current().port(ids.p2)!.tunnelKey, 0x100abc);
});
