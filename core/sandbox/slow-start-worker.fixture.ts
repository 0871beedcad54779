// Test-only reader thread that takes 1.5 s to load (as tsx compiling the sources can on a busy machine).
import { serveTasks } from './serve-tasks';

const loadedAt = Date.now() + 1500;
while (Date.now() < loadedAt);
serveTasks({ echo: (value: unknown) => value });
