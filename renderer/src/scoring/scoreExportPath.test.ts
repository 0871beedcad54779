import { describe, expect, it } from 'vitest';
import { scoreFileIn, scoreFilePath } from './scoreExportPath';

describe('scoreFilePath', () => {
  it('gives the format its extension, replacing .csv / .json and keeping any other', () => {
    expect(scoreFilePath('/out/scores.csv', 'json')).toBe('/out/scores.json');
    expect(scoreFilePath('/out/scores.JSON', 'csv')).toBe('/out/scores.csv');
    expect(scoreFilePath(' /out/scores ', 'csv')).toBe('/out/scores.csv');
    expect(scoreFilePath('/out/run.v2', 'json')).toBe('/out/run.v2.json');
  });

  it('offers <folder>/<name>.csv for a picked folder, with the folder\'s own separator', () => {
    expect(scoreFileIn('/home/me/out/', 'scores')).toBe('/home/me/out/scores.csv');
    expect(scoreFileIn('C:\\Users\\me', 'scores')).toBe('C:\\Users\\me\\scores.csv');
  });
});
