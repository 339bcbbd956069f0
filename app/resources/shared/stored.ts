// What the ledger keeps of contexts, mailboxes and profiles: the validated properties of their schemas
// (generated types) and what the endpoint learned beside them. The ledger stores props as JSON,
// so these readers are where that is said.
import type {
  ContextsProperties,
  GroupsProvision,
  MailboxesProperties,
  ResourcesProvision,
  SharedMailboxesProvision,
} from '../../aps/generated/schema-types.js';
import type { KnownProperties } from '../../aps/types.js';
import type { ModuleAccess } from '../../ox/module-access.js';
import type { Credentials } from '../../ox/ox-client.js';
import type { ResourceRecord } from '../../store/ledger.js';
import type { ProfileProps } from './access.js';

export type ContextProps = Partial<KnownProperties<ContextsProperties>>;

/** The service user a mailbox belongs to (its APS id, and the platform user id when known). */
export interface MailboxOwner {
  id: string;
  userId?: string;
}

export type MailboxProps = Partial<KnownProperties<MailboxesProperties>> & {
  owner?: MailboxOwner;
  /** The endpoint generated the password and has not revealed it yet. */
  passwordGenerated?: boolean;
  /** A mobility add-on resource asks for ActiveSync. */
  mobilityAddon?: boolean;
  /** What a suspend changed, for the resume to restore. */
  savedAccess?: Partial<ModuleAccess>;
  savedMailEnabled?: boolean;
  /** What suspends the mailbox: the controller (`aps`), its service user being disabled (`service-user`). */
  suspendedFor?: string[];
  /** The address came from the service user at creation: it follows that user's address. */
  emailFromServiceUser?: boolean;
};

/** What the panel may offer for a mailbox's password: show a generated one, or ask for one first. */
export function passwordState(rec: Pick<ResourceRecord, 'props' | 'secrets'>): 'generated' | 'set' | 'unknown' {
  if (rec.props.passwordGenerated === true) return 'generated';
  return rec.secrets.password ? 'set' : 'unknown';
}

/** The one place that says what a record's props hold: the readers below pick the type by kind. */
function storedProps<P>(rec: ResourceRecord): P {
  return rec.props as P;
}

export const contextProps = (ctx: ResourceRecord) => storedProps<ContextProps>(ctx);

/** A group's names and its member mailboxes' APS ids. */
export type GroupProps = Omit<KnownProperties<GroupsProvision>, 'context' | 'aps' | 'members'> & { members?: string[] };
export const groupProps = (rec: ResourceRecord) => storedProps<GroupProps>(rec);

export type BookableProps = Omit<KnownProperties<ResourcesProvision>, 'context' | 'aps'>;
export const bookableProps = (rec: ResourceRecord) => storedProps<BookableProps>(rec);

/** A shared mailbox's address and name, its member mailboxes' and linked groups' APS ids. */
export type SharedMailboxProps = Omit<
  KnownProperties<SharedMailboxesProvision>,
  'context' | 'aps' | 'members' | 'groups'
> & {
  members?: string[];
  groups?: string[];
};
export const sharedMailboxProps = (rec: ResourceRecord) => storedProps<SharedMailboxProps>(rec);

export const mailboxProps = (mailbox: ResourceRecord) => storedProps<MailboxProps>(mailbox);

/** A profile record's tier (with what OX showed of its combination). */
export const tierOf = (profile: ResourceRecord) => storedProps<ProfileProps>(profile);

/** A context's administrator as the ledger keeps it. */
export function contextAdmin(ctx: ResourceRecord): Credentials {
  return { login: ctx.login ?? 'oxadmin', password: ctx.secrets.adminPassword ?? '' };
}
