// Calls for opening mask files and scoring them (issue 3). Filled in by the scoring work.
export const maskCalls = {} as const;
