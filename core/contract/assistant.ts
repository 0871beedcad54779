// Calls for the local assistant: caption, question answering, segmentation (issue 4). Filled in by the model work.
export const assistantCalls = {} as const;
