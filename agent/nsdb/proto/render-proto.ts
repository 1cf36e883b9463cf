/**
 * Renders a schema table back to .proto source, for the reference files beside
 * this module (commons.proto, topology.proto, …). The tables are the truth; the
 * .proto files are a view a human or `protoc` can read, and a unit test keeps
 * them equal to this rendering.
 *
 * Layout: fields of a message in number order, nested enums, then nested
 * messages, then fields; a oneof is written where its first member falls.
 * Type names are written dotted from the package (`Rule.NatTarget`), which
 * protoc resolves from any scope and which sidesteps the shadowing of the
 * top-level `Type` enum by nested ones.
 *
 * To regenerate: `npx tsx -e "import('./agent/nsdb/proto/render-proto.ts').then(m => m.writeProtoFiles())"`.
 */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PROTO_PACKAGE, PROTO_REGISTRY } from './index.js';
import type { EnumSpec, FieldSpec, MessageSpec, ProtoFileSpec } from './schema.js';

function parentOf(name: string): string {
  const i = name.lastIndexOf('.');
  return i < 0 ? '' : name.slice(0, i);
}

function simple(name: string): string {
  return name.slice(name.lastIndexOf('.') + 1);
}

function fieldLine(f: FieldSpec, inOneof: boolean): string {
  const label = inOneof ? '' : `${f.label} `;
  let opts = '';
  if (f.default !== undefined) opts = ` [default = ${String(f.default)}]`;
  return `${label}${f.type} ${f.name} = ${f.number}${opts};`;
}

function renderEnum(e: EnumSpec, indent: string, out: string[]): void {
  out.push(`${indent}enum ${simple(e.name)} {`);
  for (const [name, number] of e.values) out.push(`${indent}    ${name} = ${number};`);
  out.push(`${indent}}`);
}

function renderMessage(m: MessageSpec, file: ProtoFileSpec, indent: string, out: string[]): void {
  out.push(`${indent}message ${simple(m.name)} {`);
  const inner = indent + '    ';
  for (const e of file.enums) if (parentOf(e.name) === m.name) renderEnum(e, inner, out);
  for (const n of file.messages) if (parentOf(n.name) === m.name) renderMessage(n, file, inner, out);
  const fields = [...m.fields].sort((a, b) => a.number - b.number);
  const doneOneofs = new Set<string>();
  for (const f of fields) {
    if (f.oneof === undefined) {
      out.push(inner + fieldLine(f, false));
      continue;
    }
    if (doneOneofs.has(f.oneof)) continue;
    doneOneofs.add(f.oneof);
    out.push(`${inner}oneof ${f.oneof} {`);
    for (const g of fields) if (g.oneof === f.oneof) out.push(`${inner}    ${fieldLine(g, true)}`);
    out.push(`${inner}}`);
  }
  out.push(`${indent}}`);
}

export function renderProtoFile(file: ProtoFileSpec): string {
  const out: string[] = [
    `// ${file.name}: MidoNet 5.x schema (proto2), rendered from the table in`,
    `// agent/nsdb/proto/${file.name.replace('.proto', '.ts')} by render-proto.ts. Reference only: edit the table.`,
    '',
    `package ${PROTO_PACKAGE};`,
    '',
  ];
  for (const i of file.imports) out.push(`import "${i}";`);
  if (file.imports.length > 0) out.push('');
  out.push(`option java_package = "${file.javaPackage}";`);
  out.push(`option java_outer_classname = "${file.javaOuterClass}";`);
  for (const e of file.enums) {
    if (parentOf(e.name) !== '') continue;
    out.push('');
    renderEnum(e, '', out);
  }
  for (const m of file.messages) {
    if (parentOf(m.name) !== '') continue;
    out.push('');
    renderMessage(m, file, '', out);
  }
  return out.join('\n') + '\n';
}

/** Rewrites the .proto files next to this module's source. */
export function writeProtoFiles(dir = dirname(fileURLToPath(import.meta.url))): void {
  for (const f of PROTO_REGISTRY.files) writeFileSync(join(dir, f.name), renderProtoFile(f));
}
