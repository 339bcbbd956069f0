// A mailbox follows its service user: at provisioning it subscribes to the controller's `changed`
// events of that user (shared/spec/aps2.md §14.6); the handler reads the user and brings the
// mailbox and its OX user in line (names, language; the e-mail under the primary-address rule).
import { mailboxProps, type MailboxProps } from '../shared/stored.js';
import type { ApsCall } from '../../aps/types.js';
import type { OxUser } from '../../ox/ox-client.js';
import type { InstanceRecord, ResourceRecord } from '../../store/ledger.js';
import type { ServiceDeps } from '../shared/deps.js';
import { controllerFor, type InstanceEnv } from '../shared/instance-env.js';
import { contextAdmin } from '../shared/stored.js';
import { asciiAddress } from '../shared/addresses.js';
import { withOx } from '../shared/errors.js';
import { errorMessage } from '../../util/errors.js';
import { linkId, oxContextOf, oxUserOf } from '../shared/records.js';

export const CHANGED_EVENT = 'http://aps-standard.org/core/events/changed';
export const HANDLER = 'onServiceUserChange';

/** Subscribes the mailbox to its service user's changes; a failure is logged, never fatal. */
export async function subscribeToServiceUser(
  deps: ServiceDeps,
  call: ApsCall,
  instance: InstanceRecord,
  mailboxId: string,
  serviceUserId: string,
): Promise<boolean> {
  try {
    await controllerFor(deps, call, instance).request(
      'POST',
      `aps/2/resources/${encodeURIComponent(mailboxId)}/aps/subscriptions`,
      {
        event: CHANGED_EVENT,
        source: { id: serviceUserId },
        handler: HANDLER,
      },
    );
    return true;
  } catch (err) {
    call.log.warn(
      { err: errorMessage(err), mailbox: mailboxId },
      "could not subscribe to the service user's changes; the mailbox will not follow them",
    );
    return false;
  }
}

interface ServiceUser {
  displayName?: string;
  givenName?: string;
  familyName?: string;
  email?: string;
  locale?: string;
  language?: string;
}

/** OX's language form (de_DE) of a locale the controller sends (de-DE, de_DE). */
function oxLanguage(user: ServiceUser): string | undefined {
  const value = user.locale ?? user.language;
  return typeof value === 'string' && /^[a-z]{2}[-_][A-Za-z]{2}$/.test(value)
    ? `${value.slice(0, 2)}_${value.slice(3).toUpperCase()}`
    : undefined;
}

/**
 * The handler: what changed at the service user goes to OX and the ledger. Always answers done
 * (a 202 would be redelivered forever, an error retried ten times): a refusal is logged.
 */
export async function followServiceUser(
  deps: ServiceDeps,
  call: ApsCall,
  env: InstanceEnv,
  rec: ResourceRecord,
  ctx: ResourceRecord,
): Promise<Record<string, unknown>> {
  const owner = mailboxProps(rec).owner;
  const source = linkId(call.body, 'source');
  if (!owner?.id || (source && source !== owner.id))
    return { followed: false, reason: "not this mailbox's service user" };
  let user: ServiceUser;
  try {
    user = await controllerFor(deps, call, env.instance).getResource<ServiceUser>(owner.id);
  } catch (err) {
    // A removed service user leaves the mailbox as it is until the controller unprovisions it.
    call.log.info({ err: errorMessage(err), mailbox: rec.id }, 'service user not readable; mailbox left unchanged');
    return { followed: false, reason: 'service user not readable' };
  }
  if (rec.oxUserId == null || ctx.oxContextId == null) return { followed: false, reason: 'no OX user yet' };
  // Names and language first, the e-mail on its own: OX may refuse a new primary address alone.
  const steps = [personalChange(user, mailboxProps(rec)), emailChange(user, mailboxProps(rec))];
  const changed: string[] = [];
  let props = rec.props;
  for (const step of steps) {
    if (!Object.keys(step.next).length) continue;
    try {
      await withOx(
        { doing: `following service user changes of mailbox "${rec.login}"`, credentials: 'context admin' },
        () => env.ox.changeUser(oxContextOf(ctx), contextAdmin(ctx), { id: oxUserOf(rec), ...step.change }),
      );
    } catch (err) {
      call.log.warn(
        { err: errorMessage(err), mailbox: rec.id },
        "OX refused the service user's changes; the mailbox keeps those values",
      );
      return { followed: false, changed, reason: errorMessage(err) };
    }
    props = { ...props, ...step.next };
    await deps.ledger.updateResource(rec.instanceId, rec.id, { props });
    changed.push(...Object.keys(step.next));
  }
  return { followed: true, changed };
}

interface Step {
  change: OxUser;
  next: Record<string, unknown>;
}

function personalChange(user: ServiceUser, props: MailboxProps): Step {
  const step: Step = { change: {}, next: {} };
  const fields = [
    ['displayName', 'display_name'],
    ['givenName', 'given_name'],
    ['familyName', 'sur_name'],
  ] as const;
  for (const [prop, field] of fields) {
    const value = user[prop];
    if (typeof value === 'string' && value !== props[prop]) {
      step.change[field] = value;
      step.next[prop] = value;
    }
  }
  const language = oxLanguage(user);
  if (language && language !== props.language) {
    step.change.language = language;
    step.next.language = language;
  }
  return step;
}

/** A new primary address goes with email1, the sender address and the aliases (OX's rule). */
function emailChange(user: ServiceUser, props: MailboxProps): Step {
  const email = typeof user.email === 'string' ? asciiAddress('email', user.email) : undefined;
  if (!email || email === props.email) return { change: {}, next: {} };
  const aliases = [...new Set([email, ...(props.aliases ?? [])])];
  return { change: { primaryEmail: email, email1: email, defaultSenderAddress: email, aliases }, next: { email } };
}
