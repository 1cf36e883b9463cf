/**
 * Protobuf schema tables: MidoNet's .proto files (nsdb/src/main/proto, proto2) as
 * plain descriptor data, written from the field tables of spec nsdb.md §2.
 *
 * Words:
 *  - a *message type* (`MessageDesc`) is a full name inside the package
 *    `org.midonet.cluster.models` (`Rule.NatTarget` for nested types) and its
 *    fields sorted by number — the order protobuf-java's TextFormat prints them in.
 *  - a *field* (`FieldDesc`) has a name, number, label and a kind: `scalar` (one
 *    of the 15 proto scalar types), `enum` or `message` (type = full name).
 *  - `format: 'mac'` marks string fields that hold a MAC in MidoNet's text form,
 *    so the topology-file validator can check them; the wire does not care.
 *
 * Contract: tables are frozen at module load; a type name that does not resolve,
 * a duplicate number or a field called `unknown` (reserved for kept unknown
 * fields, see text-format.ts) is a programming error and throws at import.
 * Tables are data, not generated code, because one table drives four things:
 * the text codec, the binary ZoomObject codec, object conversion and the
 * topology-file validator — and the .proto files in this folder are rendered
 * from it (render-proto.ts), so the two cannot drift.
 */

export type ScalarType =
  | 'double' | 'float' | 'int32' | 'int64' | 'uint32' | 'uint64' | 'sint32' | 'sint64'
  | 'fixed32' | 'fixed64' | 'sfixed32' | 'sfixed64' | 'bool' | 'string' | 'bytes';

export const SCALAR_TYPES: ReadonlySet<string> = new Set<ScalarType>([
  'double', 'float', 'int32', 'int64', 'uint32', 'uint64', 'sint32', 'sint64',
  'fixed32', 'fixed64', 'sfixed32', 'sfixed64', 'bool', 'string', 'bytes',
]);

/** 64-bit integer scalars: carried as bigint in proto messages. */
export const INT64_TYPES: ReadonlySet<string> = new Set([
  'int64', 'uint64', 'sint64', 'fixed64', 'sfixed64',
]);

export type Label = 'optional' | 'required' | 'repeated';
export type FieldKind = 'scalar' | 'enum' | 'message';
export type DefaultValue = string | number | boolean;

export interface FieldDesc {
  readonly number: number;
  readonly name: string;
  readonly label: Label;
  readonly kind: FieldKind;
  /** Scalar type name, or the full name of the enum / message type. */
  readonly type: string;
  /** Declared `[default = …]`: a number, bool, string or enum value name. */
  readonly default?: DefaultValue;
  readonly oneof?: string;
  readonly format?: 'mac';
}

export interface MessageDesc {
  readonly name: string;
  readonly file: string;
  /** Sorted by field number. */
  readonly fields: readonly FieldDesc[];
  readonly byName: ReadonlyMap<string, FieldDesc>;
  readonly byNumber: ReadonlyMap<number, FieldDesc>;
}

export interface EnumDesc {
  readonly name: string;
  readonly file: string;
  /** In declaration order (the order the .proto lists them). */
  readonly values: readonly { readonly name: string; readonly number: number }[];
  readonly byName: ReadonlyMap<string, number>;
  readonly byNumber: ReadonlyMap<number, string>;
}

// ---- table DSL -------------------------------------------------------------

export interface FieldSpec {
  readonly number: number;
  readonly name: string;
  readonly label: Label;
  readonly type: string;
  readonly default?: DefaultValue;
  readonly oneof?: string;
  readonly format?: 'mac';
}

type Extra = { readonly default?: DefaultValue; readonly oneof?: string; readonly format?: 'mac' };

export function opt(number: number, name: string, type: string, extra: Extra = {}): FieldSpec {
  return { number, name, label: 'optional', type, ...extra };
}
export function req(number: number, name: string, type: string): FieldSpec {
  return { number, name, label: 'required', type };
}
export function rep(number: number, name: string, type: string, extra: Extra = {}): FieldSpec {
  return { number, name, label: 'repeated', type, ...extra };
}
/** `n` UUID fields are so common that they get a shorthand. */
export function id(number: number, name: string): FieldSpec {
  return opt(number, name, 'UUID');
}
export function ids(number: number, name: string): FieldSpec {
  return rep(number, name, 'UUID');
}

export interface MessageSpec {
  readonly name: string;
  readonly fields: readonly FieldSpec[];
}
export interface EnumSpec {
  readonly name: string;
  readonly values: readonly (readonly [string, number])[];
}
export interface ProtoFileSpec {
  /** e.g. `commons.proto` */
  readonly name: string;
  readonly imports: readonly string[];
  readonly javaPackage: string;
  readonly javaOuterClass: string;
  readonly enums: readonly EnumSpec[];
  readonly messages: readonly MessageSpec[];
}

export function message(name: string, fields: readonly FieldSpec[]): MessageSpec {
  return { name, fields };
}
export function enumOf(name: string, values: Readonly<Record<string, number>>): EnumSpec {
  return { name, values: Object.entries(values) };
}

// ---- registry --------------------------------------------------------------

export interface ProtoRegistry {
  readonly files: readonly ProtoFileSpec[];
  readonly messages: ReadonlyMap<string, MessageDesc>;
  readonly enums: ReadonlyMap<string, EnumDesc>;
}

/** Resolves every type name and indexes the tables. Throws on any inconsistency. */
export function buildRegistry(files: readonly ProtoFileSpec[]): ProtoRegistry {
  const enums = new Map<string, EnumDesc>();
  for (const file of files) {
    for (const e of file.enums) {
      if (enums.has(e.name)) throw new Error(`proto schema: enum ${e.name} declared twice`);
      enums.set(e.name, Object.freeze({
        name: e.name,
        file: file.name,
        values: Object.freeze(e.values.map(([name, number]) => Object.freeze({ name, number }))),
        byName: new Map(e.values.map(([n, v]) => [n, v] as const)),
        byNumber: new Map(e.values.map(([n, v]) => [v, n] as const)),
      }));
    }
  }
  const messageNames = new Set(files.flatMap((f) => f.messages.map((m) => m.name)));
  const messages = new Map<string, MessageDesc>();
  for (const file of files) {
    for (const m of file.messages) {
      if (messages.has(m.name)) throw new Error(`proto schema: message ${m.name} declared twice`);
      const fields = [...m.fields].sort((a, b) => a.number - b.number).map((f) => {
        const kind: FieldKind = SCALAR_TYPES.has(f.type) ? 'scalar'
          : enums.has(f.type) ? 'enum'
          : messageNames.has(f.type) ? 'message'
          : fail(`proto schema: ${m.name}.${f.name}: unknown type ${f.type}`);
        if (f.name === 'unknown') fail(`proto schema: ${m.name}: field name "unknown" is reserved`);
        return Object.freeze({ ...f, kind });
      });
      const byNumber = new Map(fields.map((f) => [f.number, f] as const));
      const byName = new Map(fields.map((f) => [f.name, f] as const));
      if (byNumber.size !== fields.length || byName.size !== fields.length) {
        fail(`proto schema: ${m.name}: duplicate field name or number`);
      }
      messages.set(m.name, Object.freeze({
        name: m.name, file: file.name, fields: Object.freeze(fields), byName, byNumber,
      }));
    }
  }
  return Object.freeze({ files, messages, enums });
}

function fail(msg: string): never {
  throw new Error(msg);
}
