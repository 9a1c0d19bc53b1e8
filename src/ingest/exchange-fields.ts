/**
 * Exchange column names in their three spellings — tracking log `#Fields` (`recipient-address`),
 * PowerShell Export-Csv (`Recipients`, `RecipientStatus`) and the EAC extended report
 * (`recipient_address`) — mapped to one set of field names, so one reader serves all three.
 */

export const TRACKING_FIELDS = {
  time: ['datetime', 'timestamp', 'datetimeutc', 'date', 'origintimestamputc', 'origintimestamp'],
  clientIp: ['clientip'],
  clientHostname: ['clienthostname'],
  serverIp: ['serverip'],
  serverHostname: ['serverhostname'],
  sourceContext: ['sourcecontext'],
  connectorId: ['connectorid'],
  source: ['source'],
  eventId: ['eventid'],
  internalMessageId: ['internalmessageid'],
  messageId: ['messageid'],
  networkMessageId: ['networkmessageid'],
  recipients: ['recipientaddress', 'recipients'],
  recipientStatus: ['recipientstatus'],
  recipientCount: ['recipientcount'],
  related: ['relatedrecipientaddress'],
  reference: ['reference'],
  subject: ['messagesubject', 'subject'],
  sender: ['senderaddress', 'sender'],
  returnPath: ['returnpath'],
  directionality: ['directionality'],
  customData: ['customdata', 'eventdata'],
} as const;

export type TrackingField = keyof typeof TRACKING_FIELDS;

/** Documented columns we read nothing from: no warning for these. */
const KNOWN_UNUSED = new Set(['totalbytes', 'messageinfo', 'tenantid', 'originalclientip', 'originalserverip', 'transporttraffictype',
  'logid', 'schemaversion', 'messagelatency', 'messagelatencytype', 'runspaceid', 'pscomputername', 'psshowcomputername',
  'messagetrackingtenantid', 'tenantidtype', 'originalclientipaddress', 'connectorid', 'deliverypriority', 'networkmessageid']);

function norm(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]/g, '');
}

export interface ColumnMap {
  index: Partial<Record<TrackingField, number>>;
  /** Header names that map to nothing we read (warned about once). */
  unknown: string[];
  count: number;
}

export function mapColumns(names: readonly string[]): ColumnMap {
  const index: Partial<Record<TrackingField, number>> = {};
  const unknown: string[] = [];
  const lookup = new Map<string, TrackingField>();
  for (const [field, aliases] of Object.entries(TRACKING_FIELDS) as [TrackingField, readonly string[]][]) for (const a of aliases) lookup.set(a, field);
  names.forEach((n, i) => {
    const f = lookup.get(norm(n));
    if (f && index[f] === undefined) index[f] = i;
    else if (!f && !KNOWN_UNUSED.has(norm(n))) unknown.push(n);
  });
  return { index, unknown, count: names.length };
}

/** Exchange 2013+ `#Fields` (30 columns), for headerless rows. */
export const FIELDS_2013 = 'date-time,client-ip,client-hostname,server-ip,server-hostname,source-context,connector-id,source,event-id,internal-message-id,message-id,network-message-id,recipient-address,recipient-status,total-bytes,recipient-count,related-recipient-address,reference,message-subject,sender-address,return-path,message-info,directionality,tenant-id,original-client-ip,original-server-ip,custom-data,transport-traffic-type,log-id,schema-version'.split(',');
/** Exchange 2010 `#Fields` (26 columns): no network-message-id, transport-traffic-type, log-id, schema-version. */
export const FIELDS_2010 = FIELDS_2013.filter((f) => !['network-message-id', 'transport-traffic-type', 'log-id', 'schema-version'].includes(f));
