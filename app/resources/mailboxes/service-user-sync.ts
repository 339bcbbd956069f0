// A mailbox follows its service user: at provisioning it subscribes to the controller's `changed`
// events of that user (shared/spec/aps2.md §14.6); the handler reads the user and brings the
// mailbox and its OX user in line: the names; the address only where the mailbox took the service
// user's address at creation, and under the same checks as a PUT; a disabled service user's
// mailbox is shut out and comes back when the user is enabled. The language is the user's own in
// OX after creation (App Suite's settings): a locale change at the platform leaves it alone, as
// Univention's connector does.
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
import { linkId, modifyRecord, oxContextOf, oxUserOf } from '../shared/records.js';
import { checkDomains } from './common.js';
import { resumeFor, suspendFor, suspendReasons } from './suspend.js';

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
  disabled?: boolean;
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
  let suspended: boolean | undefined;
  try {
    suspended = await followDisabled(deps, call, rec, user);
  } catch (err) {
    call.log.warn(
      { err: errorMessage(err), mailbox: rec.id },
      "the service user's enabled state could not be followed",
    );
    return { followed: false, reason: errorMessage(err) };
  }
  // Names first, the e-mail on its own: OX may refuse a new primary address alone.
  const steps = [personalChange(user, mailboxProps(rec)), checkedEmailChange(call, env, ctx, user, mailboxProps(rec))];
  const changed: string[] = [];
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
    await modifyRecord(deps, rec, (now) => ({ props: { ...now.props, ...step.next } }));
    changed.push(...Object.keys(step.next));
  }
  return { followed: true, changed, ...(suspended === undefined ? {} : { suspended }) };
}

/** A disabled service user suspends its mailbox; enabled again, it lifts that. Answers the change, if any. */
async function followDisabled(
  deps: ServiceDeps,
  call: ApsCall,
  rec: ResourceRecord,
  user: ServiceUser,
): Promise<boolean | undefined> {
  const held = suspendReasons(rec).includes('service-user');
  if (user.disabled === true && !held) await suspendFor(deps, call, rec, 'service-user');
  else if (user.disabled !== true && held) await resumeFor(deps, call, rec, 'service-user');
  else return undefined;
  return user.disabled === true;
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
  return step;
}

/** The address change, or none where it breaks a rule a PUT refuses too (logged: the event is done either way). */
function checkedEmailChange(
  call: ApsCall,
  env: InstanceEnv,
  ctx: ResourceRecord,
  user: ServiceUser,
  props: MailboxProps,
): Step {
  try {
    return emailChange(env, ctx, user, props);
  } catch (err) {
    call.log.warn({ err: errorMessage(err) }, "the service user's new address is not taken; the mailbox keeps its own");
    return { change: {}, next: {} };
  }
}

/**
 * A new primary address goes with email1, the sender address and the aliases (OX's rule); only for
 * a mailbox whose address was the service user's at creation, and within restrictMailDomains.
 */
function emailChange(env: InstanceEnv, ctx: ResourceRecord, user: ServiceUser, props: MailboxProps): Step {
  if (props.emailFromServiceUser !== true) return { change: {}, next: {} };
  const email = typeof user.email === 'string' ? asciiAddress('email', user.email) : undefined;
  if (!email || email === props.email) return { change: {}, next: {} };
  checkDomains(env, ctx, [email]);
  const aliases = [...new Set([email, ...(props.aliases ?? [])])];
  return { change: { primaryEmail: email, email1: email, defaultSenderAddress: email, aliases }, next: { email } };
}
