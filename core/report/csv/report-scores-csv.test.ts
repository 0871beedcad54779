import { describe, expect, it } from 'vitest';
import { reportScoresCsv } from './report-scores-csv';

describe('reportScoresCsv', () => {
  it('writes one row per score, names with commas quoted, an undefined score empty', () => {
    const text = reportScoresCsv('1.2.3', 2, [
      { truth: 'expert, final', prediction: 'model "v2"', label: 'lung', metric: 'Dice', value: 0.9 },
      { truth: 'expert, final', prediction: 'model "v2"', label: 'nodule', metric: 'IoU', value: null },
    ]);
    expect(text).toBe('study,report_version,truth,prediction,label,metric,value\r\n1.2.3,2,"expert, final","model ""v2""",lung,Dice,0.9\r\n1.2.3,2,"expert, final","model ""v2""",nodule,IoU,\r\n');
  });

  it('a report without scores is the header alone', () => {
    expect(reportScoresCsv('1.2.3', 1, [])).toBe('study,report_version,truth,prediction,label,metric,value\r\n');
  });
});
