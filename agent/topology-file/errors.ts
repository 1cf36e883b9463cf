/**
 * TopologyFileError: what is wrong with a topology file, said so a user can fix
 * it without reading code: the file, the object (class array, index, id), the
 * field path inside it, what was expected and what was found.
 *
 *   net.json: ports[2] (id 4a2e6b0c-…): field "port_subnet[0]": expected an IP
 *   subnet like "10.0.0.0/24", got "10.0.0.0"
 *
 * Code `MM_ERR_TOPOLOGY_FILE`. The CLI prints `message` alone, never a stack.
 */

export interface TopologyFileErrorWhere {
  /** File name as given by the caller. */
  readonly file: string;
  /** Top-level key (`ports`), if the problem is inside a class array. */
  readonly classKey?: string;
  readonly index?: number;
  readonly objectId?: string;
  /** Path inside the object: `condition.nw_src_ip`, `port_subnet[0]`. */
  readonly field?: string;
}

export class TopologyFileError extends Error {
  readonly code = 'MM_ERR_TOPOLOGY_FILE';
  readonly where: TopologyFileErrorWhere;
  /** The problem alone, without the location prefix. */
  readonly problem: string;

  constructor(where: TopologyFileErrorWhere, problem: string) {
    super(`${locate(where)}: ${problem}`);
    this.name = 'TopologyFileError';
    this.where = where;
    this.problem = problem;
  }
}

function locate(w: TopologyFileErrorWhere): string {
  let s = w.file;
  if (w.classKey !== undefined) {
    s += `: ${w.classKey}`;
    if (w.index !== undefined) s += `[${w.index}]`;
    if (w.objectId !== undefined) s += ` (id ${w.objectId})`;
  }
  if (w.field !== undefined) s += `: field "${w.field}"`;
  return s;
}

/** A short description of a JSON value for "got …" (strings quoted, long ones cut). */
export function describeJson(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  switch (typeof v) {
    case 'string': return JSON.stringify(v.length > 60 ? `${v.slice(0, 57)}...` : v);
    case 'object': return 'an object';
    case 'number':
    case 'boolean': return String(v);
    default: return typeof v;
  }
}
