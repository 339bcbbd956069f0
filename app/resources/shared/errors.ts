// What OX's refusals mean for the provider: every OX failure becomes an ApsError whose message
// says what to fix. The deployment guide lists these messages (a test keeps it complete).
import { ApsError } from '../../aps/errors.js';
import { OxFault, OxSaturated, OxTransportError } from '../../ox/faults.js';

/** Every error code the services answer with, and what the provider should do. */
export const ERROR_CATALOGUE = {
  OxUnavailable: 'OX did not answer; the endpoint retries until the job deadline.',
  OxBusy: 'OX asked to try again later (schema update or storage busy); the endpoint retries.',
  OxSaturated:
    'The endpoint already has OX_CONCURRENCY calls running towards this OX and OX_QUEUE waiting; the controller retries.',
  OxAuthenticationFailed: 'OX refused the credentials the endpoint used.',
  OxDisplayNameTaken: 'Another OX user in the context has this display name.',
  OxMailTaken: 'The e-mail address is already used in this OX context.',
  OxLoginTaken: 'The login is already used in this OX context by another mailbox or by a user we did not create.',
  OxMappingTaken: 'The domain is already a login mapping of another OX context.',
  OxUnknownAccessCombination: 'OX does not know the access combination name.',
  OxInvalidData: 'OX refused the data as invalid.',
  OxFault: 'OX refused the operation for another reason.',
  ContextNotReady: 'The mailbox belongs to a context that is not provisioned yet.',
  UnknownResource: 'A linked resource is not known to the endpoint.',
  InvalidSettings: 'An application setting is invalid.',
  ProfileInUse: 'A profile still used by mailboxes cannot be removed.',
  ResourceDisabled: 'The context or mailbox is disabled.',
  ContextIdsExhausted: 'No free OX context id was found.',
  ResourceIdTaken: 'Another application instance holds this resource id.',
  OxChangeNotAllowed: "OX's configuration does not allow this change (user-name or primary-address changes).",
  InvalidTimeZone: 'A time zone OX does not know.',
  PasswordNotRevealable: 'Only a generated password can be revealed, and only once.',
  InvalidAddress: 'A login, address or domain OX would refuse.',
  MailDomainNotAllowed: "An address outside the subscription's domain where the instance forbids it.",
  MailboxLoginRefused:
    "Only the mailbox's own user may open it unless the instance allows administrators (adminMailboxLogin).",
  AdoptionRefused:
    "The OX context named to take over does not exist, or its administrator's credentials are missing or wrong.",
  ContextHeld:
    'The OX context named to take over is already managed by another resource (of this or another instance).',
  MobilityIncluded:
    "A mobility add-on for a mailbox whose tier (or the instance's mobilityMode=included) already grants mobility.",
  ConcurrentChange: 'A record kept changing under concurrent requests while this one applied its change.',
  LimitReached: "A new group, resource or shared mailbox beyond the limit the subscription's plan sets.",
  NotInContext: "A member linked from another subscription's context.",
  ReservedName: "A group named after OX's default group (users), which every user is in.",
  OxNameTaken: 'Another group or resource of the context has the name (OX compares names without case).',
  OxAccountTaken: "A member already has a mail account with the shared mailbox's address (its own, or another).",
  SharedMailboxesUnsupported: 'The OX installation has no OXSecondaryAccountService (OX App Suite 7.10.6 or later).',
  PasswordUnknown:
    'A mailbox that took over an existing OX user has no password this application knows: set one first.',
  LedgerInconsistent: 'A provisioned record lacks what provisioning recorded (an OX id, its parent or profile).',
} as const;
export type ErrorCode = keyof typeof ERROR_CATALOGUE;

export const apsError = (status: number, code: ErrorCode, message: string, retryable = false) =>
  new ApsError(status, code, message, { retryable });

export interface OxErrorContext {
  /** What we were doing, e.g. `creating mailbox "jdoe"`. */
  doing: string;
  /** Whose credentials were used. */
  credentials?: 'master' | 'context admin';
  displayName?: string;
  email?: string;
  domain?: string;
  accessCombination?: string;
}

/** Seconds a controller is asked to wait when the bound towards OX is full. */
const SATURATED_RETRY_AFTER_S = 5;

export function toApsError(err: unknown, c: OxErrorContext): unknown {
  if (err instanceof OxSaturated) {
    return new ApsError(
      503,
      'OxSaturated',
      `The endpoint already has ${err.limit} calls running towards OX and ${err.queue} waiting (${c.doing}); try again in a few seconds`,
      {
        retryAfterS: SATURATED_RETRY_AFTER_S,
      },
    );
  }
  if (err instanceof OxTransportError) {
    return apsError(
      503,
      'OxUnavailable',
      `OX did not answer while ${c.doing} (${err.reason}); the endpoint will retry`,
      true,
    );
  }
  if (!(err instanceof OxFault)) return err;
  if (err.retryable)
    return apsError(503, 'OxBusy', `OX is busy while ${c.doing} (${err.oxMessage}); the endpoint will retry`, true);
  return refusal(err, c);
}

/** What OX refused, by the fault's kind, with what the provider can do about it. */
function refusal(err: OxFault, c: OxErrorContext): ApsError {
  switch (err.kind) {
    case 'authentication':
      return c.credentials === 'context admin'
        ? apsError(
            502,
            'OxAuthenticationFailed',
            `OX refused the context administrator's credentials while ${c.doing}: the context admin password in OX no longer matches; reset it in OX or enable masterAccountOverride`,
          )
        : apsError(
            502,
            'OxAuthenticationFailed',
            `OX refused the master admin credentials while ${c.doing}: check masterLogin and masterPassword in the application settings`,
          );
    case 'display-name-taken':
      return apsError(
        409,
        'OxDisplayNameTaken',
        `OX refused the display name "${c.displayName ?? ''}" while ${c.doing}: another user in this context has it. Choose another name, or set com.openexchange.user.enforceUniqueDisplayName=false on OX`,
      );
    case 'mail-taken':
      return apsError(
        409,
        'OxMailTaken',
        `OX refused the e-mail address "${c.email ?? ''}" while ${c.doing}: it is already used in this context`,
      );
    case 'user-exists':
      return apsError(409, 'OxLoginTaken', `OX refused the login while ${c.doing}: ${err.oxMessage}`);
    case 'mapping-taken':
      return apsError(
        409,
        'OxMappingTaken',
        `OX refused the domain "${c.domain ?? ''}" while ${c.doing}: another OX context already uses it as a login mapping`,
      );
    case 'no-such-access-combination':
      return apsError(
        400,
        'OxUnknownAccessCombination',
        `OX has no access combination "${c.accessCombination ?? ''}" (${c.doing}): use a name from OX's ModuleAccessDefinitions.properties, e.g. webmail, pim, groupware_standard, groupware_premium`,
      );
    case 'username-unchangeable':
      return apsError(
        409,
        'OxChangeNotAllowed',
        `OX does not allow renaming users while ${c.doing}: keep the login, or set USERNAME_CHANGEABLE=true in OX's AdminUser.properties (OX warns that renames can break IMAP ACLs); nothing was changed`,
      );
    case 'primary-mail-unchangeable':
      return apsError(
        409,
        'OxChangeNotAllowed',
        `OX does not allow changing the primary e-mail address while ${c.doing}: keep the address (aliases can still change), or set PRIMARY_MAIL_UNCHANGEABLE=false in OX's AdminUser.properties; nothing was changed`,
      );
    case 'invalid-data':
      return apsError(400, 'OxInvalidData', `OX refused the data while ${c.doing}: ${err.oxMessage}`);
    case 'group-exists':
    case 'resource-exists':
      return apsError(
        409,
        'OxNameTaken',
        `OX refused while ${c.doing}: ${err.oxMessage} (choose another name or address)`,
      );
    case 'duplicate-account':
      return apsError(
        409,
        'OxAccountTaken',
        `OX refused while ${c.doing}: ${err.oxMessage} A member already has a mail account with this address (perhaps it is their own); nothing was added for anyone`,
      );
    default:
      return apsError(
        502,
        'OxFault',
        `OX refused ${err.operation} while ${c.doing}: ${err.exceptionClass}: ${err.oxMessage}`,
      );
  }
}

/** Runs an OX call and translates its failure. */
export async function withOx<T>(c: OxErrorContext, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw toApsError(err, c);
  }
}
