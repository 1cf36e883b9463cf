/**
 * zoom.proto: provenance of a model object, stored BINARY (not text) at
 * `{root}/zoom/0/objects/{Class}/{id}` by MidoNet ≥ 5.4.1 (spec nsdb.md §1.3, §2.5).
 * The codec and the update rule are in ../zoom-object.ts.
 */
import { message, opt, rep, type ProtoFileSpec } from './schema.js';

export const ZOOM_PROTO: ProtoFileSpec = {
  name: 'zoom.proto',
  imports: [],
  javaPackage: 'org.midonet.cluster.models',
  javaOuterClass: 'Zoom',
  enums: [],
  messages: [
    message('ZoomProvenance', [
      opt(1, 'product_version', 'string'),
      opt(2, 'product_commit', 'string'),
      opt(3, 'change_owner', 'int32'),
      opt(4, 'change_type', 'int32'),
      opt(5, 'change_version', 'int32'),
    ]),
    message('ZoomObject', [rep(1, 'provenance', 'ZoomProvenance')]),
  ],
};
