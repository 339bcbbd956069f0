// Renders a WSDL 1.1 document (document/literal, SOAP 1.1) for one OX service from a wire table:
// the endpoint's pinned WSDLs (scripts/codegen/gen-wsdl.ts, from app/ox/contract.ts) and the simulator's
// served WSDLs (from its own transcription) both come out of here.

export interface WsdlField {
  name: string;
  type: string;
  many?: boolean;
}

export interface WsdlTable {
  ns: { admin: string; data: string; rmi: string; xsd: string };
  types: Record<string, { ns: 'data' | 'rmi'; fields: WsdlField[] }>;
  operations: Record<string, { params: WsdlField[]; returns?: WsdlField }>;
  /** Named in the generated comment. */
  source: string;
}

const PREFIX = { data: 'ns4', rmi: 'ns5' } as const;

function typeRef(table: WsdlTable, type: string): string {
  const spec = table.types[type];
  return spec ? `${PREFIX[spec.ns]}:${type}` : `xsd:${type}`;
}

function element(table: WsdlTable, field: WsdlField, indent: string): string {
  const occurs = field.many ? ' minOccurs="0" maxOccurs="unbounded"' : ' minOccurs="0"';
  return `${indent}<xsd:element name="${field.name}" type="${typeRef(table, field.type)}" nillable="true"${occurs}/>`;
}

function sequence(table: WsdlTable, fields: WsdlField[], indent: string): string[] {
  return fields.map((fld) => element(table, fld, indent));
}

function schemaFor(table: WsdlTable, ns: 'data' | 'rmi'): string {
  const body = Object.entries(table.types)
    .filter(([, spec]) => spec.ns === ns)
    .map(([name, spec]) =>
      [
        `      <xsd:complexType name="${name}">`,
        '        <xsd:sequence>',
        ...sequence(table, spec.fields, '          '),
        '        </xsd:sequence>',
        '      </xsd:complexType>',
      ].join('\n'),
    );
  return [
    `    <xsd:schema targetNamespace="${table.ns[ns]}" elementFormDefault="qualified" attributeFormDefault="unqualified">`,
    ...(ns === 'rmi' ? [] : [`      <xsd:import namespace="${table.ns.rmi}"/>`]),
    ...body,
    '    </xsd:schema>',
  ].join('\n');
}

function wrapper(table: WsdlTable, name: string, fields: WsdlField[]): string[] {
  return [
    `      <xsd:element name="${name}">`,
    '        <xsd:complexType><xsd:sequence>',
    ...sequence(table, fields, '          '),
    '        </xsd:sequence></xsd:complexType>',
    '      </xsd:element>',
  ];
}

function adminSchema(table: WsdlTable): string {
  const elements = Object.entries(table.operations).flatMap(([name, spec]) => [
    ...wrapper(table, name, spec.params),
    ...wrapper(table, `${name}Response`, spec.returns ? [spec.returns] : []),
  ]);
  return [
    `    <xsd:schema targetNamespace="${table.ns.admin}" elementFormDefault="qualified" attributeFormDefault="unqualified">`,
    `      <xsd:import namespace="${table.ns.data}"/>`,
    `      <xsd:import namespace="${table.ns.rmi}"/>`,
    ...elements,
    '    </xsd:schema>',
  ].join('\n');
}

function operationBlocks(ops: string[], inner: (o: string) => string[]): string[] {
  return ops.map((o) => [`    <wsdl:operation name="${o}">`, ...inner(o), '    </wsdl:operation>'].join('\n'));
}

export function renderWsdl(service: string, table: WsdlTable): string {
  const ops = Object.keys(table.operations);
  const messages = ops.flatMap((o) => [
    `  <wsdl:message name="${o}Request"><wsdl:part name="parameters" element="tns:${o}"/></wsdl:message>`,
    `  <wsdl:message name="${o}Response"><wsdl:part name="parameters" element="tns:${o}Response"/></wsdl:message>`,
  ]);
  const portOps = operationBlocks(ops, (o) => [
    `      <wsdl:input message="tns:${o}Request"/>`,
    `      <wsdl:output message="tns:${o}Response"/>`,
  ]);
  const bindingOps = operationBlocks(ops, (o) => [
    `      <soap:operation soapAction="urn:${o}" style="document"/>`,
    '      <wsdl:input><soap:body use="literal"/></wsdl:input>',
    '      <wsdl:output><soap:body use="literal"/></wsdl:output>',
  ]);
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<!-- ${service}: generated from ${table.source}; do not edit. -->`,
    `<wsdl:definitions name="${service}" targetNamespace="${table.ns.admin}"`,
    '    xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/" xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/"',
    `    xmlns:xsd="${table.ns.xsd}" xmlns:tns="${table.ns.admin}" xmlns:ns4="${table.ns.data}" xmlns:ns5="${table.ns.rmi}">`,
    '  <wsdl:types>',
    schemaFor(table, 'rmi'),
    schemaFor(table, 'data'),
    adminSchema(table),
    '  </wsdl:types>',
    ...messages,
    `  <wsdl:portType name="${service}PortType">`,
    ...portOps,
    '  </wsdl:portType>',
    `  <wsdl:binding name="${service}SoapBinding" type="tns:${service}PortType">`,
    '    <soap:binding style="document" transport="http://schemas.xmlsoap.org/soap/http"/>',
    ...bindingOps,
    '  </wsdl:binding>',
    `  <wsdl:service name="${service}">`,
    `    <wsdl:port name="${service}HttpsEndpoint" binding="tns:${service}SoapBinding">`,
    // OX's own WSDL advertises port 80 whatever the scheme; clients always set the real endpoint.
    `      <soap:address location="http://localhost:80/webservices/${service}"/>`,
    '    </wsdl:port>',
    '  </wsdl:service>',
    '</wsdl:definitions>',
    '',
  ].join('\n');
}
