import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ExpiryClass, FlowController, LIFETIME_MS, type FlowSink } from '../../../../agent/flows/flow-controller.js';

class FakeSink implements FlowSink<string> {
  readonly installed = new Set<string>();
  readonly log: string[] = [];
  install(p: string): void {
    this.installed.add(p);
    this.log.push(`+${p}`);
  }
  remove(p: string): void {
    assert.ok(this.installed.delete(p), `removing a flow that is not installed: ${p}`);
    this.log.push(`-${p}`);
  }
}

const flow = (key: string, tags: string[], cls: ExpiryClass = ExpiryClass.FLOW, onRemoved?: () => void) => ({
  key,
  payload: key,
  tags,
  expiryClass: cls,
  ...(onRemoved === undefined ? {} : { onRemoved }),
});

test('duplicate keys are not installed twice', () => {
  const sink = new FakeSink();
  const fc = new FlowController(sink);
  assert.equal(fc.add(flow('a', []), 0), true);
  assert.equal(fc.add(flow('a', []), 1), false);
  assert.deepEqual(sink.log, ['+a']);
  assert.equal(fc.size, 1);
});

test('invalidating a tag deletes exactly the flows carrying it', () => {
  const sink = new FakeSink();
  const fc = new FlowController(sink);
  fc.add(flow('a', ['bridge-1', 'port-1']), 0);
  fc.add(flow('b', ['bridge-1']), 0);
  fc.add(flow('c', ['router-9']), 0);
  assert.equal(fc.invalidate('bridge-1'), 2);
  assert.deepEqual([...sink.installed], ['c']);
  assert.equal(fc.invalidate('port-1'), 0, 'tag index cleaned with the flow');
  assert.equal(fc.invalidate('nothing'), 0);
});

test('hard expiry per class: error 5 s, stateful 30 s, normal 60 s, tunnel 300 s', () => {
  const sink = new FakeSink();
  const fc = new FlowController(sink);
  fc.add(flow('err', [], ExpiryClass.ERROR), 0);
  fc.add(flow('st', [], ExpiryClass.STATEFUL), 0);
  fc.add(flow('fl', [], ExpiryClass.FLOW), 0);
  fc.add(flow('tn', [], ExpiryClass.TUNNEL), 0);
  assert.equal(fc.expire(LIFETIME_MS[ExpiryClass.ERROR]! - 1), 0);
  assert.equal(fc.expire(5_000), 1);
  assert.equal(fc.expire(30_000), 1);
  assert.equal(fc.expire(59_999), 0);
  assert.equal(fc.expire(60_000), 1);
  assert.equal(fc.expire(299_999), 0);
  assert.equal(fc.expire(300_000), 1);
  assert.equal(fc.size, 0);
  assert.deepEqual(sink.log.filter((x) => x.startsWith('-')), ['-err', '-st', '-fl', '-tn']);
});

test('removal runs onRemoved once, whether by expiry or invalidation', () => {
  const sink = new FakeSink();
  const fc = new FlowController(sink);
  let n = 0;
  fc.add(flow('a', ['t'], ExpiryClass.FLOW, () => n++), 0);
  fc.invalidate('t');
  fc.expire(1e9);
  assert.equal(n, 1);
});

test('forget drops the record without deleting the kernel flow (EEXIST race)', () => {
  const sink = new FakeSink();
  const fc = new FlowController(sink);
  fc.add(flow('a', ['t']), 0);
  fc.forget('a');
  assert.equal(fc.size, 0);
  assert.deepEqual(sink.log, ['+a']);
  assert.equal(fc.invalidate('t'), 0);
});

test('capacity: the oldest flow is evicted', () => {
  const sink = new FakeSink();
  const fc = new FlowController(sink, 3);
  fc.add(flow('a', []), 0);
  fc.add(flow('b', []), 1);
  fc.add(flow('c', [], ExpiryClass.ERROR), 2);
  fc.add(flow('d', []), 3);
  assert.equal(fc.size, 3);
  assert.equal(fc.evicted, 1);
  assert.ok(!sink.installed.has('a'));
  assert.ok(sink.installed.has('c') && sink.installed.has('d'));
});

test('many flows: expiry keeps queues bounded and counts right', () => {
  const sink = new FakeSink();
  const fc = new FlowController(sink);
  for (let i = 0; i < 10_000; i++) fc.add(flow(`f${i}`, [`t${i % 10}`]), i);
  assert.equal(fc.invalidate('t3'), 1_000);
  assert.equal(fc.expire(60_000 + 4_999), 4_500);
  assert.equal(fc.size, 10_000 - 1_000 - 4_500);
});
