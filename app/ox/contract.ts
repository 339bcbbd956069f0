// OX's SOAP wire contract for the operations this product uses: namespaces, data objects and
// operation signatures, with OX's element names (shared/spec/ox-soap.md §2–§6). The WSDL files
// in ./wsdl are generated from this table (scripts/codegen/gen-wsdl.ts).

export const NS = {
  soapenv: 'http://schemas.xmlsoap.org/soap/envelope/',
  xsi: 'http://www.w3.org/2001/XMLSchema-instance',
  xsd: 'http://www.w3.org/2001/XMLSchema',
  admin: 'http://soap.admin.openexchange.com',
  data: 'http://dataobjects.soap.admin.openexchange.com/xsd',
  rmi: 'http://dataobjects.rmi.admin.openexchange.com/xsd',
  exceptions: 'http://exceptions.rmi.admin.openexchange.com/xsd',
} as const;

export type Scalar = 'string' | 'int' | 'long' | 'boolean';
/** A field: its element name, a scalar or data-object type, and whether it repeats. */
export interface FieldSpec {
  name: string;
  type: Scalar | DataTypeName;
  many?: boolean;
}
export interface DataTypeSpec {
  ns: 'data' | 'rmi';
  fields: FieldSpec[];
}

const f = (name: string, type: FieldSpec['type'], many = false): FieldSpec => ({ name, type, many });
const flags = (...names: string[]) => names.map((n) => f(n, 'boolean'));

/** Every UserModuleAccess flag OX knows; the server treats an omitted flag as granted. */
export const MODULE_ACCESS_FLAGS = [
  'OLOX20',
  'USM',
  'activeSync',
  'calendar',
  'collectEmailAddresses',
  'contacts',
  'delegateTask',
  'deniedPortal',
  'editGroup',
  'editPassword',
  'editPublicFolders',
  'editResource',
  'globalAddressBookDisabled',
  'ical',
  'infostore',
  'multipleMailAccounts',
  'publicFolderEditable',
  'publication',
  'readCreateSharedFolders',
  'subscription',
  'syncml',
  'tasks',
  'vcard',
  'webdav',
  'webdavXml',
  'webmail',
] as const;
export type ModuleAccessFlag = (typeof MODULE_ACCESS_FLAGS)[number];

export type DataTypeName =
  | 'Credentials'
  | 'Entry'
  | 'SOAPStringMap'
  | 'SOAPMapEntry'
  | 'SOAPStringMapMap'
  | 'Database'
  | 'Context'
  | 'User'
  | 'UserModuleAccess'
  | 'Group'
  | 'Resource'
  | 'AccountDataOnCreate'
  | 'AccountDataUpdate'
  | 'Account';

export const DATA_TYPES: Record<DataTypeName, DataTypeSpec> = {
  Credentials: { ns: 'rmi', fields: [f('login', 'string'), f('password', 'string')] },
  Entry: { ns: 'data', fields: [f('key', 'string'), f('value', 'string')] },
  SOAPStringMap: { ns: 'data', fields: [f('entries', 'Entry', true)] },
  SOAPMapEntry: { ns: 'data', fields: [f('key', 'string'), f('value', 'SOAPStringMap')] },
  SOAPStringMapMap: { ns: 'data', fields: [f('entries', 'SOAPMapEntry', true)] },
  Database: { ns: 'data', fields: [f('id', 'int'), f('name', 'string')] },
  Context: {
    ns: 'data',
    fields: [
      f('average_size', 'long'),
      f('enabled', 'boolean'),
      f('filestoreId', 'int'),
      f('filestore_name', 'string'),
      f('id', 'int'),
      f('loginMappings', 'string', true),
      f('maxQuota', 'long'),
      f('name', 'string'),
      f('readDatabase', 'Database'),
      f('usedQuota', 'long'),
      f('userAttributes', 'SOAPStringMapMap'),
      f('writeDatabase', 'Database'),
    ],
  },
  User: {
    ns: 'data',
    fields: [
      f('aliases', 'string', true),
      f('contextadmin', 'boolean'),
      f('defaultSenderAddress', 'string'),
      f('display_name', 'string'),
      f('email1', 'string'),
      f('given_name', 'string'),
      f('id', 'int'),
      f('imapLogin', 'string'),
      f('imapPort', 'int'),
      f('imapSchema', 'string'),
      f('imapServer', 'string'),
      f('language', 'string'),
      f('mailenabled', 'boolean'),
      f('maxQuota', 'long'),
      f('name', 'string'),
      f('password', 'string'),
      f('passwordMech', 'string'),
      f('primaryEmail', 'string'),
      f('smtpPort', 'int'),
      f('smtpSchema', 'string'),
      f('smtpServer', 'string'),
      f('sur_name', 'string'),
      f('timezone', 'string'),
      f('uploadFileSizeLimit', 'long'),
      f('uploadFileSizeLimitPerFile', 'long'),
      f('usedQuota', 'long'),
      f('userAttributes', 'SOAPStringMapMap'),
    ],
  },
  UserModuleAccess: { ns: 'data', fields: flags(...MODULE_ACCESS_FLAGS) },
  // §15.2: members are bare ints here; addMember/removeMember take User objects instead.
  Group: {
    ns: 'data',
    fields: [f('displayname', 'string'), f('id', 'int'), f('members', 'int', true), f('name', 'string')],
  },
  // §15.3, as a 7.10 server has it (no permissions element).
  Resource: {
    ns: 'data',
    fields: [
      f('available', 'boolean'),
      f('description', 'string'),
      f('displayname', 'string'),
      f('email', 'string'),
      f('id', 'int'),
      f('name', 'string'),
    ],
  },
  // §15.4: the account data of a secondary (functional) mail account, in OX's order.
  AccountDataOnCreate: { ns: 'data', fields: accountFields(true) },
  AccountDataUpdate: { ns: 'data', fields: accountFields(false) },
  Account: {
    ns: 'data',
    fields: [f('contextId', 'int'), f('userId', 'int'), f('id', 'int'), ...accountFields(true)],
  },
};

/** AccountData's fields; the update lacks primaryAddress and the two end-point sources. */
function accountFields(onCreate: boolean): FieldSpec[] {
  const all = [
    f('login', 'string'),
    f('password', 'string'),
    f('name', 'string'),
    f('primaryAddress', 'string'),
    f('personal', 'string'),
    f('replyTo', 'string'),
    f('mailEndpointSource', 'string'),
    f('mailServer', 'string'),
    f('mailPort', 'int'),
    f('mailProtocol', 'string'),
    f('mailSecure', 'boolean'),
    f('mailStartTls', 'boolean'),
    f('transportLogin', 'string'),
    f('transportPassword', 'string'),
    f('transportEndpointSource', 'string'),
    f('transportServer', 'string'),
    f('transportPort', 'int'),
    f('transportProtocol', 'string'),
    f('transportSecure', 'boolean'),
    f('transportStartTls', 'boolean'),
    f('archiveFullname', 'string'),
    f('draftsFullname', 'string'),
    f('sentFullname', 'string'),
    f('spamFullname', 'string'),
    f('trashFullname', 'string'),
    f('confirmedSpamFullname', 'string'),
    f('confirmedHamFullname', 'string'),
  ];
  const updateLacks = ['primaryAddress', 'mailEndpointSource', 'transportEndpointSource'];
  return onCreate ? all : all.filter((x) => !updateLacks.includes(x.name));
}

export interface OperationSpec {
  params: FieldSpec[];
  /** Absent for void operations. */
  returns?: FieldSpec;
}
const op = (params: FieldSpec[], returns?: FieldSpec): OperationSpec => ({ params, returns });
const ctx = f('ctx', 'Context');
const auth = f('auth', 'Credentials');
const user = f('user', 'User');
const caps = [f('capsToAdd', 'string'), f('capsToRemove', 'string'), f('capsToDrop', 'string')];
const grp = f('grp', 'Group');
const res = f('res', 'Resource');
const members = [f('users', 'User', true), f('groups', 'Group', true)];

export const SERVICES = {
  OXContextService: {
    create: op([ctx, f('admin_user', 'User'), auth], f('return', 'Context')),
    createModuleAccess: op(
      [ctx, f('admin_user', 'User'), f('access', 'UserModuleAccess'), auth],
      f('return', 'Context'),
    ),
    createModuleAccessByName: op(
      [ctx, f('admin_user', 'User'), f('access_combination_name', 'string'), auth],
      f('return', 'Context'),
    ),
    change: op([ctx, auth]),
    changeModuleAccessByName: op([ctx, f('access_combination_name', 'string'), auth]),
    changeCapabilities: op([ctx, ...caps, auth]),
    getData: op([ctx, auth], f('return', 'Context')),
    getAdminId: op([ctx, auth], f('return', 'int')),
    getAccessCombinationName: op([ctx, auth], f('return', 'string')),
    exists: op([ctx, auth], f('return', 'boolean')),
    enable: op([ctx, auth]),
    disable: op([ctx, auth]),
    delete: op([ctx, auth]),
    list: op([f('search_pattern', 'string'), auth], f('return', 'Context', true)),
  },
  OXUserService: {
    create: op([ctx, f('usrdata', 'User'), auth], f('return', 'User')),
    createByModuleAccess: op([ctx, f('usrdata', 'User'), f('access', 'UserModuleAccess'), auth], f('return', 'User')),
    createByModuleAccessName: op(
      [ctx, f('usrdata', 'User'), f('access_combination_name', 'string'), auth],
      f('return', 'User'),
    ),
    change: op([ctx, f('usrdata', 'User'), auth]),
    changeByModuleAccess: op([ctx, user, f('moduleAccess', 'UserModuleAccess'), auth]),
    changeByModuleAccessName: op([ctx, user, f('access_combination_name', 'string'), auth]),
    changeCapabilities: op([ctx, user, ...caps, auth]),
    getData: op([ctx, user, auth], f('return', 'User')),
    getMultipleData: op([ctx, f('users', 'User', true), auth], f('return', 'User', true)),
    getModuleAccess: op([ctx, user, auth], f('return', 'UserModuleAccess')),
    getUserCapabilities: op([ctx, user, auth], f('return', 'string')),
    exists: op([ctx, user, auth], f('return', 'boolean')),
    delete: op([ctx, user, auth]),
    list: op([ctx, f('search_pattern', 'string'), auth], f('return', 'User', true)),
  },
  // §15.2 (context admin)
  OXGroupService: {
    create: op([ctx, grp, auth], f('return', 'Group')),
    change: op([ctx, grp, auth]),
    delete: op([ctx, grp, auth]),
    getData: op([ctx, grp, auth], f('return', 'Group')),
    list: op([ctx, f('pattern', 'string'), auth], f('return', 'Group', true)),
    addMember: op([ctx, grp, f('members', 'User', true), auth]),
    removeMember: op([ctx, grp, f('members', 'User', true), auth]),
  },
  // §15.3 (context admin)
  OXResourceService: {
    create: op([ctx, res, auth], f('return', 'Resource')),
    change: op([ctx, res, auth]),
    delete: op([ctx, res, auth]),
    getData: op([ctx, res, auth], f('return', 'Resource')),
    list: op([ctx, f('pattern', 'string'), auth], f('return', 'Resource', true)),
  },
  // §15.4 (context admin); the context element is `context`, users and groups by id only.
  OXSecondaryAccountService: {
    create: op([f('accountDataOnCreate', 'AccountDataOnCreate'), f('context', 'Context'), ...members, auth]),
    update: op(
      [
        f('primaryAddress', 'string'),
        f('accountDataUpdate', 'AccountDataUpdate'),
        f('context', 'Context'),
        ...members,
        auth,
      ],
      f('return', 'boolean'),
    ),
    delete: op([f('primaryAddress', 'string'), f('context', 'Context'), ...members, auth], f('return', 'boolean')),
    list: op([f('context', 'Context'), ...members, auth], f('return', 'Account', true)),
  },
} satisfies Record<string, Record<string, OperationSpec>>;

export type ServiceName = keyof typeof SERVICES;
// Object.keys is string[] by design; these are SERVICES' own keys.
export const SERVICE_NAMES = Object.keys(SERVICES) as ServiceName[];
