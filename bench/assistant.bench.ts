// The assistant's end-to-end latency through the inference worker, as the app calls it (InferenceClient: a
// separate process, structured-clone IPC, zod checks on both sides), beside the same graphs run directly in
// this process (VisionLanguageModel over an onnxruntime-node backend, the pipelines the worker runs), timed
// alternately (client, direct, client, direct …) so machine noise hits both. Per task: cold (a new image each
// call: preprocessing + encoder + the task) and warm (the image's encoding cached, as when the user asks again
// about the image on screen); then embedding throughput over a 500-slice series. Target: the worker's overhead
// ≤ 1.2× the direct run (issue 13, Benchmark).
//   npm run bench -- assistant [--model DIR] [--runs N] [--slices N]   (default models/tiny-random)
import { readdirSync, readFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import path from 'node:path';
import type { Result } from '../core/contract/result';
import { VisionLanguageModel } from '../core/inference/model';
import { captionPipeline, imageEmbedPipeline, segmentPipeline, textEmbedPipeline, vqaPipeline } from '../core/inference/pipelines';
import type { WorkerImage } from '../core/inference/protocol';
import { loadModelFolder, modelTasks } from '../core/model/config';
import { tinyRandomDir } from '../core/model/test-models';
import { DEFAULT_ZERO_SHOT_SETS } from '../core/inference/zero-shot';
import { templateTexts } from '../core/services/zero-shot-classify';
import { createOrtBackend } from '../workers/inference/backend';
import { InferenceClient } from '../core/inference/worker-client';
import { workerStarter } from '../workers/inference/worker-process';
import { syntheticCtSlice } from './ct-series';

const TARGET_RATIO = 1.2;
/** The worker's own setting (workers/inference/worker.ts): the direct side must not get more threads than it. */
const INTRA_OP_THREADS = 2;
const QUESTION = 'Is there a pneumothorax?';
const CAPTION_TEXT = 'axial ct of the chest';
const REQUEST_TIMEOUT_MS = 600_000;
/**
 * A call's CPU work goes on after it answers (onnxruntime's pool threads spin, V8 collects garbage): measured at
 * 35 ms over the next 50–100 ms after a tiny-random caption. Each CPU reading waits this long, untimed, so that
 * work is charged to the call that caused it and not to the other side's next call.
 */
const SETTLE_MS = 100;
/** Throughput alternates in blocks of this many slices (a settle wait between blocks, not between slices). */
const THROUGHPUT_BLOCK = 50;
const settle = () => new Promise<void>((resolve) => setTimeout(resolve, SETTLE_MS));

interface Options {
  modelDir: string;
  runs: number;
  slices: number;
}

/** `--model DIR`, `--runs N`, `--slices N` from the command line (bench/run.ts leaves flags out of the bench names). */
export function parseOptions(argv: readonly string[]): Options {
  const value = (flag: string): string | undefined => {
    const at = argv.indexOf(flag);
    if (at < 0) return undefined;
    const given = argv[at + 1];
    if (given === undefined || given.startsWith('--')) throw new Error(`${flag} needs a value`);
    return given;
  };
  const count = (flag: string, fallback: number): number => {
    const given = value(flag);
    if (given === undefined) return fallback;
    const n = Number(given);
    if (!Number.isInteger(n) || n < 1) throw new Error(`${flag} must be a whole number ≥ 1, got ${given}`);
    return n;
  };
  return { modelDir: path.resolve(value('--model') ?? tinyRandomDir), runs: count('--runs', 11), slices: count('--slices', 500) };
}

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

/** The client's answer, or a thrown error naming the task (a failed call would make every figure meaningless). */
function unwrap<T>(task: string, result: Result<T>): T {
  if (!result.ok) throw new Error(`${task} through the worker failed: ${result.error.code}: ${result.error.message}`);
  return result.value;
}

/**
 * CPU time (ms) of every thread of a process so far, from Linux's /proc/<pid>/task/<tid>/schedstat (ns on the CPU,
 * the runtime's pool threads included); null where that is not readable. Wall times on a busy shared machine mostly
 * measure waiting for a core; CPU time measures the work each side does.
 */
function cpuMsOf(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    let ns = 0;
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      try {
        ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
      } catch {
        // The thread ended between the listing and the read; its time is lost to both sides alike.
      }
    }
    return ns / 1e6;
  } catch {
    return null;
  }
}

async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const started = performance.now();
  const value = await fn();
  return { ms: performance.now() - started, value };
}

/** One task both ways: `client` answers with the worker's own time (ms inside the worker), `direct` with nothing. */
interface Task {
  name: string;
  client: (image: WorkerImage) => Promise<{ workerMs: number; answer: unknown }>;
  direct: (image: WorkerImage) => Promise<unknown>;
  /** Whether the image's encoding is cached between calls (embed text has no image). */
  usesImage: boolean;
}

interface Paired {
  client: number;
  direct: number;
  worker: number;
  /** Median of each call's round trip less the worker's own time: IPC, validation, waiting to be scheduled. */
  transit: number;
  /** Median CPU time per call of both processes (this one and the worker) through the client, and directly; null without /proc. */
  clientCpu: number | null;
  directCpu: number | null;
}

/** Medians of `runs` alternating calls; `imageFor(i)` is the i-th call's image (new ones for cold, one for warm). */
async function alternate(task: Task, runs: number, imageFor: (i: number) => WorkerImage, cpuNow: () => number | null): Promise<Paired> {
  const client: number[] = [];
  const direct: number[] = [];
  const worker: number[] = [];
  const transit: number[] = [];
  const clientCpu: number[] = [];
  const directCpu: number[] = [];
  for (let i = 0; i < runs; i++) {
    const image = imageFor(i);
    const cpu0 = cpuNow();
    const a = await timed(() => task.client(image));
    await settle();
    const cpu1 = cpuNow();
    client.push(a.ms);
    worker.push(a.value.workerMs);
    transit.push(a.ms - a.value.workerMs);
    direct.push((await timed(() => task.direct(image))).ms);
    await settle();
    const cpu2 = cpuNow();
    if (cpu0 !== null && cpu1 !== null && cpu2 !== null) {
      clientCpu.push(cpu1 - cpu0);
      directCpu.push(cpu2 - cpu1);
    }
  }
  const cpu = (values: number[]) => (values.length === runs ? median(values) : null);
  return { client: median(client), direct: median(direct), worker: median(worker), transit: median(transit), clientCpu: cpu(clientCpu), directCpu: cpu(directCpu) };
}

const ms = (value: number): string => `${value.toFixed(1)} ms`.padStart(10);

const times = (ratio: number): string => `${ratio.toFixed(2)}×`.padStart(7);

function row(label: string, paired: Paired): string {
  const ratio = paired.client / paired.direct;
  const verdict = ratio <= TARGET_RATIO ? 'ok' : `OVER ${TARGET_RATIO}×`;
  const { clientCpu, directCpu } = paired;
  const cpu = clientCpu === null || directCpu === null ? 'CPU n/a' : `${ms(clientCpu)} ${ms(directCpu)} ${times(clientCpu / directCpu)}`;
  return `${label.padEnd(22)} ${ms(paired.client)} ${ms(paired.worker)} ${ms(paired.transit)} ${ms(paired.direct)} ${times(ratio)} ${verdict.padEnd(9)} ${cpu}`;
}

export async function run(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const folder = loadModelFolder(options.modelDir);
  const embeds = modelTasks(folder.config).includes('embed');
  const prompt = folder.config.segment_prompts?.[0] ?? 'lung';
  const [load1] = loadavg();
  console.log(`model ${folder.name} (${options.modelDir}); intraOpNumThreads ${INTRA_OP_THREADS} both sides; load ${load1.toFixed(1)} on ${availableParallelism()} cores`);
  console.log(`images: synthetic 512×512 int16 CT slices generated in memory (bench/ct-series.ts; no data directory read)`);

  const client = new InferenceClient({ modelDir: options.modelDir, requestTimeoutMs: REQUEST_TIMEOUT_MS, start: workerStarter() });
  const clientLoad = await timed(async () => unwrap('load', await client.load()));
  const directLoad = await timed(() => VisionLanguageModel.load(folder, createOrtBackend({ intraOpNumThreads: INTRA_OP_THREADS })));
  const model = directLoad.value;
  let nextSlice = 0;
  // A series long enough that no image repeats; every call that should be cold gets one nobody has encoded.
  const sliceCount = 100_000;
  const newImage = (): WorkerImage => syntheticCtSlice(nextSlice++ % sliceCount, sliceCount);

  try {
    console.log(`load: worker start + model ${clientLoad.ms.toFixed(0)} ms (worker ${clientLoad.value.ms.toFixed(0)} ms), direct ${directLoad.ms.toFixed(0)} ms`);

    const tasks: Task[] = [
      {
        name: 'caption',
        usesImage: true,
        client: async (image) => {
          const value = unwrap('caption', await client.caption(image));
          return { workerMs: value.ms, answer: value.text };
        },
        direct: async (image) => (await captionPipeline(model, image)).text,
      },
      {
        name: 'answer',
        usesImage: true,
        client: async (image) => {
          const value = unwrap('answer', await client.answer(image, QUESTION));
          return { workerMs: value.ms, answer: value.text };
        },
        direct: async (image) => (await vqaPipeline(model, image, QUESTION)).text,
      },
      {
        name: `segment "${prompt}"`,
        usesImage: true,
        client: async (image) => {
          const value = unwrap('segment', await client.segment(image, prompt));
          return { workerMs: value.ms, answer: value.mask };
        },
        direct: async (image) => (await segmentPipeline(model, image, prompt)).mask,
      },
    ];
    if (embeds) {
      tasks.unshift(
        {
          name: 'embed image',
          usesImage: true,
          client: async (image) => {
            const value = unwrap('embedImage', await client.embedImage(image));
            return { workerMs: value.ms, answer: value.embedding };
          },
          direct: (image) => imageEmbedPipeline(model, image),
        },
        {
          name: 'embed text',
          usesImage: false,
          client: async () => {
            const value = unwrap('embedText', await client.embedText(CAPTION_TEXT));
            return { workerMs: value.ms, answer: value.embedding };
          },
          direct: () => textEmbedPipeline(model, CAPTION_TEXT),
        },
      );
    }

    // The very first call after load (one sample each: the runtime's first run of the graphs), then the same
    // image through the other side, so both see their first call on the same new image.
    const first = newImage();
    const firstClient = await timed(() => tasks[0].client(first));
    const firstDirect = await timed(() => tasks[0].direct(first));
    console.log(`first call after load (${tasks[0].name}, new image, one sample): worker ${firstClient.ms.toFixed(1)} ms, direct ${firstDirect.ms.toFixed(1)} ms`);

    // Both sides must compute the same thing, or the ratio compares different work.
    const check = newImage();
    const agree: string[] = [];
    for (const task of tasks) {
      const a = (await task.client(check)).answer;
      const b = await task.direct(check);
      const same = a instanceof Float32Array && b instanceof Float32Array ? a.every((x, i) => Math.abs(x - b[i]) <= 1e-5) : a instanceof Uint8Array && b instanceof Uint8Array ? a.every((x, i) => x === b[i]) : a === b;
      agree.push(`${task.name} ${same ? 'same' : 'DIFFERENT'}`);
    }
    console.log(`worker vs direct answers: ${agree.join(', ')}`);

    console.log(
      `median of ${options.runs} alternating calls (wall ms): "in worker" = the worker's own time for the request, "transit" = round trip less that (IPC, checks, waiting for a core); ` +
        `CPU = on-CPU time of every thread of both processes from the call until ${SETTLE_MS} ms after it (the work, whatever the machine's load)`,
    );
    console.log(`${'task'.padEnd(22)} ${'worker'.padStart(10)} ${'in worker'.padStart(10)} ${'transit'.padStart(10)} ${'direct'.padStart(10)} ${'ratio'.padStart(7)} ${`≤ ${TARGET_RATIO}×`.padEnd(9)} ${'CPU worker'.padStart(10)} ${'CPU direct'.padStart(10)} ${'ratio'.padStart(7)}`);
    const cpuNow = (): number | null => {
      const own = cpuMsOf(process.pid);
      const worker = cpuMsOf(client.pid);
      return own === null || worker === null ? null : own + worker;
    };
    // The floor every call through the worker pays: an empty request (load, the model already loaded) does no model
    // work, so its round trip is the two process hops (IPC, the zod checks, waiting for a core) and nothing else.
    const empty = await alternate(
      { name: 'empty request', usesImage: false, client: async () => ({ workerMs: unwrap('load', await client.load()).ms, answer: null }), direct: async () => null },
      options.runs,
      () => check,
      cpuNow,
    );
    console.log(
      `${'empty request (floor)'.padEnd(22)} ${ms(empty.client)} ${ms(empty.worker)} ${ms(empty.transit)}   (no direct counterpart: what every call above pays on top of its work)` +
        (empty.clientCpu === null || empty.directCpu === null ? '' : `; CPU ${(empty.clientCpu - empty.directCpu).toFixed(1)} ms over idle`),
    );
    for (const task of tasks) {
      if (!task.usesImage) {
        console.log(row(task.name, await alternate(task, options.runs, () => check, cpuNow)));
        continue;
      }
      console.log(row(`${task.name} cold`, await alternate(task, options.runs, newImage, cpuNow)));
      const shown = newImage();
      await task.client(shown);
      await task.direct(shown);
      console.log(row(`${task.name} warm`, await alternate(task, options.runs, () => shown, cpuNow)));
    }
    if (embeds) {
      // Zero-shot's default sets fill 37 template texts (core/services/zero-shot-classify.ts): one embedTexts request
      // beside 37 embedText round trips and the 37 runs in-process.
      const texts = templateTexts(DEFAULT_ZERO_SHOT_SETS);
      const zeroShot = await alternate(
        {
          name: 'zero-shot texts',
          usesImage: false,
          client: async () => {
            const value = unwrap('embedTexts', await client.embedTexts(texts));
            return { workerMs: value.ms, answer: value.embeddings };
          },
          direct: async () => {
            const vectors: Float32Array[] = [];
            for (const text of texts) vectors.push(await textEmbedPipeline(model, text));
            return vectors;
          },
        },
        options.runs,
        () => check,
        cpuNow,
      );
      console.log(row(`${texts.length} texts, 1 request`, zeroShot));
      const oneByOne = await alternate(
        {
          name: 'zero-shot texts one by one',
          usesImage: false,
          client: async () => {
            let workerMs = 0;
            for (const text of texts) workerMs += unwrap('embedText', await client.embedText(text)).ms;
            return { workerMs, answer: null };
          },
          direct: async () => null,
        },
        Math.min(options.runs, 5),
        () => check,
        cpuNow,
      );
      console.log(`${`${texts.length} texts, ${texts.length} requests`.padEnd(22)} ${ms(oneByOne.client)} ${ms(oneByOne.worker)} ${ms(oneByOne.transit)}   (as zero-shot asked before embedTexts; ${(oneByOne.client / zeroShot.client).toFixed(1)}× the one request)`);
    }
    if (!embeds) {
      console.log(`embed image, embed text: n/a (${folder.name} has no image_embed / text_embed graphs)`);
      console.log('embedding throughput: n/a');
      return;
    }

    // Throughput: a series of new slices, one request at a time as the archive indexer sends them, alternating by block.
    let clientMs = 0;
    let directMs = 0;
    let clientCpu: number | null = 0;
    let directCpu: number | null = 0;
    for (let start = 0; start < options.slices; start += THROUGHPUT_BLOCK) {
      const block = Array.from({ length: Math.min(THROUGHPUT_BLOCK, options.slices - start) }, (_, i) => syntheticCtSlice(start + i, options.slices));
      const cpu0 = cpuNow();
      for (const slice of block) clientMs += (await timed(async () => unwrap('embedImage', await client.embedImage(slice)))).ms;
      await settle();
      const cpu1 = cpuNow();
      for (const slice of block) directMs += (await timed(() => imageEmbedPipeline(model, slice))).ms;
      await settle();
      const cpu2 = cpuNow();
      if (cpu0 === null || cpu1 === null || cpu2 === null || clientCpu === null || directCpu === null) clientCpu = directCpu = null;
      else {
        clientCpu += cpu1 - cpu0;
        directCpu += cpu2 - cpu1;
      }
    }
    const perSecond = (total: number) => (options.slices / (total / 1000)).toFixed(1);
    const ratio = clientMs / directMs;
    console.log(
      `embedding throughput over ${options.slices} new 512×512 slices: worker ${perSecond(clientMs)} images/s, direct ${perSecond(directMs)} images/s; ` +
        `worker time ${ratio.toFixed(2)}× direct (${ratio <= TARGET_RATIO ? 'ok' : `OVER ${TARGET_RATIO}×`}); ` +
        (clientCpu === null || directCpu === null
          ? 'CPU n/a'
          : `CPU ${(clientCpu / options.slices).toFixed(1)} vs ${(directCpu / options.slices).toFixed(1)} ms an image (${(clientCpu / directCpu).toFixed(2)}×)`) +
        `; load now ${loadavg()[0].toFixed(1)}`,
    );
  } finally {
    await client.dispose();
    await model.release();
  }
}
