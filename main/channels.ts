// The one list of IPC channels, shared by the main process and the preload: one per contract call.
export const channelFor = (callName: string): string => `api:${callName}`;
