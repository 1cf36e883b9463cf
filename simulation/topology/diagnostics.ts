/**
 * Diagnostics from building devices: an object that cannot be used (a bad
 * subnet, a rule that breaks MidoNet's validation) is reported and left out;
 * the rest of the topology still builds. The agent logs these; the topology
 * file command prints them.
 */

export interface Diagnostic {
  readonly objectClass: string;
  readonly id: string;
  readonly message: string;
}

export class Diagnostics {
  readonly items: Diagnostic[] = [];
  warn(objectClass: string, id: string, message: string): void {
    this.items.push({ objectClass, id, message });
  }
}
