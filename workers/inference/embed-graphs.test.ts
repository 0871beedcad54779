// The contrastive graphs of a model folder (image_embed.onnx, text_embed.onnx; issue 12), run
// through onnxruntime on the tiny random model: outputs are unit vectors, padding is ignored,
// and config.json describes them. Values against PyTorch are in parity.test.ts.
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { tinyRandomDir } from '../../core/model/test-models';
import { createOrtBackend, type HostTensor, type InferenceSessionHandle } from './backend';

const backend = createOrtBackend({ intraOpNumThreads: 1 });
const config = JSON.parse(readFileSync(path.join(tinyRandomDir, 'config.json'), 'utf8')) as {
  files: Record<string, string>;
  hidden_size: number;
  image_size: number;
  patch_size: number;
  header_fusion?: { slots: string[] };
  bos_token_id: number;
  eos_token_id: number;
  pad_token_id: number;
  embeddings: { embed_dim: number; logit_scale: number };
};
const norms = (t: HostTensor) => {
  const [rows, dim] = t.dims;
  const data = t.data as Float32Array;
  return Array.from({ length: rows }, (_, r) => Math.hypot(...data.subarray(r * dim, (r + 1) * dim)));
};
const ids = (rows: number[][]): HostTensor => ({
  dtype: 'int64',
  dims: [rows.length, rows[0].length],
  data: BigInt64Array.from(rows.flat().map(BigInt)),
});

describe('image_embed / text_embed graphs (tiny-random)', () => {
  const sessions: InferenceSessionHandle[] = [];
  const load = async (file: string) => {
    const s = await backend.load(path.join(tinyRandomDir, file));
    sessions.push(s);
    return s;
  };
  afterAll(async () => {
    for (const s of sessions) await s.release();
  });

  it('config.json names both graphs and their embedding size and temperature', () => {
    expect(config.files.image_embed).toBe('image_embed.onnx');
    expect(config.files.text_embed).toBe('text_embed.onnx');
    expect(config.embeddings.embed_dim).toBe(16);
    expect(config.embeddings.logit_scale).toBeCloseTo(Math.log(1 / 0.07), 5);
  });

  it('image_embed maps encoder tokens to unit vectors', async () => {
    const s = await load(config.files.image_embed);
    // The encoder's tokens: one per patch, plus one per header slot when the encoder fuses the header (0.3).
    const tokens = (config.image_size / config.patch_size) ** 2 + (config.header_fusion?.slots.length ?? 0);
    const data = Float32Array.from({ length: 2 * tokens * config.hidden_size }, (_, i) => Math.sin(i * 0.37) * 2);
    const out = (await s.run({ image_embeds: { dtype: 'float32', dims: [2, tokens, config.hidden_size], data } })).image_embed;
    expect(out.dims).toEqual([2, config.embeddings.embed_dim]);
    for (const n of norms(out)) expect(n).toBeCloseTo(1, 5);
  });

  it('text_embed ignores right padding and gives unit vectors', async () => {
    const s = await load(config.files.text_embed);
    const { bos_token_id: bos, eos_token_id: eos, pad_token_id: pad } = config;
    const short = (await s.run({ input_ids: ids([[bos, 9, 12, eos]]) })).text_embed;
    const padded = (await s.run({ input_ids: ids([[bos, 9, 12, eos, pad, pad], [bos, 20, 21, 22, 23, eos]]) })).text_embed;
    expect(padded.dims).toEqual([2, config.embeddings.embed_dim]);
    for (const n of norms(padded)) expect(n).toBeCloseTo(1, 5);
    const a = short.data as Float32Array;
    const b = padded.data as Float32Array;
    let maxDiff = 0;
    for (let i = 0; i < a.length; i++) maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i]));
    expect(maxDiff).toBeLessThan(1e-5);
    // a different text gives a different embedding (the graph reads its input)
    let rowDiff = 0;
    for (let i = 0; i < a.length; i++) rowDiff = Math.max(rowDiff, Math.abs(b[i] - b[a.length + i]));
    expect(rowDiff).toBeGreaterThan(1e-3);
  });
});
