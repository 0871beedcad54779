// The one list of IPC channels, shared by the main process and the preload.
/** Page → main: one invoke channel per contract call. */
export const channelFor = (callName: string): string => `api:${callName}`;
/** Main → page: one channel per contract event, sent to our window only. */
export const eventChannelFor = (eventName: string): string => `event:${eventName}`;
