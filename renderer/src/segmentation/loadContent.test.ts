import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { dispatch } from '../../../core/contract/dispatch';
import type { Api, Handlers } from '../../../core/contract/index';
import { overlappingContent } from '../../../core/masks/seg-writer.fixtures';
import type { CallContext } from '../../../core/services/context';
import { createMaskHandlers } from '../../../core/services/mask-handlers';
import { MaskStore } from '../../../core/services/mask-store';
import { StoreHandle } from '../../../core/store/store-handle';
import { loadContent } from './loadContent';

const dir = mkdtempSync(path.join(os.tmpdir(), 'load-content-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('loadContent', () => {
  it('brings overlapping segments back whole, reading on its own only each segment the label map cut short', async () => {
    const masks = new MaskStore(new StoreHandle(path.join(dir, 'annotations.db')));
    const content = overlappingContent([6, 5, 4]);
    const created = masks.handle.use((store) => store.create({ seriesKey: '1.2.3', name: 'drawn', provenance: { role: 'annotator', author: 'A', origin: { kind: 'drawn' } }, content }));
    if (!created.ok) throw new Error(created.error.message);
    const handlers = createMaskHandlers({ findSeries: () => null, masks, defaultAuthor: 'tester' }) as unknown as Handlers<CallContext>;
    const segmentsAsked: (number | undefined)[] = [];
    const api = {
      'masks.data': (args: { segment?: number }) => {
        segmentsAsked.push(args.segment);
        return dispatch(handlers, 'masks.data', args, { transport: 'direct', caller: 'test' });
      },
    } as unknown as Api;
    const info = masks.load(created.value.id);
    if (!info.ok) throw new Error(info.error.message);

    const loaded = await loadContent(api, info.value.info);
    if (!loaded.ok) throw new Error(loaded.reason);
    for (const [number, mask] of content.masks) expect(Array.from(loaded.content.masks.get(number)!), `segment ${number}`).toEqual(Array.from(mask));
    // The label map once, then only the segments that lost shared voxels to another (not all three).
    expect(segmentsAsked[0]).toBeUndefined();
    const reread = segmentsAsked.slice(1);
    expect(reread.length).toBeGreaterThan(0);
    expect(reread.length).toBeLessThan(content.segments.length);
  });
});
