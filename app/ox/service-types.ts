// The data types as each service's own WSDL has them: OX defines some apart per service (the
// secondary-account service's Context, User and Group hold only an id, ox-soap.md §15.4).
import { DATA_TYPES, type DataTypeName, type DataTypeSpec, type ServiceName } from './contract.js';

const ID_ONLY: DataTypeSpec = { ns: 'data', fields: [{ name: 'id', type: 'int' }] };

const SERVICE_TYPES: Partial<Record<ServiceName, Partial<Record<DataTypeName, DataTypeSpec>>>> = {
  OXSecondaryAccountService: { Context: ID_ONLY, User: ID_ONLY, Group: ID_ONLY },
};

const made = new Map<ServiceName, Record<DataTypeName, DataTypeSpec>>();

/** The data types as one service's WSDL has them (made once per service: the request writer asks per call). */
export function typesOf(service: ServiceName): Record<DataTypeName, DataTypeSpec> {
  let types = made.get(service);
  if (!types) {
    types = { ...DATA_TYPES, ...SERVICE_TYPES[service] };
    made.set(service, types);
  }
  return types;
}
