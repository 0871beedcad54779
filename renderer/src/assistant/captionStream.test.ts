import { describe, expect, it } from 'vitest';
import { captionStreamIdSchema } from '../../../core/contract/assistant';
import { EventBus } from '../../../core/transport/event-bus';
import { followCaption, newCaptionStreamId } from './captionStream';

describe('caption stream on the page', () => {
  it('names each request differently, with an id the contract accepts', () => {
    const a = newCaptionStreamId(1_700_000_000_000);
    const b = newCaptionStreamId(1_700_000_000_000);
    expect(a).not.toBe(b);
    for (const id of [a, b]) expect(captionStreamIdSchema.safeParse(id).success).toBe(true);
  });

  it('follows only its own request, in order, until stopped', () => {
    const bus = new EventBus();
    const seen: string[] = [];
    const stop = followCaption(bus, 'caption-1', (text) => seen.push(text));
    bus.emit('assistant.captionProgress', { streamId: 'caption-1', text: 'ct', delta: 'ct', tokens: 1 });
    bus.emit('assistant.captionProgress', { streamId: 'caption-2', text: 'mri', delta: 'mri', tokens: 1 });
    bus.emit('assistant.captionProgress', { streamId: 'caption-1', text: 'ct, axial', delta: ', axial', tokens: 3 });
    stop();
    bus.emit('assistant.captionProgress', { streamId: 'caption-1', text: 'ct, axial, chest', delta: ', chest', tokens: 5 });
    expect(seen).toEqual(['ct', 'ct, axial']);
  });
});
