// npm run mutate [-- <part of a module's name> ...]: mutation testing (StrykerJS with its tap runner;
// its TypeScript checker on request) of the modules in modules.ts, one at a time, each against its
// own tests, with per-test coverage. Incremental: a rerun tests only the mutants whose code or tests changed
// (reports/mutation/<module>.json). Prints each module's score against the target; the surviving
// mutants are in reports/mutation/survivors.txt. A quality measurement, not part of `npm test`.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, relative } from 'node:path';
import { execFileSync } from 'node:child_process';
import { Stryker } from '@stryker-mutator/core';
import type { MutantResult, PartialStrykerOptions } from '@stryker-mutator/api/core';
import { projectRoot } from '../../app/util/paths.js';
import { MODULES, type MutationModule } from './modules.js';

const TARGET = 85;
// The checker type-checks each mutant with the module's files and what they import, not with the
// whole project: a second a mutant otherwise. A type error a mutant causes in a module that
// imports it is left to the tests.
const CHECKED = '.stryker-tsconfig.json';
// The TypeScript checker sets aside mutants that do not compile. Measured here it costs 9-11 s per
// mutant on a module that imports the app (tsc re-checks its import graph with Fastify's and
// node-soap's types), five times the mutant's tests: on request only (MUTATE_CHECKER=typescript).
// Without it such a mutant runs (tsx strips types) and counts like any other.
const CHECKER = process.env.MUTATE_CHECKER === 'typescript';
const REPORTS = join(projectRoot, 'reports', 'mutation');
const slug = (name: string) => name.replace(/[^a-z0-9]+/gi, '-').toLowerCase();

function optionsFor(module: MutationModule): PartialStrykerOptions {
  return {
    testRunner: 'tap',
    tap: { testFiles: module.tests, nodeArgs: ['--import=tsx'], forceBail: true },
    checkers: CHECKER ? ['typescript'] : [],
    tsconfigFile: CHECKER ? CHECKED : 'tsconfig.json',
    mutate: module.mutate,
    coverageAnalysis: 'perTest',
    concurrency: availableParallelism(),
    incremental: true,
    incrementalFile: join(REPORTS, `${slug(module.name)}${CHECKER ? '.checked' : ''}.json`),
    reporters: process.stdout.isTTY ? ['progress'] : ['dots'],
    tempDirName: '.stryker-tmp',
    cleanTempDir: 'always',
    ignorePatterns: ['dist', 'data', 'reports', '.stryker-tmp', '.tap', '.prof'],
    timeoutMS: 30_000,
  };
}

interface Tally {
  module: string;
  mutants: number;
  killed: number;
  survived: number;
  noCoverage: number;
  score: number;
  seconds: number;
}

function tally(module: MutationModule, results: MutantResult[], seconds: number): Tally {
  const count = (...statuses: string[]) => results.filter((r) => statuses.includes(r.status)).length;
  const detected = count('Killed', 'Timeout');
  const valid = detected + count('Survived', 'NoCoverage');
  return {
    module: module.name,
    mutants: valid,
    killed: detected,
    survived: count('Survived'),
    noCoverage: count('NoCoverage'),
    score: valid ? +((100 * detected) / valid).toFixed(1) : 100,
    seconds: Math.round(seconds),
  };
}

function survivors(results: MutantResult[]): string[] {
  return results
    .filter((r) => r.status === 'Survived' || r.status === 'NoCoverage')
    .map(
      (r) =>
        `${relative(projectRoot, r.fileName)}:${r.location.start.line}:${r.location.start.column} ${r.status} ${r.mutatorName}: ${JSON.stringify(r.replacement ?? '')}`,
    );
}

const wanted = process.argv.slice(2).map((a) => a.toLowerCase());
const chosen = MODULES.filter((m) => !wanted.length || wanted.some((w) => m.name.toLowerCase().includes(w)));
mkdirSync(REPORTS, { recursive: true });
// The tests take their RSA keys from the pool that tap's `before` fills.
execFileSync(process.execPath, ['--import=tsx', 'test/support/key-pool.ts'], { cwd: projectRoot, stdio: 'inherit' });
process.env.OX_APS_TEST_KEYS = 'pool';
process.env.OX_APS_MUTATION = '1'; // test/support/side-by-side.ts

const tallies: Tally[] = [];
const lost: string[] = [];
for (const module of chosen) {
  console.log(`\n# ${module.name}: ${module.mutate.join(', ')}`);
  const started = Date.now();
  if (CHECKER)
    writeFileSync(join(projectRoot, CHECKED), JSON.stringify({ extends: './tsconfig.json', include: module.mutate }));
  const results = await new Stryker(optionsFor(module)).runMutationTest();
  tallies.push(tally(module, results, (Date.now() - started) / 1000));
  lost.push(`# ${module.name}`, ...survivors(results));
}
rmSync(join(projectRoot, CHECKED), { force: true });
writeFileSync(join(REPORTS, 'survivors.txt'), `${lost.join('\n')}\n`);
writeFileSync(join(REPORTS, 'summary.json'), `${JSON.stringify(tallies, null, 2)}\n`);
console.log('\nmodule                                       mutants  killed  survived  no cov  score   target   time');
for (const t of tallies) {
  const met = t.score >= TARGET ? 'met' : 'MISSED';
  console.log(
    `${t.module.padEnd(44)} ${String(t.mutants).padStart(7)} ${String(t.killed).padStart(7)} ${String(t.survived).padStart(9)} ${String(t.noCoverage).padStart(7)} ${t.score.toFixed(1).padStart(6)}  ≥ ${TARGET} ${met.padEnd(6)} ${t.seconds} s`,
  );
}
console.log(`survivors: ${join('reports', 'mutation', 'survivors.txt')}`);
