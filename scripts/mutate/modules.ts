// The modules where a silent bug costs customers most, each with the test files that hold it to
// its behaviour. Stryker runs one module at a time against its own tests: a module's mutants run
// only the files that cover them (per-test coverage), and no stack-wide test repeats for each.
export interface MutationModule {
  name: string;
  /** The source files mutated. */
  mutate: string[];
  /** The test files run against them. */
  tests: string[];
}

export const MODULES: MutationModule[] = [
  {
    name: 'async protocol and job runner',
    mutate: ['app/aps/async-protocol.ts', 'app/aps/flights.ts', 'app/aps/job-runner.ts', 'app/aps/request-identity.ts'],
    tests: ['test/aps/flights.test.ts', 'test/aps/job-runner.test.ts', 'test/aps/async-protocol-answers.test.ts'],
  },
  {
    name: 'mailbox idempotency and suspend',
    mutate: ['app/resources/mailboxes/provision.ts', 'app/resources/mailboxes/suspend.ts'],
    tests: [
      'test/resources/mailboxes/provision-paths.test.ts',
      'test/resources/mailboxes/mailbox-suspend.test.ts',
      'test/resources/mailboxes/repeat-provision.test.ts',
      'test/resources/mailboxes/login-collision.test.ts',
      'test/resources/mailboxes/service-user-sync.test.ts',
    ],
  },
  {
    name: 'single sign-on tokens and identity checks',
    mutate: ['app/sso/tokens.ts', 'app/resources/shared/sso-login.ts'],
    tests: ['test/sso/tokens.test.ts', 'test/sso/sso-login-paths.test.ts', 'test/sso/sso.test.ts'],
  },
  {
    name: 'OX client wire mapping',
    mutate: ['app/ox/wire-mapping.ts', 'app/ox/wire-xml.ts'],
    tests: [
      'test/ox/wire-mapping.test.ts',
      'test/ox/wire-xml.test.ts',
      'test/ox/golden-wire.test.ts',
      'test/ox/wire-agreement.test.ts',
    ],
  },
  {
    name: 'OAuth verification',
    mutate: ['app/aps/oauth.ts'],
    tests: ['test/aps/oauth.test.ts', 'test/aps/oauth-instance.test.ts'],
  },
  {
    name: 'secret box',
    mutate: ['app/util/secret-box.ts'],
    tests: ['test/util/secret-box.test.ts'],
  },
];
