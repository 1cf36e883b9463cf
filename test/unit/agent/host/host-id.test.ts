import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HostIdError, loadHostId, parseProperties, readHostId } from '../../../../agent/host/host-id.js';
import { generateTunnelKey, parsePortActive, portStateText } from '../../../../agent/host/registration.js';

const dir = (): string => mkdtempSync(join(tmpdir(), 'mm-hid-'));

test('host id: primary, legacy fallback, generated and persisted, bad value refused', () => {
  const d = dir();
  const primary = join(d, 'midonet_host_id.properties');
  const legacy = join(d, 'host_uuid.properties');
  writeFileSync(legacy, 'host_uuid = A0000000-0000-4000-8000-000000000009\n');
  assert.equal(loadHostId({ primary, legacy }), 'a0000000-0000-4000-8000-000000000009');
  writeFileSync(primary, '#x\nhost_uuid=a0000000-0000-4000-8000-000000000001\n');
  assert.equal(loadHostId({ primary, legacy }), 'a0000000-0000-4000-8000-000000000001');
  const d2 = dir();
  const p2 = join(d2, 'sub', 'id.properties');
  assert.equal(readHostId({ primary: p2, legacy: join(d2, 'none') }), null);
  const gen = loadHostId({ primary: p2, legacy: join(d2, 'none') });
  assert.equal(parseProperties(readFileSync(p2, 'utf8')).get('host_uuid'), gen);
  assert.equal(loadHostId({ primary: p2, legacy: join(d2, 'none') }), gen, 'stable across starts');
  writeFileSync(primary, 'host_uuid=nope\n');
  assert.throws(() => loadHostId({ primary, legacy }), HostIdError);
});

test('tunnel keys carry type bits 001; active values in both formats', () => {
  for (let i = 0; i < 200; i++) {
    const k = generateTunnelKey();
    assert.equal(k >>> 20, 1);
  }
  const h = 'a0000000-0000-4000-8000-000000000001';
  assert.deepEqual(parsePortActive(portStateText(h, 0x123456)), { hostId: h, tunnelKey: 0x123456 });
  assert.deepEqual(parsePortActive(h.toUpperCase()), { hostId: h });
  assert.equal(parsePortActive('garbage {'), null);
});
