import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  decodeArpEntry, encodeArpEntry, MAC_PORT_CODEC, parseEntryName, resolveEntries, PERSISTENT_VERSION,
} from '../../../../agent/nsdb/state-tables.js';

test('entry names parse; others are null', () => {
  assert.deepEqual(parseEntryName('02:00:00:00:00:01,d0000000-0000-4000-8000-000000000001,0000000012'),
    { key: '02:00:00:00:00:01', value: 'd0000000-0000-4000-8000-000000000001', version: 12 });
  assert.deepEqual(parseEntryName('10.0.0.1,null;1;2;0,2147483647'), { key: '10.0.0.1', value: 'null;1;2;0', version: PERSISTENT_VERSION });
  for (const bad of ['garbage', 'a,b', ',b,1', 'a,b,x1', 'a,b,12345678901']) assert.equal(parseEntryName(bad), null, bad);
  assert.equal(MAC_PORT_CODEC.decodeKey('zz'), null);
});

test('resolution: learned beats persistent, then the highest sequence', () => {
  const e = (key: string, value: string, version: number) => ({ key, value, version });
  const r = resolveEntries([e('k', 'persist', PERSISTENT_VERSION), e('k', 'old', 3), e('k', 'new', 7), e('j', 'p', PERSISTENT_VERSION)]);
  assert.equal(r.get('k')?.value, 'new');
  assert.equal(r.get('j')?.value, 'p');
});

test('ArpEntry text round trip, null MAC allowed, junk refused', () => {
  const a = { mac: null, expiry: 5, stale: 4, lastArp: 0 };
  assert.equal(encodeArpEntry(a), 'null;5;4;0');
  assert.deepEqual(decodeArpEntry('null;5;4;0'), a);
  assert.deepEqual(decodeArpEntry('02:00:00:00:00:0A;1;2;3'), { mac: '02:00:00:00:00:0a', expiry: 1, stale: 2, lastArp: 3 });
  assert.equal(decodeArpEntry('02:00;1;2;3'), null);
  assert.equal(decodeArpEntry('null;x;2;3'), null);
});
