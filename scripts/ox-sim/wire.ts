// The simulator's own transcription of OX's SOAP wire format, written from shared/spec/ox-soap.md
// (§2 namespaces, §4 data objects, §5–§6 operations) and independent of the endpoint's client
// tables (app/ox/contract.ts): a wrong element, namespace or type in the client is refused here.
// test/ox/wire-agreement.test.ts holds the two side by side.

export const OX_NS = {
  soapenv: 'http://schemas.xmlsoap.org/soap/envelope/',
  xsi: 'http://www.w3.org/2001/XMLSchema-instance',
  xsd: 'http://www.w3.org/2001/XMLSchema',
  admin: 'http://soap.admin.openexchange.com',
  data: 'http://dataobjects.soap.admin.openexchange.com/xsd',
  rmi: 'http://dataobjects.rmi.admin.openexchange.com/xsd',
  exceptions: 'http://exceptions.rmi.admin.openexchange.com/xsd',
} as const;

export type WireScalar = 'string' | 'int' | 'long' | 'boolean';

export interface WireField {
  name: string;
  type: WireScalar | string;
  many?: boolean;
}

export interface WireType {
  ns: 'data' | 'rmi';
  fields: WireField[];
}

export interface WireOperation {
  params: WireField[];
  returns?: WireField;
}

/** A field list from "name:type" words; "[]" after the type marks a repeated element. */
function fields(spec: string): WireField[] {
  return spec
    .trim()
    .split(/\s+/)
    .map((word) => {
      const [name, rawType] = word.split(':');
      const many = rawType.endsWith('[]');
      return { name, type: many ? rawType.slice(0, -2) : rawType, ...(many ? { many } : {}) };
    });
}

// AccountData after login, password and name (§15.4); the update has no primaryAddress and no end-point sources.
const ACCOUNT_TAIL = `personal:string replyTo:string MAIL mailServer:string mailPort:int mailProtocol:string
  mailSecure:boolean mailStartTls:boolean transportLogin:string transportPassword:string TRANSPORT
  transportServer:string transportPort:int transportProtocol:string transportSecure:boolean transportStartTls:boolean
  archiveFullname:string draftsFullname:string sentFullname:string spamFullname:string trashFullname:string
  confirmedSpamFullname:string confirmedHamFullname:string`;
const ACCOUNT_ON_CREATE = `primaryAddress:string ${ACCOUNT_TAIL.replace('MAIL', 'mailEndpointSource:string').replace(
  'TRANSPORT',
  'transportEndpointSource:string',
)}`;
const ACCOUNT_UPDATE = ACCOUNT_TAIL.replace('MAIL ', '').replace('TRANSPORT', '');

/** UserModuleAccess: all booleans (§4); the old servers' forum/pinboard flags are left out. */
const MODULE_FLAGS = `OLOX20 USM activeSync calendar collectEmailAddresses contacts delegateTask deniedPortal
  editGroup editPassword editPublicFolders editResource globalAddressBookDisabled ical infostore
  multipleMailAccounts publicFolderEditable publication readCreateSharedFolders subscription syncml tasks vcard
  webdav webdavXml webmail`;

export const OX_TYPES: Record<string, WireType> = {
  Credentials: { ns: 'rmi', fields: fields('login:string password:string') },
  Quota: { ns: 'rmi', fields: fields('module:string limit:long') },
  Entry: { ns: 'data', fields: fields('key:string value:string') },
  SOAPStringMap: { ns: 'data', fields: fields('entries:Entry[]') },
  SOAPMapEntry: { ns: 'data', fields: fields('key:string value:SOAPStringMap') },
  SOAPStringMapMap: { ns: 'data', fields: fields('entries:SOAPMapEntry[]') },
  Database: { ns: 'data', fields: fields('id:int name:string') },
  SchemaSelectStrategy: { ns: 'data', fields: fields('schema_name:string strategy:string') },
  Context: {
    ns: 'data',
    fields: fields(`average_size:long enabled:boolean filestoreId:int filestore_name:string id:int
      loginMappings:string[] maxQuota:long name:string readDatabase:Database usedQuota:long
      userAttributes:SOAPStringMapMap writeDatabase:Database`),
  },
  User: {
    ns: 'data',
    fields: fields(`aliases:string[] company:string contextadmin:boolean defaultSenderAddress:string
      display_name:string email1:string email2:string email3:string filestoreId:int filestore_name:string
      folderTree:int given_name:string gui_spam_filter_enabled:boolean id:int imapLogin:string imapPort:int
      imapSchema:string imapServer:string imapServerString:string language:string mailenabled:boolean
      maxQuota:long name:string password:string passwordMech:string password_expired:boolean
      primaryAccountName:string primaryEmail:string smtpPort:int smtpSchema:string smtpServer:string
      smtpServerString:string sur_name:string timezone:string uploadFileSizeLimit:long
      uploadFileSizeLimitPerFile:long usedQuota:long userAttributes:SOAPStringMapMap`),
  },
  UserModuleAccess: {
    ns: 'data',
    fields: fields(
      MODULE_FLAGS.split(/\s+/)
        .map((f) => `${f}:boolean`)
        .join(' '),
    ),
  },
  // §15.2–§15.4
  Group: { ns: 'data', fields: fields('displayname:string id:int members:int[] name:string') },
  Resource: {
    ns: 'data',
    fields: fields('available:boolean description:string displayname:string email:string id:int name:string'),
  },
  AccountDataOnCreate: { ns: 'data', fields: fields(`login:string password:string name:string ${ACCOUNT_ON_CREATE}`) },
  AccountDataUpdate: { ns: 'data', fields: fields(`login:string password:string name:string ${ACCOUNT_UPDATE}`) },
  Account: {
    ns: 'data',
    fields: fields(`contextId:int userId:int id:int login:string password:string name:string ${ACCOUNT_ON_CREATE}`),
  },
};

/** The secondary-account service's own Context, User and Group: an id only (§15.4). */
const ID_ONLY: WireType = { ns: 'data', fields: fields('id:int') };
export const OX_SERVICE_TYPES: Partial<Record<string, Record<string, WireType>>> = {
  OXSecondaryAccountService: { Context: ID_ONLY, User: ID_ONLY, Group: ID_ONLY },
};

const op = (params: string, returns?: string): WireOperation => ({
  params: fields(params),
  ...(returns ? { returns: fields(`return:${returns}`)[0] } : {}),
});

// Master-admin operations on contexts (§5). `schema_select_strategy` is optional on newer servers.
const CREATE_TAIL = 'auth:Credentials schema_select_strategy:SchemaSelectStrategy';

const CTX = 'ctx:Context';
const AUTH = 'auth:Credentials';
const WHO = 'context:Context users:User[] groups:Group[] auth:Credentials';

export const OX_OPERATIONS: Record<
  'OXContextService' | 'OXUserService' | 'OXGroupService' | 'OXResourceService' | 'OXSecondaryAccountService',
  Record<string, WireOperation>
> = {
  OXContextService: {
    create: op(`ctx:Context admin_user:User ${CREATE_TAIL}`, 'Context'),
    createModuleAccess: op(`ctx:Context admin_user:User access:UserModuleAccess ${CREATE_TAIL}`, 'Context'),
    createModuleAccessByName: op(
      `ctx:Context admin_user:User access_combination_name:string ${CREATE_TAIL}`,
      'Context',
    ),
    change: op('ctx:Context auth:Credentials'),
    changeModuleAccess: op('ctx:Context access:UserModuleAccess auth:Credentials'),
    changeModuleAccessByName: op('ctx:Context access_combination_name:string auth:Credentials'),
    changeCapabilities: op('ctx:Context capsToAdd:string capsToRemove:string capsToDrop:string auth:Credentials'),
    changeQuota: op('ctx:Context module:string quotaValue:string auth:Credentials'),
    getData: op('ctx:Context auth:Credentials', 'Context'),
    getModuleAccess: op('ctx:Context auth:Credentials', 'UserModuleAccess'),
    getAccessCombinationName: op('ctx:Context auth:Credentials', 'string'),
    getAdminId: op('ctx:Context auth:Credentials', 'int'),
    getContextCapabilities: op('ctx:Context auth:Credentials', 'string'),
    exists: op('ctx:Context auth:Credentials', 'boolean'),
    enable: op('ctx:Context auth:Credentials'),
    disable: op('ctx:Context auth:Credentials'),
    delete: op('ctx:Context auth:Credentials'),
    list: op('search_pattern:string auth:Credentials', 'Context[]'),
    listAll: op('auth:Credentials', 'Context[]'),
    listQuota: op('ctx:Context auth:Credentials', 'Quota[]'),
  },
  // Context-admin operations on users (§6).
  OXUserService: {
    create: op('ctx:Context usrdata:User auth:Credentials', 'User'),
    createByModuleAccess: op('ctx:Context usrdata:User access:UserModuleAccess auth:Credentials', 'User'),
    createByModuleAccessName: op('ctx:Context usrdata:User access_combination_name:string auth:Credentials', 'User'),
    change: op('ctx:Context usrdata:User auth:Credentials'),
    changeByModuleAccess: op('ctx:Context user:User moduleAccess:UserModuleAccess auth:Credentials'),
    changeByModuleAccessName: op('ctx:Context user:User access_combination_name:string auth:Credentials'),
    changeCapabilities: op(
      'ctx:Context user:User capsToAdd:string capsToRemove:string capsToDrop:string auth:Credentials',
    ),
    delete: op('ctx:Context user:User auth:Credentials reassign:int'),
    deleteMultiple: op('ctx:Context users:User[] auth:Credentials reassign:int'),
    exists: op('ctx:Context user:User auth:Credentials', 'boolean'),
    getData: op('ctx:Context user:User auth:Credentials', 'User'),
    getMultipleData: op('ctx:Context users:User[] auth:Credentials', 'User[]'),
    getModuleAccess: op('ctx:Context user:User auth:Credentials', 'UserModuleAccess'),
    getAccessCombinationName: op('ctx:Context user:User auth:Credentials', 'string'),
    getUserCapabilities: op('ctx:Context user:User auth:Credentials', 'string'),
    getContextAdmin: op('ctx:Context auth:Credentials', 'User'),
    list: op(
      'ctx:Context search_pattern:string auth:Credentials include_guests:boolean exclude_users:boolean',
      'User[]',
    ),
    listAll: op('ctx:Context auth:Credentials include_guests:boolean exclude_users:boolean', 'User[]'),
  },
  // §15.2: the group's members are ints; addMember/removeMember name users.
  OXGroupService: {
    create: op(`${CTX} grp:Group ${AUTH}`, 'Group'),
    change: op(`${CTX} grp:Group ${AUTH}`),
    delete: op(`${CTX} grp:Group ${AUTH}`),
    deleteMultiple: op(`${CTX} grps:Group[] ${AUTH}`),
    getData: op(`${CTX} grp:Group ${AUTH}`, 'Group'),
    getMultipleData: op(`${CTX} grps:Group[] ${AUTH}`, 'Group[]'),
    getDefaultGroup: op(`${CTX} ${AUTH}`, 'Group'),
    getMembers: op(`${CTX} grp:Group ${AUTH}`, 'User[]'),
    addMember: op(`${CTX} grp:Group members:User[] ${AUTH}`),
    removeMember: op(`${CTX} grp:Group members:User[] ${AUTH}`),
    list: op(`${CTX} pattern:string ${AUTH}`, 'Group[]'),
    listAll: op(`${CTX} ${AUTH}`, 'Group[]'),
    listGroupsForUser: op(`${CTX} usr:User ${AUTH}`, 'Group[]'),
  },
  // §15.3
  OXResourceService: {
    create: op(`${CTX} res:Resource ${AUTH}`, 'Resource'),
    change: op(`${CTX} res:Resource ${AUTH}`),
    delete: op(`${CTX} res:Resource ${AUTH}`),
    getData: op(`${CTX} res:Resource ${AUTH}`, 'Resource'),
    getMultipleData: op(`${CTX} resources:Resource[] ${AUTH}`, 'Resource[]'),
    list: op(`${CTX} pattern:string ${AUTH}`, 'Resource[]'),
    listAll: op(`${CTX} ${AUTH}`, 'Resource[]'),
  },
  // §15.4
  OXSecondaryAccountService: {
    create: op(`accountDataOnCreate:AccountDataOnCreate ${WHO}`),
    update: op(`primaryAddress:string accountDataUpdate:AccountDataUpdate ${WHO}`, 'boolean'),
    delete: op(`primaryAddress:string ${WHO}`, 'boolean'),
    list: op(WHO, 'Account[]'),
  },
};

/** The data types as one service's WSDL has them. */
export function oxTypesOf(service: string): Record<string, WireType> {
  return { ...OX_TYPES, ...OX_SERVICE_TYPES[service] };
}

export type OxServiceName = keyof typeof OX_OPERATIONS;
export const OX_SERVICE_NAMES = Object.keys(OX_OPERATIONS) as OxServiceName[];
export const MODULE_ACCESS = OX_TYPES.UserModuleAccess.fields.map((f) => f.name);

export function isScalar(type: string): type is WireScalar {
  return type === 'string' || type === 'int' || type === 'long' || type === 'boolean';
}
