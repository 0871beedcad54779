// Entry of a reader thread (bundled as dist/workers/readers.cjs): every reader of untrusted DICOM
// header, mask and image bytes runs here, inside the pool's memory and time limits, never on the main thread.
import { readerTasks } from './reader-tasks';
import { serveTasks } from './serve-tasks';

serveTasks(readerTasks);
