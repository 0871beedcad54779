import { z } from 'zod';
import { defineCall } from './define';

export const appInfoSchema = z.object({
  name: z.literal('Vesalius'),
  version: z.string(),
  transport: z.enum(['electron', 'browser', 'direct']),
  dataDir: z.string().nullable(),
  samples: z.object({ phantom: z.boolean(), realCt: z.boolean() }),
});
export type AppInfo = z.infer<typeof appInfoSchema>;

export const appCalls = {
  'app.info': defineCall(z.object({}).strict(), appInfoSchema),
  /** Native file/folder picker. Returns no paths when the user cancels; `unsupported` in browser mode. */
  'app.pickPaths': defineCall(
    z.object({ kind: z.enum(['files', 'folder']) }).strict(),
    z.object({ paths: z.array(z.string()) }),
  ),
} as const;
