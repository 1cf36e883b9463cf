/**
 * The ZooKeeper client layer's export surface: the `ZkClient` interface and its
 * one implementation. Nothing outside agent/nsdb/zk imports the library.
 */
export * from './zk-client.js';
export { createZkClient } from './zk-nzc.js';
