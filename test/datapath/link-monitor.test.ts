/**
 * LinkMonitor on the real rtnetlink: a tap (veth) appearing, coming up and going away is
 * reported as add / change / del events, pushed by the kernel (no polling).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LinkMonitor, listLinks, type LinkEvent } from '../../agent/datapath/link-monitor.js';
import { requireGuest } from '../support/vm.js';
import { shAsync, sleep } from '../support/guest.js';

test('a tap appearing, going up and disappearing are reported as events', async () => {
  requireGuest();
  const mon = new LinkMonitor();
  const events: LinkEvent[] = [];
  mon.on('link', (e) => events.push(e));
  mon.start();
  try {
    assert.ok(events.some((e) => e.event === 'add' && e.name === 'lo'), 'existing links reported first');
    events.length = 0;
    assert.equal((await shAsync('ip link add mmtap0 type veth peer name mmtap1')).status, 0);
    assert.equal((await shAsync('ip link set mmtap0 up')).status, 0);
    await sleep(200);
    const add = events.find((e) => e.name === 'mmtap0' && e.event === 'add');
    assert.ok(add !== undefined, JSON.stringify(events));
    assert.ok(events.some((e) => e.name === 'mmtap0' && e.event === 'change' && e.up), 'up state change');
    assert.ok(listLinks().some((l) => l.name === 'mmtap1'));
    assert.equal((await shAsync('ip link del mmtap0')).status, 0);
    await sleep(200);
    assert.ok(events.some((e) => e.name === 'mmtap0' && e.event === 'del' && e.ifindex === add.ifindex), JSON.stringify(events));
    assert.ok(events.some((e) => e.name === 'mmtap1' && e.event === 'del'));
    assert.ok(!mon.links().some((l) => l.name === 'mmtap0'));
  } finally {
    mon.close();
  }
});
