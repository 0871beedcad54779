/**
 * The segmentation prompt rule of model folder layout 0.3: the user's text, trimmed and lower-cased, must be
 * exactly one of config.json segment_prompts; anything else is an error naming the supported ones. Pure, so the
 * CLI can refuse a prompt before it starts any work (the worker applies the same rule to every request).
 */
export function declaredPrompt(declared: readonly string[], prompt: string): { ok: true; prompt: string } | { ok: false; message: string } {
  const normalized = prompt.trim().toLowerCase();
  if (declared.includes(normalized)) return { ok: true, prompt: normalized };
  const supported = declared.length > 0 ? declared.join(', ') : '(nothing: the model declares no prompts)';
  return { ok: false, message: `unknown prompt "${prompt.trim()}"; this model segments: ${supported}` };
}
