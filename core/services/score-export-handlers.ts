// scores.export: the scores the Scoring dock shows, scored again from the same inputs and written as the
// CLI writes them (core/report/score-file), to a path the user granted.
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { CallArgs, CallName, CallResult } from '../contract/index';
import { err, ok, type Result } from '../contract/result';
import type { scoreCalls } from '../contract/scores';
import { ioErrorText } from '../fs/io-error';
import { scoreMaskFolders, type DatasetScore, type ReadMask } from '../masks/score-pairs';
import { scoreFileText, storedPairRun } from '../report/score-file';
import type { DomainHandlers } from './context';
import { writeWhole } from './export-handlers';
import { foldersProblem } from './mask-handlers';

export interface ScoreExportDeps {
  /** Refuses a path outside what the user granted (the catalog's checkGranted); tests may leave it out. */
  checkPath?: (p: string) => Result<string>;
  /** Mask files read on a reader thread, as masks.scoreDataset reads them. */
  readMask: ReadMask;
  /** One contract call (dispatch): masks.score for a stored pair. */
  call: <K extends CallName>(name: K, args: CallArgs<K>) => Promise<Result<CallResult<K>>>;
}

const CALL = 'scores.export';

export function createScoreExportHandlers(deps: ScoreExportDeps): DomainHandlers<typeof scoreCalls> {
  const granted = (p: string): Result<string> => {
    const checked = deps.checkPath?.(p);
    if (checked && !checked.ok) return err('forbidden', `${CALL}: ${checked.error.message}`);
    return ok(checked?.ok ? checked.value : path.resolve(p));
  };

  return {
    'scores.export': async ({ scores, format, outPath }) => {
      const target = granted(outPath);
      if (!target.ok) return target;
      if ((await stat(target.value).catch(() => null))?.isDirectory()) return err('bad_input', `${CALL}: ${target.value} is a folder; give the ${format.toUpperCase()} file to write`);

      let run: DatasetScore;
      let truthRoot: string;
      if (scores.kind === 'dataset') {
        for (const dir of [scores.truthDir, scores.predDir]) {
          const readable = granted(dir);
          if (!readable.ok) return readable;
        }
        const problem = await foldersProblem(scores.truthDir, scores.predDir);
        if (problem) return err('bad_input', `${CALL}: ${problem}`);
        run = await scoreMaskFolders(scores.truthDir, scores.predDir, { emptyRule: scores.emptyRule, readMask: deps.readMask });
        truthRoot = scores.truthDir;
      } else {
        const { truthId, predId, emptyRule, truthVersion, predVersion } = scores;
        const scored = await deps.call('masks.score', { truthId, predId, emptyRule, ...(truthVersion ? { truthVersion } : {}), ...(predVersion ? { predVersion } : {}) });
        // A pair the store cannot score is refused here, where the CLI would list it: nothing to write.
        if (!scored.ok) return err(scored.error.code, `${CALL}: ${scored.error.message}`);
        run = storedPairRun(truthId, predId, emptyRule, { ok: true, caseScore: scored.value.caseScore });
        truthRoot = '';
      }

      const text = scoreFileText(run, format, truthRoot);
      const bytes = new TextEncoder().encode(text);
      try {
        await writeWhole(target.value, bytes);
      } catch (e) {
        return err('io_error', `${CALL}: cannot write ${target.value}: ${ioErrorText(e)}`);
      }
      return ok({ path: target.value, format, bytes: bytes.length, cases: run.cases.length, errors: run.errors.length });
    },
  };
}
