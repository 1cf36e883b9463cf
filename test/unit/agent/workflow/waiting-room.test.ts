import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WaitingRoom, waitKey } from '../../../../agent/workflow/waiting-room.js';

const frame = new Uint8Array(14);
const obj = (id: string) => ({ kind: 'object' as const, objectClass: 'Network', id });

test('a packet parked again with its first deadline expires on time, even behind newer packets', () => {
  const room = new WaitingRoom(5_000);
  room.park(obj('a'), { portId: 'p1', dpPort: 1, frame }, 0); // due at 5000
  room.park(obj('b'), { portId: 'p2', dpPort: 2, frame }, 3_000); // due at 8000
  // Retried at 4000: still waiting, now for another object, with its first deadline.
  const [again] = room.take((k) => k === waitKey(obj('a')), 4_000);
  assert.equal(again?.deadline, 5_000);
  room.park(obj('c'), again!, 4_000);
  assert.equal(room.size, 2);
  assert.equal(room.expire(6_000), 1, 'the re-parked packet is due at 5000, not behind the one due at 8000');
  assert.equal(room.size, 1);
  assert.equal(room.expire(8_000), 1);
  assert.equal(room.dropped, 2);
});
