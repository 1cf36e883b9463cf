/**
 * The kernel flow a simulation result would install, as `ovs-dpctl dump-flows`
 * text: the key from the packet as it arrived, the mask from the fields the
 * simulation read, and the translated actions. Used by `midolman simulate`,
 * traces and logs; the same bytes the datapath layer would send are decoded
 * back into records, so the text cannot drift from what is installed.
 */

import type { SimResult } from '../../simulation/result.js';
import { NlWriter } from '../datapath/nl-writer.js';
import { encodeFlowKey } from '../datapath/odp-flow-key.js';
import { encodeFlowMask } from '../datapath/odp-flow-mask.js';
import { decodeKeyAttrs } from '../datapath/odp-key-attrs.js';
import { formatFlow } from '../datapath/flow-text.js';
import { translateActions, type PortResolver } from './flow-translator.js';

const writer = new NlWriter(1024);

export function describeFlow(result: SimResult, resolver: PortResolver): string {
  const actions = translateActions(result, resolver);
  writer.reset();
  encodeFlowKey(writer, result.origMatch);
  const key = decodeKeyAttrs(writer.bytes(), 0, writer.length);
  writer.reset();
  encodeFlowMask(writer, result.origMatch, actions);
  const mask = decodeKeyAttrs(writer.bytes(), 0, writer.length);
  if (!key.ok || !mask.ok) return `(unencodable flow: ${key.ok ? '' : key.reason}${mask.ok ? '' : mask.reason})`;
  const text = formatFlow({ key: key.value, mask: mask.value, actions });
  // A userspace-only result is executed, not installed: say so in the text.
  return result.userspaceOnly ? `${text} (userspace: no kernel flow)` : text;
}
