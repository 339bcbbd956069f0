// Subtests that each build their own ledger or stack, and mostly wait on timers: run side by side
// when the file runs alone (mutation testing runs one file per mutant); in the suite, files already
// run side by side and timing-sensitive subtests keep their own pace.
export const sideBySide = (jobs: number): number => (process.env.OX_APS_MUTATION === '1' ? jobs : 1);
