// The process the durability tests start (bundled once with esbuild, run with plain node) and kill.
// Every line it prints about a save is printed only after the commit returned.
import { writeSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { PendingSaves } from '../annotations/pending-saves';
import { AnnotationStore, type StoreResult } from './annotation-store';
import { StoreHandle } from './store-handle';
import { editForSeed } from './test-helpers';

const say = (line: string): void => {
  writeSync(1, `${line}\n`);
};

function headOf(store: AnnotationStore, id: string): { number: number; shape: readonly [number, number, number] } {
  const record = store.get(id);
  if (!record.ok) throw new Error(record.error.message);
  return { number: record.value.head.number, shape: record.value.head.shape };
}

/** Edits until killed; `ack <version> <seed>` after each commit. */
function editForever(file: string, id: string, seedBase: number): void {
  const store = AnnotationStore.open(file);
  let head = headOf(store, id);
  say('ready');
  for (let seed = seedBase; ; seed++) {
    const edit = editForSeed(seed, head.shape);
    const saved = store.saveEdits(id, [edit], { expectedHead: head.number, author: 'durability' });
    if (!saved.ok) throw new Error(saved.error.message);
    head = { number: saved.value.head.number, shape: head.shape };
    say(`ack ${head.number} ${seed}`);
  }
}

/** `count` edits on a segmentation another process edits too: on a conflict, reload the head and apply the edit again. */
function writer(file: string, id: string, count: number, seedBase: number): void {
  const store = AnnotationStore.open(file);
  let head = headOf(store, id).number;
  const shape = headOf(store, id).shape;
  for (let i = 0; i < count; i++) {
    const seed = seedBase + i;
    for (;;) {
      const saved = store.saveEdits(id, [editForSeed(seed, shape)], { expectedHead: head, author: `writer ${seedBase}` });
      if (saved.ok) {
        head = saved.value.head.number;
        say(`ack ${head} ${seed}`);
        break;
      }
      if (saved.error.kind !== 'conflict') throw new Error(saved.error.message);
      say('conflict');
      head = headOf(store, id).number;
    }
  }
  say('done');
  store.close();
}

/** Saves through PendingSaves as the app does; stdin: `edit <seed>`, `retry`, `quit`. */
function pending(file: string, id: string): void {
  const handle = new StoreHandle(file);
  let head: number | null = null;
  const saves = new PendingSaves<number, number>(
    async (seed) => {
      const result: StoreResult<number> = handle.use((store) => {
        const record = store.get(id);
        if (!record.ok) return record;
        head ??= record.value.head.number;
        const saved = store.saveEdits(id, [editForSeed(seed, record.value.head.shape)], { expectedHead: head, author: 'pending' });
        return saved.ok ? { ok: true, value: saved.value.head.number } : saved;
      });
      if (result.ok) head = result.value;
      return result;
    },
    { retryDelaysMs: [60_000], onState: (s) => s.state === 'error' && say(`error ${s.pending} ${s.message}`) },
  );
  createInterface({ input: process.stdin }).on('line', (line) => {
    const [command, arg] = line.trim().split(' ');
    if (command === 'edit') void saves.save(Number(arg)).then((v) => say(`saved ${v} ${arg}`));
    else if (command === 'retry') void saves.retryNow();
    else if (command === 'quit') {
      handle.close();
      process.exit(0);
    }
  });
  say('ready');
}

const [mode, file, id, a, b] = process.argv.slice(2);
if (mode === 'edit') editForever(file, id, Number(a));
else if (mode === 'writer') writer(file, id, Number(a), Number(b));
else if (mode === 'pending') pending(file, id);
else if (mode !== undefined) {
  process.stderr.write(`unknown mode ${mode}\n`);
  process.exit(2);
}
