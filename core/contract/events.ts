// Server → page events: each name with the zod schema of its payload. Every transport delivers them
// (Electron: webContents.send on `event:<name>`; socket: `{ event, payload }` messages; direct: in process).
import { z } from 'zod';
import { captionProgressSchema } from './assistant';
import { jobProgressSchema } from './jobs';
import { seriesKeySchema } from './primitives';

export const eventContract = {
  /** A job started, progressed (at most ~20 per second per job) or finished; the final state is always sent. */
  'jobs.progress': jobProgressSchema,
  /** The study catalog changed (an import added studies, files went missing): lists should be fetched again. */
  'catalog.changed': z.object({}).strict(),
  /** An `assistant.caption` call with a streamId: the caption so far, after its header words and after each token. */
  'assistant.captionProgress': captionProgressSchema,
  /** The annotation store changed for a series (a save, restore, delete, import). */
  'store.changed': z.object({ seriesKey: seriesKeySchema }).strict(),
} as const satisfies Record<string, z.ZodType>;

export type EventContract = typeof eventContract;
export type EventName = keyof EventContract;
export type EventPayload<E extends EventName> = z.output<EventContract[E]>;
export type EventListener<E extends EventName> = (payload: EventPayload<E>) => void;

export const eventNames = Object.keys(eventContract) as EventName[];
export const isEventName = (name: unknown): name is EventName =>
  typeof name === 'string' && Object.prototype.hasOwnProperty.call(eventContract, name);

/** The page's side of events: `on` returns the function that unsubscribes. */
export interface EventsApi {
  on<E extends EventName>(name: E, listener: EventListener<E>): () => void;
}
