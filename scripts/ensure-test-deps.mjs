// Makes sure the machine has what the end-to-end tests need: Debian's Chromium (never a downloaded browser).
import { existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

const chromium = process.env.VESALIUS_CHROMIUM ?? '/usr/bin/chromium';
if (!existsSync(chromium)) {
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot) {
    console.error(`Chromium not found at ${chromium}. Install it with: sudo apt-get install -y chromium`);
    process.exit(1);
  }
  console.log('Installing Debian chromium for the end-to-end tests…');
  execFileSync('apt-get', ['update', '-q'], { stdio: 'inherit' });
  execFileSync('apt-get', ['install', '-y', '-q', 'chromium'], { stdio: 'inherit' });
}
