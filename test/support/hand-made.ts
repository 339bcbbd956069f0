// A context made by hand in OX, as a migration finds one, and the tier its users' rights fit:
// shared by the takeover tests.
import { profileBody, uuid, type Stack } from '../helper.js';

export const ADMIN_PASSWORD = 'Hand-Made-Admin-1';

/**
 * A context made by hand in OX (id 900), with its administrator and two users of the webmail tier's rights and one
 * with more.
 */
export function handMadeContext(stack: Stack) {
  const model = stack.sim.model;
  const person = (name: string) => ({
    name,
    password: `pw-${name}-12345`,
    display_name: name,
    given_name: name,
    sur_name: 'Hand',
    primaryEmail: `${name}@hand.example`,
    email1: `${name}@hand.example`,
  });
  const ctx = model.createContext(
    { id: 900, name: 'handmade', maxQuota: 3000, loginMappings: ['hand.example'] },
    { ...person('oxadmin'), password: ADMIN_PASSWORD },
    model.resolveAccess('webmail'),
  );
  for (const name of ['ann', 'ben']) model.createUser(ctx, person(name), model.resolveAccess('webmail'));
  model.createUser(ctx, person('cid'), model.resolveAccess('groupware_premium'));
  return ctx;
}

export async function webmailTier(stack: Stack): Promise<string> {
  const profile = uuid();
  const res = await stack.call('POST', '/profiles', {
    body: profileBody(profile, {
      accessCombination: undefined,
      moduleAccess: ['webmail', 'contacts', 'globalAddressBookDisabled', 'collectEmailAddresses', 'editPassword'],
    }),
  });
  if (res.status !== 200) throw new Error(res.text);
  return profile;
}
