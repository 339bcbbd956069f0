// A context's groups, bookable resources and functional (secondary) mail accounts over OX SOAP
// (shared/spec/ox-soap.md §15), as the context admin. Knows OX, nothing of APS.
import type { ServiceName } from './contract.js';
import { OxFault, OxTransportError, ignoreKinds } from './faults.js';
import type { Credentials } from './ox-client.js';
import { asArray, asBoolean, asWire, type Wire } from './wire-mapping.js';

export type AdminCall = (admin: Credentials, service: ServiceName, operation: string, args: Wire) => Promise<unknown>;

export type OxGroup = { id?: number; name?: string; displayname?: string; members?: number[] };

export type OxResource = {
  id?: number;
  name?: string;
  displayname?: string;
  email?: string;
  description?: string;
  available?: boolean;
};

/** What the endpoint sets of a functional account; OX finds the mail server from the user's own account. */
export type OxAccountData = { primaryAddress: string; name: string; personal?: string; login?: string };

export type OxAccount = OxAccountData & { userId: number };

/** Who an account call is for: users and groups by id (group 0 = every user of the context). */
export type AccountHolders = { users: number[]; groups: number[] };

const num = (v: unknown) => (v === undefined || v === null ? undefined : Number(v));
const str = (v: unknown) => (typeof v === 'string' ? v : undefined);

function groupToWire(g: OxGroup): Wire {
  // OX's order: displayname, id, members, name. Members always go with a change (OX empties a
  // group sent without them).
  return { displayname: g.displayname, id: g.id, members: g.members, name: g.name };
}

function groupFromWire(w: Wire): OxGroup {
  return { id: num(w.id), name: str(w.name), displayname: str(w.displayname), members: asArray(w.members).map(Number) };
}

function resourceToWire(r: OxResource): Wire {
  return {
    available: r.available,
    description: r.description,
    displayname: r.displayname,
    email: r.email,
    id: r.id,
    name: r.name,
  };
}

function resourceFromWire(w: Wire): OxResource {
  return {
    id: num(w.id),
    name: str(w.name),
    displayname: str(w.displayname),
    email: str(w.email),
    description: str(w.description) ?? '',
    available: w.available === undefined ? true : asBoolean(w.available),
  };
}

const holders = (h: AccountHolders): Wire => ({
  users: h.users.map((id) => ({ id })),
  groups: h.groups.map((id) => ({ id })),
});

export class OxPrincipals {
  constructor(private readonly call: AdminCall) {}

  // ----- groups (§15.2) -----

  async createGroup(ctxId: number, admin: Credentials, group: OxGroup): Promise<OxGroup & { id: number }> {
    const made = groupFromWire(asWire(await this.group(admin, 'create', ctxId, { grp: groupToWire(group) })));
    return { ...made, id: made.id ?? 0 };
  }

  /** Sets name, display name and the full member list (never a change without members). */
  async changeGroup(ctxId: number, admin: Credentials, group: OxGroup & { id: number }): Promise<void> {
    await this.group(admin, 'change', ctxId, { grp: groupToWire({ ...group, members: group.members ?? [] }) });
  }

  async getGroup(ctxId: number, admin: Credentials, ref: { id: number } | { name: string }): Promise<OxGroup> {
    return groupFromWire(asWire(await this.group(admin, 'getData', ctxId, { grp: ref })));
  }

  async listGroups(ctxId: number, admin: Credentials): Promise<OxGroup[]> {
    return asArray(await this.group(admin, 'list', ctxId, { pattern: '*' })).map((g) => groupFromWire(asWire(g)));
  }

  /** Adds one member; one already in counts as done (OX refuses the whole call then). */
  async addGroupMember(ctxId: number, admin: Credentials, groupId: number, userId: number): Promise<void> {
    const args = { grp: { id: groupId }, members: [{ id: userId }] };
    await ignoreKinds(this.group(admin, 'addMember', ctxId, args), ['member-exists']);
  }

  /** Removes members; OX ignores users who are not members. */
  async removeGroupMembers(ctxId: number, admin: Credentials, groupId: number, userIds: number[]): Promise<void> {
    if (!userIds.length) return;
    await this.group(admin, 'removeMember', ctxId, { grp: { id: groupId }, members: userIds.map((id) => ({ id })) });
  }

  /** Deletes; a group already gone counts as done. */
  async deleteGroup(ctxId: number, admin: Credentials, groupId: number): Promise<void> {
    await ignoreKinds(this.group(admin, 'delete', ctxId, { grp: { id: groupId } }), ['no-such-group']);
  }

  // ----- resources (§15.3) -----

  async createResource(ctxId: number, admin: Credentials, resource: OxResource): Promise<OxResource & { id: number }> {
    const made = resourceFromWire(
      asWire(await this.resource(admin, 'create', ctxId, { res: resourceToWire(resource) })),
    );
    return { ...made, id: made.id ?? 0 };
  }

  async changeResource(ctxId: number, admin: Credentials, resource: OxResource & { id: number }): Promise<void> {
    await this.resource(admin, 'change', ctxId, { res: resourceToWire(resource) });
  }

  async getResource(ctxId: number, admin: Credentials, ref: { id: number } | { name: string }): Promise<OxResource> {
    return resourceFromWire(asWire(await this.resource(admin, 'getData', ctxId, { res: ref })));
  }

  async listResources(ctxId: number, admin: Credentials): Promise<OxResource[]> {
    return asArray(await this.resource(admin, 'list', ctxId, { pattern: '*' })).map((r) => resourceFromWire(asWire(r)));
  }

  /** Deletes; a resource already gone counts as done. */
  async deleteResource(ctxId: number, admin: Credentials, resourceId: number): Promise<void> {
    await ignoreKinds(this.resource(admin, 'delete', ctxId, { res: { id: resourceId } }), ['no-such-resource']);
  }

  // ----- functional accounts (§15.4) -----

  /** Adds the account to each holder (groups expanded by OX now); one holder who has it fails all. */
  async createAccount(ctxId: number, admin: Credentials, data: OxAccountData, to: AccountHolders): Promise<void> {
    const accountDataOnCreate = {
      login: data.login,
      name: data.name,
      primaryAddress: data.primaryAddress,
      personal: data.personal,
      mailEndpointSource: 'primary',
    };
    await this.account(admin, 'create', { accountDataOnCreate, context: { id: ctxId }, ...holders(to) });
  }

  /** Changes the holders' account; false when none of them had it. */
  async updateAccount(
    ctxId: number,
    admin: Credentials,
    address: string,
    data: Pick<OxAccountData, 'name' | 'personal'>,
    of: AccountHolders,
  ): Promise<boolean> {
    const args = { primaryAddress: address, accountDataUpdate: { ...data }, context: { id: ctxId }, ...holders(of) };
    return asBoolean(await this.account(admin, 'update', args));
  }

  /** Removes the account from the holders; false when none of them had it (not a fault). */
  async deleteAccount(ctxId: number, admin: Credentials, address: string, from: AccountHolders): Promise<boolean> {
    const args = { primaryAddress: address, context: { id: ctxId }, ...holders(from) };
    return asBoolean(await this.account(admin, 'delete', args));
  }

  /** Every functional account of the context, one entry per user (its passwords left out). */
  async listAccounts(ctxId: number, admin: Credentials): Promise<OxAccount[]> {
    return asArray(await this.account(admin, 'list', { context: { id: ctxId } })).map((a) => {
      const w = asWire(a);
      return {
        userId: Number(w.userId),
        primaryAddress: String(w.primaryAddress ?? '').toLowerCase(),
        name: String(w.name ?? ''),
        personal: str(w.personal),
        login: str(w.login),
      };
    });
  }

  /**
   * Whether OX has functional accounts (OXSecondaryAccountService, OX 7.10.6 and later): any SOAP
   * answer, a fault included, says yes; HTTP 404 says no.
   */
  async accountsAvailable(creds: Credentials): Promise<boolean> {
    try {
      await this.account(creds, 'list', { context: { id: 0 } });
      return true;
    } catch (err) {
      if (err instanceof OxFault) return true;
      if (err instanceof OxTransportError && /HTTP 404/.test(err.reason)) return false;
      throw err;
    }
  }

  private group(admin: Credentials, operation: string, ctxId: number, args: Wire): Promise<unknown> {
    return this.call(admin, 'OXGroupService', operation, { ctx: { id: ctxId }, ...args });
  }

  private resource(admin: Credentials, operation: string, ctxId: number, args: Wire): Promise<unknown> {
    return this.call(admin, 'OXResourceService', operation, { ctx: { id: ctxId }, ...args });
  }

  private account(admin: Credentials, operation: string, args: Wire): Promise<unknown> {
    return this.call(admin, 'OXSecondaryAccountService', operation, args);
  }
}
