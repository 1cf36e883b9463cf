/**
 * One real ZooKeeper for a whole test file, with a connected client to write
 * with: started before the first test, stopped (clients closed) after the last.
 * Its fields are set once the `before` hook has run.
 */
import { after, before } from 'node:test';
import type { ZkClient } from '../../agent/nsdb/zk/index.js';
import { closeTestClients, startZk, testClient, type ZkServer } from './zk.js';

export interface ZkSuite {
  zk: ZkServer;
  writer: ZkClient;
}

export function zkSuite(): ZkSuite {
  const s = {} as ZkSuite;
  before(async () => {
    s.zk = await startZk();
    s.writer = testClient({ connectString: s.zk.connectString });
    await s.writer.connect();
  });
  after(async () => {
    await closeTestClients();
    await s.writer.close();
    await s.zk.close();
  });
  return s;
}
