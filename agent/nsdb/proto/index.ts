/**
 * The MidoNet proto schema registry: every message and enum of commons,
 * topology, state, zoom and flowstate .proto, resolved once at import.
 *
 * `messageType('Port')` / `enumType('Rule.Action')` are the lookups the codecs
 * use; an unknown name throws (a caller bug, not bad data).
 */
import { COMMONS_PROTO } from './commons.js';
import { FLOWSTATE_PROTO } from './flowstate.js';
import { buildRegistry, type EnumDesc, type MessageDesc, type ProtoRegistry } from './schema.js';
import { STATE_PROTO } from './state.js';
import { TOPOLOGY_PROTO } from './topology.js';
import { ZOOM_PROTO } from './zoom.js';

export type {
  DefaultValue, EnumDesc, FieldDesc, FieldKind, Label, MessageDesc, ProtoFileSpec, ScalarType,
} from './schema.js';
export { INT64_TYPES, SCALAR_TYPES } from './schema.js';

/** Proto package of every MidoNet message (all five files share it). */
export const PROTO_PACKAGE = 'org.midonet.cluster.models';

export const PROTO_REGISTRY: ProtoRegistry = buildRegistry([
  COMMONS_PROTO, TOPOLOGY_PROTO, STATE_PROTO, ZOOM_PROTO, FLOWSTATE_PROTO,
]);

export function messageType(name: string): MessageDesc {
  const m = PROTO_REGISTRY.messages.get(name);
  if (m === undefined) throw new Error(`no proto message type ${name}`);
  return m;
}

export function enumType(name: string): EnumDesc {
  const e = PROTO_REGISTRY.enums.get(name);
  if (e === undefined) throw new Error(`no proto enum type ${name}`);
  return e;
}

/** Accepts a descriptor or a message name; lets callers write `printMessage('Port', m)`. */
export function resolveMessage(type: MessageDesc | string): MessageDesc {
  return typeof type === 'string' ? messageType(type) : type;
}
