/** Topology file: load, validate and write MidoNet topologies as JSON. */
export {
  formatTopologyFile, loadTopologyFile, parseTopologyJson, writeTopologyFile, type TopologyFile,
} from './topology-file.js';
export { TopologyFileError, type TopologyFileErrorWhere } from './errors.js';
