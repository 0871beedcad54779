// An image the CLI read (cli/image-input.ts, the worker's image type) as the contract's assistant image, for calls
// that take pixels (search.image, search.embedImage): the same typed array, with its DICOM header tags.
import type { AssistantImage } from '../core/contract/assistant';
import { toAssistantImage } from '../core/model/image-payload';
import type { WorkerImage } from '../workers/inference/protocol';

export function contractImage(image: WorkerImage): AssistantImage {
  const payload = toAssistantImage(image);
  return image.header ? { ...payload, header: image.header } : payload;
}
