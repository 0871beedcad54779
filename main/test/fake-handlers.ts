// The transports' shared recording handlers (core/transport/test-handlers), for the main/ and host/ tests.
export { recordingHandlers } from '../../core/transport/test-handlers';
