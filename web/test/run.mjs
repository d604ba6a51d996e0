// Bundles the console's unit tests (test/*.test.ts) with esbuild and runs them with Node's test
// runner:  node test/run.mjs
import * as esbuild from 'esbuild';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const out = mkdtempSync(join(tmpdir(), 'twoline-web-test-'));
try {
  const entryPoints = readdirSync(here).filter((f) => f.endsWith('.test.ts')).map((f) => join(here, f));
  await esbuild.build({ entryPoints, bundle: true, platform: 'node', format: 'esm', outdir: out, outExtension: { '.js': '.mjs' }, logLevel: 'warning' });
  const files = readdirSync(out).map((f) => join(out, f));
  const run = spawnSync(process.execPath, ['--test', '--test-reporter=spec', ...files], { stdio: 'inherit' });
  process.exitCode = run.status ?? 1;
} finally {
  rmSync(out, { recursive: true, force: true });
}
