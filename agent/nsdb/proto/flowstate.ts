/**
 * flowstate.proto: requests and replies between an agent and a flow-state minion
 * over TCP 6688, binary protobuf (spec nsdb.md §2.6, §5.4). Both messages are a
 * oneof `type`: exactly one variant is set.
 */
import { enumOf, id, message, opt, type ProtoFileSpec } from './schema.js';

export const FLOWSTATE_PROTO: ProtoFileSpec = {
  name: 'flowstate.proto',
  imports: ['commons.proto'],
  javaPackage: 'org.midonet.cluster.flowstate',
  javaOuterClass: 'FlowStateTransfer',
  enums: [enumOf('StateResponse.Error.Code', { GENERIC: 1, BAD_REQUEST: 2, STORAGE_ERROR: 3 })],
  messages: [
    message('StateRequest', [
      opt(1, 'internal', 'StateRequest.Internal', { oneof: 'type' }),
      opt(2, 'remote', 'StateRequest.Remote', { oneof: 'type' }),
      opt(3, 'raw', 'StateRequest.Raw', { oneof: 'type' }),
    ]),
    message('StateRequest.Internal', [id(1, 'port_id')]),
    message('StateRequest.Remote', [id(1, 'port_id'), opt(2, 'remote_ip', 'IPAddress')]),
    message('StateRequest.Raw', [id(1, 'port_id')]),
    message('StateResponse', [
      opt(1, 'error', 'StateResponse.Error', { oneof: 'type' }),
      opt(2, 'ack', 'StateResponse.Ack', { oneof: 'type' }),
    ]),
    message('StateResponse.Error', [
      opt(1, 'code', 'StateResponse.Error.Code'),
      opt(2, 'description', 'string'),
    ]),
    message('StateResponse.Ack', [id(1, 'port_id')]),
  ],
};
