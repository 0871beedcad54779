import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModelFolder } from '../core/model/config';
import { tinyRandomDir } from '../core/model/test-models';
import { writeTestImages, type TestImages } from './assistant-test-images';
import { vesalius } from './test-run';

let dir: string;
let images: TestImages;
let env: NodeJS.ProcessEnv;
const tiny = loadModelFolder(tinyRandomDir);
/** Each run starts a CLI process and a worker that loads the model: seconds each on a busy machine. */
const SLOW = 240_000;
/** A question longer than the model reads, where it declares a limit (0.3); else simply long. */
const tooLong = Array.from({ length: (tiny.config.vqa?.max_question_tokens ?? 40) + 5 }, () => 'lung').join(' ');

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'vesalius-ask-cli-'));
  images = await writeTestImages(dir);
  env = { VESALIUS_HOME: path.join(dir, 'home') };
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('vesalius ask (tiny-random)', () => {
  it('answers a question about a DICOM image with the answer probability', async () => {
    const run = await vesalius(['ask', images.mr, 'is there a mass?', '--model', tinyRandomDir, '--json'], env);
    expect(run.code, run.stderr).toBe(0);
    const doc = JSON.parse(run.stdout) as Record<string, unknown>;
    expect(doc).toMatchObject({ file: images.mr, frame: 1, question: 'is there a mass?', model: 'tiny-random', version: tiny.config.version });
    expect(typeof doc.answer).toBe('string');
    expect(doc.probability).toEqual(expect.any(Number));
    expect(doc.probability as number).toBeGreaterThanOrEqual(0);
    expect(doc.probability as number).toBeLessThanOrEqual(1);
    expect(doc.uncertain).toBe(tiny.config.answer_uncertain_below === undefined ? null : (doc.probability as number) < tiny.config.answer_uncertain_below);
    expect(doc.input).toMatch(/^MR MONOCHROME2 rendered to gray8/);
  }, SLOW);

  it('refuses an empty question before any work, and a question the model cannot read, with the reason', async () => {
    const empty = await vesalius(['ask', images.ct, ' ?! ', '--model', tinyRandomDir], env);
    expect(empty.code).toBe(1);
    expect(empty.stderr).toBe('vesalius ask: the question is empty: it has no word to read\n');
    if (tiny.config.vqa) {
      const long = await vesalius(['ask', images.ct, tooLong, '--model', tinyRandomDir], env);
      expect(long.code).toBe(1);
      expect(long.stderr).toMatch(new RegExp(`the question is too long: ${tiny.config.vqa.max_question_tokens + 5} words; the model reads at most ${tiny.config.vqa.max_question_tokens}`));
    }
    const usage = await vesalius(['ask', images.ct], env);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/give an image and a question/);
  }, SLOW);

  it('--batch answers every good line in order and records each bad line with its reason; the exit status says some failed', async () => {
    const batch = path.join(dir, 'batch');
    const lines = [
      JSON.stringify({ id: 'q1', image: 'images/chest-ct.dcm', question: 'is this an axial image?' }),
      JSON.stringify({ id: 2, image: 'images/chest-ct.dcm', question: 'where is the abnormality?' }),
      '',
      '{"id": "q3", "image": ',
      JSON.stringify({ id: 'q4', image: 'images/slice.png' }),
      JSON.stringify({ id: 'q5', image: 'images/notes.txt', question: 'what is this?' }),
      JSON.stringify({ id: 'q6', image: 'images/xray.jpg', question: '???' }),
      JSON.stringify({ id: 'q7', image: images.jpeg, question: 'is the heart enlarged?' }),
      ...(tiny.config.vqa ? [JSON.stringify({ id: 'q8', image: 'images/xray.jpg', question: tooLong })] : []),
    ];
    await writeFile(`${batch}.jsonl`, `${lines.join('\n')}\n`);
    const out = path.join(dir, 'answers.jsonl');
    const run = await vesalius(['ask', '--batch', `${batch}.jsonl`, '--out', out, '--model', tinyRandomDir], env);
    expect(run.code, run.stderr).toBe(1);
    const written = (await readFile(out, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    // One output line per non-blank input line, in input order.
    expect(written.map((l) => l.id)).toEqual(['q1', 2, null, 'q4', 'q5', 'q6', 'q7', ...(tiny.config.vqa ? ['q8'] : [])]);
    for (const good of [written[0], written[1], written[6]]) {
      expect(Object.keys(good).sort()).toEqual(['answer', 'id', 'probability']);
      expect(typeof good.answer).toBe('string');
      expect(good.probability as number).toBeGreaterThanOrEqual(0);
      expect(good.probability as number).toBeLessThanOrEqual(1);
    }
    expect(written[2]).toEqual({ id: null, answer: null, probability: null, error: expect.stringMatching(/^line 4: not JSON/) });
    expect(written[3]).toEqual({ id: 'q4', answer: null, probability: null, error: 'line 5: missing field "question"' });
    expect(written[4].error).toMatch(/^line 6: images\/notes\.txt: not an image: neither DICOM, PNG nor JPEG/);
    expect(written[5].error).toBe('line 7: the question is empty: it has no word to read');
    if (tiny.config.vqa) expect(written[7].error).toMatch(/^line 9: .*the question is too long/);
    expect(run.stderr).toMatch(new RegExp(`batch\\.jsonl: 3 answered; ${written.length - 3} failed \\(lines 4, 5, 6, 7`));
  }, SLOW);

  it('--batch needs --out, and a batch file that cannot be read is named', async () => {
    const noOut = await vesalius(['ask', '--batch', path.join(dir, 'x.jsonl')], env);
    expect(noOut.code).toBe(2);
    expect(noOut.stderr).toMatch(/--batch needs --out/);
    const missing = await vesalius(['ask', '--batch', path.join(dir, 'missing.jsonl'), '--out', path.join(dir, 'o.jsonl'), '--model', tinyRandomDir], env);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/cannot read .*missing\.jsonl: /);
  }, SLOW);
});
