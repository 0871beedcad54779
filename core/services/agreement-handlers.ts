// masks.agree: inter-annotator agreement over stored segmentations of a series, and their consensus (majority vote or STAPLE) saved with provenance.
import { consensusContent, segmentationAgreement, type AgreementInput, type RaterEstimate } from '../annotations/agreement';
import type { Origin, Role } from '../annotations/model';
import type { maskCalls } from '../contract/masks';
import { err, ok } from '../contract/result';
import type { SegmentationRecord } from '../store/annotation-store';
import type { Emit } from '../transport/event-bus';
import type { DomainHandlers } from './context';
import { apiErrorOf, maskInfoOf, type MaskStore } from './mask-store';

export type AgreementCallName = 'masks.agree';

export interface AgreementHandlerDeps {
  masks: MaskStore;
  defaultAuthor: string;
  emit?: Emit;
}

type ConsensusOrigin = Extract<Origin, { kind: 'consensus' }>;

const sameInputs = (a: ConsensusOrigin['inputs'], b: ConsensusOrigin['inputs']): boolean =>
  a.length === b.length && a.every((input, i) => input.id === b[i].id && input.version === b[i].version);

/** All inputs share a role: the consensus has it too (experts' consensus is expert work); otherwise annotator. */
const roleOf = (records: readonly SegmentationRecord[]): Role => (records.every((r) => r.provenance.role === records[0].provenance.role) ? records[0].provenance.role : 'annotator');

export function createAgreementHandlers(deps: AgreementHandlerDeps): DomainHandlers<Pick<typeof maskCalls, AgreementCallName>> {
  const { handle } = deps.masks;
  return {
    'masks.agree': async ({ seriesKey, maskSetIds, consensus, method, author }) => {
      const listed = handle.use((store) => store.list(seriesKey));
      if (!listed.ok) return apiErrorOf(listed.error);
      const ofSeries = listed.value;
      let chosen: SegmentationRecord[];
      if (maskSetIds) {
        if (new Set(maskSetIds).size !== maskSetIds.length) return err('bad_input', 'masks.agree: a segmentation is listed twice');
        chosen = [];
        for (const id of maskSetIds) {
          const record = ofSeries.find((r) => r.id === id);
          if (!record) return err('not_found', `masks.agree: segmentation ${id} is not a segmentation of series ${seriesKey} (or was deleted)`);
          chosen.push(record);
        }
      } else {
        chosen = ofSeries.filter((r) => r.provenance.origin.kind !== 'consensus');
        if (chosen.length < 2) return err('bad_input', `masks.agree: series ${seriesKey} has ${chosen.length} segmentation${chosen.length === 1 ? '' : 's'} besides consensus ones; agreement needs at least two`);
      }

      const inputs: AgreementInput[] = [];
      for (const record of chosen) {
        const loaded = handle.use((store) => store.load(record.id));
        if (!loaded.ok) return apiErrorOf(loaded.error);
        inputs.push({ id: record.id, name: record.name, content: loaded.value.content, spacingMm: record.spacingMm });
      }
      let scored;
      try {
        scored = segmentationAgreement(inputs);
      } catch (e) {
        return err('bad_input', `masks.agree: ${(e as Error).message}`);
      }

      let consensusInfo = null;
      let raterEstimates: RaterEstimate[] | null = null;
      if (consensus) {
        const origin: ConsensusOrigin = { kind: 'consensus', method, inputs: chosen.map((r) => ({ id: r.id, version: r.head.number, name: r.name })) };
        const formed = consensusContent(inputs, method);
        raterEstimates = formed.estimates;
        const earlier = ofSeries.find((r) => r.provenance.origin.kind === 'consensus' && r.provenance.origin.method === method && sameInputs(r.provenance.origin.inputs, origin.inputs));
        if (earlier) consensusInfo = maskInfoOf(earlier, earlier.head, false);
        else {
          const created = handle.use((store) =>
            store.create({
              seriesKey,
              name: `Consensus of ${chosen.length} (${method === 'staple' ? 'STAPLE' : 'majority vote'})`,
              provenance: { role: roleOf(chosen), author: author ?? deps.defaultAuthor, origin },
              content: formed.content,
              spacingMm: chosen[0].spacingMm,
            }),
          );
          if (!created.ok) return apiErrorOf(created.error);
          consensusInfo = maskInfoOf(created.value, created.value.head, false);
          deps.emit?.('store.changed', { seriesKey });
        }
      }

      return ok({
        segmentations: chosen.map((r) => ({ maskSetId: r.id, name: r.name, version: r.head.number, role: r.provenance.role, author: r.provenance.author })),
        labels: scored.labels,
        meanIou: scored.meanIou,
        meanDice: scored.meanDice,
        consensus: consensusInfo,
        raterEstimates,
      });
    },
  };
}
