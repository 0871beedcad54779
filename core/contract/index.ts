import type { z } from 'zod';
import { appCalls } from './app';
import { dicomCalls } from './dicom';
import { maskCalls } from './masks';
import { assistantCalls } from './assistant';
import { catalogCalls } from './catalog';
import type { EventsApi } from './events';
import { jobCalls } from './jobs';
import { measurementCalls } from './measurements';
import { modelOutputCalls } from './model-outputs';
import { modelCalls } from './models';
import { reportCalls } from './report';
import { scoreCalls } from './scores';
import { searchCalls } from './search';
import type { Result } from './result';

/**
 * The whole API the renderer can call. Each domain adds its calls in its own module;
 * every transport (Electron IPC, the browser-mode socket, direct calls) validates with these schemas.
 */
export const contract = {
  ...appCalls,
  ...dicomCalls,
  ...maskCalls,
  ...assistantCalls,
  ...modelCalls,
  ...catalogCalls,
  ...jobCalls,
  ...measurementCalls,
  ...modelOutputCalls,
  ...reportCalls,
  ...scoreCalls,
  ...searchCalls,
} as const;

export type Contract = typeof contract;
export type CallName = keyof Contract;
export type CallArgs<K extends CallName> = z.input<Contract[K]['args']>;
export type ParsedArgs<K extends CallName> = z.output<Contract[K]['args']>;
export type CallResult<K extends CallName> = z.output<Contract[K]['result']>;

/** One function per call. */
export type CallsApi = { [K in CallName]: (args: CallArgs<K>) => Promise<Result<CallResult<K>>> };
/** What the renderer sees as `window.api` (or the browser-mode client): the calls, and `on` for server events. */
export type Api = CallsApi & EventsApi;

/** What a service implements: already-validated arguments in, a result value out. */
export type Handlers<Ctx = unknown> = {
  [K in CallName]: (args: ParsedArgs<K>, ctx: Ctx) => Promise<Result<CallResult<K>>>;
};

export const callNames = Object.keys(contract) as CallName[];
export const isCallName = (name: unknown): name is CallName =>
  typeof name === 'string' && Object.prototype.hasOwnProperty.call(contract, name);

export { eventNames, isEventName, type EventName, type EventPayload, type EventListener } from './events';
export * from './result';
