import { describe, expect, it } from 'vitest';
import { tinyRandomDir } from '../core/model/test-models';
import { InferenceClient } from '../core/inference/worker-client';
import { workerStarter } from '../workers/inference/worker-process';
import type { WorkerImage } from '../workers/inference/protocol';
import { fakeUtilityProcess } from './test/fake-utility-process';
import { utilityWorkerLauncher } from './utility-worker';

// Electron cannot run here (no binary can be downloaded); the launcher and the worker's utility-process branch run
// against a stand-in that gives a Node child the process.parentPort Electron would (main/test/fake-utility-process.ts).
const image: WorkerImage = { kind: 'hu', width: 32, height: 24, data: new Int16Array(32 * 24).fill(1024), slope: 1, intercept: -1024 };

const largeImage: WorkerImage = { ...image, width: 512, height: 512, data: new Int16Array(512 * 512).fill(1024) };

describe('the inference worker as a utility process', () => {
  it('answers through process.parentPort, and a killed worker fails its request with the reason and starts again', async () => {
    const utilityProcess = fakeUtilityProcess();
    const client = new InferenceClient({ modelDir: tinyRandomDir, requestTimeoutMs: 60_000, start: workerStarter(utilityWorkerLauncher(utilityProcess)) });
    try {
      const caption = await client.caption(image);
      expect(caption.ok, JSON.stringify(caption)).toBe(true);
      expect(utilityProcess.forks).toHaveLength(1);
      expect(utilityProcess.forks[0]).toMatchObject({ args: [tinyRandomDir], serviceName: 'Vesalius inference' });
      expect(utilityProcess.forks[0].modulePath).toMatch(/worker\.(ts|cjs)$/);

      const pid = client.pid!;
      // A large image keeps the request in flight while the worker is killed (a tiny one can be answered first).
      const pending = client.answer(largeImage, 'Is there a pneumothorax?');
      process.kill(pid, 'SIGKILL');
      const lost = await pending;
      expect(lost.ok).toBe(false);
      if (!lost.ok) expect(lost.error.message).toMatch(/tiny-random: answer: the inference worker exited with code \d+; it starts again on the next request/);

      const again = await client.segment(image, 'left lung');
      expect(again.ok, JSON.stringify(again)).toBe(true);
      expect(client.starts).toBe(2);
    } finally {
      await client.dispose();
    }
  }, 120_000);
});
