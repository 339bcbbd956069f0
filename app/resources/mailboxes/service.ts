// Service users' mailboxes as OX users: the handlers the APS routes call, each a module of this
// folder taking the shared dependencies and the call.
import type { MailboxesProperties, MailboxesProvision } from '../../aps/generated/schema-types.js';
import type { ResourceService } from '../../aps/types.js';
import type { ServiceDeps } from '../shared/deps.js';
import { recordOfCall, recordingFailures, requireResource } from '../shared/records.js';
import { issueLoginUrl } from '../shared/sso-login.js';
import { instanceEnv } from '../shared/instance-env.js';
import { SERVICE, view } from './common.js';
import { provision } from './provision.js';
import { configure } from './configure.js';
import { disable, enable } from './suspend.js';
import { unprovision } from './unprovision.js';
import { applyProfile, deviceSettings, onServiceUserChange, revealPassword, sharedMailboxesOf } from './operations.js';

export function mailboxService(deps: ServiceDeps): ResourceService<MailboxesProvision, MailboxesProperties> {
  return {
    provision: recordingFailures(deps, (call: Parameters<typeof provision>[1]) => provision(deps, call)),
    configure: (call) => configure(deps, call),
    // What a 202 can already tell the controller.
    known: async (call) => {
      const rec = await recordOfCall(deps, call, SERVICE);
      return rec && { login: rec.login ?? undefined, oxUserId: rec.oxUserId ?? undefined };
    },
    echoed: ['login', 'oxUserId'],
    retrieve: async (call) =>
      view(deps, await requireResource(deps, call, call.resourceId, SERVICE), (await instanceEnv(deps, call)).settings),
    disable: (call) => disable(deps, call),
    enable: (call) => enable(deps, call),
    unprovision: (call) => unprovision(deps, call),
    // Two panels asking at once must not both be shown the one-time password.
    unshared: ['revealPassword'],
    operations: {
      login: (call) => issueLoginUrl(deps, call, SERVICE),
      clientSettings: (call) => deviceSettings(deps, call),
      sharedMailboxes: (call) => sharedMailboxesOf(deps, call),
      onServiceUserChange: (call) => onServiceUserChange(deps, call),
      revealPassword: (call) => revealPassword(deps, call),
      applyProfile: (call) => applyProfile(deps, call),
    },
  };
}
