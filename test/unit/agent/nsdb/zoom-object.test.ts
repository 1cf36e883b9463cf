/**
 * ZoomObject binary codec against hand-assembled protobuf bytes, and the
 * provenance update rule of ZoomSerializer.updateProvenance.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  createProvenance, decodeZoomObject, encodeZoomObject, updateProvenance, updateProvenanceBytes,
  ZoomChange, ZoomOwner, type ZoomObject,
} from '../../../../agent/nsdb/zoom-object.js';
import { decodeBinary, encodeBinary } from '../../../../agent/nsdb/proto-binary.js';
import { ProtoBinaryError } from '../../../../agent/nsdb/proto-errors.js';

const PRODUCT = { version: '5.6.0', commit: 'abc' };

// ZoomObject { provenance { product_version "5.6.0" product_commit "abc"
//   change_owner 0x201 change_type 1 change_version 3 } }
const ONE = Uint8Array.from([
  0x0a, 0x13,                                     // field 1, length 19
  0x0a, 0x05, 0x35, 0x2e, 0x36, 0x2e, 0x30,       // product_version "5.6.0"
  0x12, 0x03, 0x61, 0x62, 0x63,                   // product_commit "abc"
  0x18, 0x81, 0x04,                               // change_owner 513 (varint 0x81 0x04)
  0x20, 0x01,                                     // change_type 1
  0x28, 0x03,                                     // change_version 3
]);

test('encodes and decodes hand-assembled bytes', () => {
  const obj: ZoomObject = {
    provenance: [{ product_version: '5.6.0', product_commit: 'abc', change_owner: 0x201, change_type: 1, change_version: 3 }],
  };
  assert.deepEqual(encodeZoomObject(obj), ONE);
  assert.deepEqual(decodeZoomObject(ONE), obj);
  assert.deepEqual(decodeZoomObject(new Uint8Array(0)), { provenance: [] });
});

test('create: one entry, version 0, owner none for a plain create', () => {
  const bytes = createProvenance(PRODUCT, ZoomOwner.NONE, ZoomChange.DATA);
  assert.deepEqual(decodeZoomObject(bytes).provenance, [
    { product_version: '5.6.0', product_commit: 'abc', change_owner: 0, change_type: 1, change_version: 0 },
  ]);
});

test('update: append for a different owner or product, OR bits for the same, null when nothing changes', () => {
  const start = decodeZoomObject(createProvenance(PRODUCT, ZoomOwner.AGENT_BINDING, ZoomChange.DATA));
  assert.equal(updateProvenance(start, PRODUCT, ZoomOwner.AGENT_BINDING, ZoomChange.DATA, 4), null);

  const ored = updateProvenance(start, PRODUCT, ZoomOwner.AGENT_BINDING, ZoomChange.BACK_REFERENCE, 5)!;
  assert.equal(ored.provenance.length, 1);
  assert.equal(ored.provenance[0]!.change_type, 3);
  assert.equal(ored.provenance[0]!.change_version, 0, 'OR keeps the original version');

  const appended = updateProvenance(ored, PRODUCT, ZoomOwner.CLUSTER_API, ZoomChange.DATA, 6)!;
  assert.equal(appended.provenance.length, 2);
  assert.deepEqual(appended.provenance[1], {
    product_version: '5.6.0', product_commit: 'abc', change_owner: 0x101, change_type: 1, change_version: 6,
  });
  const newer = updateProvenance(appended, { version: '5.6.1', commit: 'abc' }, ZoomOwner.CLUSTER_API, 1, 7)!;
  assert.equal(newer.provenance.length, 3);

  const bytes = updateProvenanceBytes(ONE, PRODUCT, 0x201, ZoomChange.BACK_REFERENCE, 9)!;
  assert.equal(decodeZoomObject(bytes).provenance[0]!.change_type, 3);
  assert.equal(updateProvenanceBytes(ONE, PRODUCT, 0x201, ZoomChange.DATA, 9), null);
});

test('unknown fields of a newer schema are kept and re-encoded', () => {
  // provenance entry with an extra field 9 (varint 7) and a top-level field 2 (bytes "z").
  const bytes = Uint8Array.from([0x0a, 0x04, 0x20, 0x01, 0x48, 0x07, 0x12, 0x01, 0x7a]);
  const obj = decodeZoomObject(bytes);
  assert.deepEqual(obj.provenance[0]!.unknown, ['#bin 4807']);
  assert.deepEqual(obj.unknown, ['#bin 12017a']);
  assert.deepEqual(encodeZoomObject(obj), bytes);
});

test('negative int32 is a 10-byte varint; unknown enum numbers are kept raw', () => {
  const b = encodeBinary('ZoomProvenance', { change_owner: -1 });
  assert.equal(b.length, 11);
  assert.deepEqual(decodeBinary('ZoomProvenance', b), { change_owner: -1 });
  // An enum number the schema lacks is kept as an unknown field, as protobuf-java does.
  assert.deepEqual(decodeBinary('StateResponse.Error', Uint8Array.from([0x08, 0x02])), { code: 'BAD_REQUEST' });
  assert.deepEqual(decodeBinary('StateResponse.Error', Uint8Array.from([0x08, 0x09])), { unknown: ['#bin 0809'] });
});

test('corrupt bytes throw MM_ERR_PROTO_BINARY', () => {
  for (const bad of [[0x0a, 0x05, 0x0a], [0x0a], [0x0b, 0x00], [0x0a, 0x02, 0x18, 0xff]]) {
    assert.throws(() => decodeZoomObject(Uint8Array.from(bad)), (e: unknown) =>
      e instanceof ProtoBinaryError && e.code === 'MM_ERR_PROTO_BINARY');
  }
});
