import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../core/config/data-dir';

// The packaged binary cannot be built here (no Electron download); what electron-builder is told to flip is checked
// instead. The block is read as the flat `key: value` lines it is (no YAML library for one block of our own file).
function fusesOf(configText: string): Record<string, string> {
  const lines = configText.split('\n');
  const start = lines.findIndex((line) => line.trimEnd() === 'electronFuses:');
  if (start < 0) return {};
  const fuses: Record<string, string> = {};
  for (const line of lines.slice(start + 1)) {
    const match = /^\s+(\w+):\s*(\S+)/.exec(line);
    if (!match) break;
    fuses[match[1]] = match[2];
  }
  return fuses;
}

describe('build/electron-builder.yml', () => {
  it('turns off RunAsNode, NODE_OPTIONS and inspect flags, and loads the app only from a checked asar', () => {
    const fuses = fusesOf(readFileSync(path.join(projectRoot, 'build', 'electron-builder.yml'), 'utf8'));
    expect(fuses).toEqual({
      runAsNode: 'false',
      enableNodeOptionsEnvironmentVariable: 'false',
      enableNodeCliInspectArguments: 'false',
      enableCookieEncryption: 'true',
      enableEmbeddedAsarIntegrityValidation: 'true',
      onlyLoadAppFromAsar: 'true',
      grantFileProtocolExtraPrivileges: 'false',
    });
  });
});
