// The worker's message schemas live in core/inference/protocol.ts (the client side and core/services use them
// too); this name stays for the callers that import it from here.
export * from '../../core/inference/protocol';
