/**
 * Coded errors of the protobuf codecs (text format, binary ZoomObject, object
 * conversion). Each carries a stable `code` callers and tests switch on:
 *
 *  - MM_ERR_PROTO_TEXT   text that is not protobuf text format (line/column 1-based)
 *  - MM_ERR_PROTO_BINARY bytes that are not a valid protobuf encoding
 *  - MM_ERR_PROTO_VALUE  an in-memory message or object that cannot be encoded
 *                        (wrong JS type for a field, bad UUID/IP string, …); `path`
 *                        names the field (`hosts[0].ip`)
 *
 * Unknown fields are never errors: they are kept (text-format.ts).
 */

export type ProtoErrorCode = 'MM_ERR_PROTO_TEXT' | 'MM_ERR_PROTO_BINARY' | 'MM_ERR_PROTO_VALUE';

export class ProtoError extends Error {
  readonly code: ProtoErrorCode;
  constructor(code: ProtoErrorCode, message: string) {
    super(message);
    this.name = 'ProtoError';
    this.code = code;
  }
}

export class ProtoTextError extends ProtoError {
  readonly line: number;
  readonly column: number;
  /** The reason without the position prefix. */
  readonly reason: string;
  constructor(line: number, column: number, reason: string) {
    super('MM_ERR_PROTO_TEXT', `${line}:${column}: ${reason}`);
    this.name = 'ProtoTextError';
    this.line = line;
    this.column = column;
    this.reason = reason;
  }
}

export class ProtoBinaryError extends ProtoError {
  readonly offset: number;
  constructor(offset: number, reason: string) {
    super('MM_ERR_PROTO_BINARY', `at byte ${offset}: ${reason}`);
    this.name = 'ProtoBinaryError';
    this.offset = offset;
  }
}

export class ProtoValueError extends ProtoError {
  readonly path: string;
  constructor(path: string, reason: string) {
    super('MM_ERR_PROTO_VALUE', path === '' ? reason : `${path}: ${reason}`);
    this.name = 'ProtoValueError';
    this.path = path;
  }
}
