// A streamed caption on the page: the call names its request (streamId), and the dock follows that request's
// assistant.captionProgress events — the same event path as job progress (window.api.on), no second channel.
import type { EventsApi } from '../../../core/contract/events';

let requestsMade = 0;

/** A fresh name for one caption request (events of other requests and other pages carry other names). */
export function newCaptionStreamId(now: number = Date.now()): string {
  requestsMade += 1;
  return `caption-${now.toString(36)}-${requestsMade}`;
}

/** Hands `onText` the caption so far of the request named `streamId`; returns the function that stops listening. */
export function followCaption(events: EventsApi, streamId: string, onText: (text: string) => void): () => void {
  return events.on('assistant.captionProgress', (progress) => {
    if (progress.streamId === streamId) onText(progress.text);
  });
}
