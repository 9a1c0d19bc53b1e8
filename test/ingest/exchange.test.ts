import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseStatus, splitStatuses } from '../../src/ingest/exchange-status.js';
import { parseCultureTime } from '../../src/time.js';
import { assertGolden, collect, corpus, fixture, NO_SHARED } from '../helpers/paths.js';

test('tracking log: 2010 layout rolled into 2013+, FAIL / DSN / RESOLVE / DEFER / SEND rows, pinned', async () => {
  const { events, stream } = await collect([fixture('exchange-tracking', 'MSGTRK2024112709-1.LOG')]);
  assertGolden(events, fixture('exchange-tracking', 'MSGTRK2024112709-1.events.ndjson'));
  const s = stream.inputs[0]!;
  assert.equal(s.format, 'exchange-tracking');
  assert.equal(s.unrecognised, 1, 'the row cut short is counted');
  assert.equal(s.firstUnrecognised, 21);
  assert.equal(s.eventRecords + s.nonEvents + s.unrecognised + s.blank, s.records);
  const by = (r: string) => events.filter((e) => e.recipient === r);
  assert.deepEqual(by('bob@example.com').map((e) => [e.outcome, e.status, e.class]), [['bounced', '5.1.1', 'user-unknown']], 'a status containing ; is split by recipient count');
  assert.equal(by('alice.smith@example.com')[0]!.originalRecipient, 'alice@example.com', 'RESOLVE: the old address is kept');
  assert.equal(events.filter((e) => e.recipient === 'billing@example.info').length, 0, 'the DSN row is not a second failure');
  assert.equal(events.filter((e) => e.recipient === 'hana@example.com').length, 0, 'an internal SEND hop is not a delivery');
  const erin = by('erin@partner.example')[0]!;
  assert.deepEqual(erin.answeredBy, { host: 'mx.partner.example', ip: '203.0.113.80' }, '{FQDN=} and {IP=} of the LED status');
  assert.equal(erin.diagnostic, '550 5.1.1 <erin@partner.example>: Recipient address rejected: User unknown in virtual mailbox table');
  assert.deepEqual(by('gus@partner.example').map((e) => e.outcome), ['delivered'], 'a 2xx status in a FAIL row is not a failure');
  assert.match(events.find((e) => e.recipient.startsWith('IMCEAEX-'))!.recipient, /^IMCEAEX-_o=ExampleOrg_ou=Exchange\+20Administrative/, 'kept verbatim');
});

test('Export-Csv in UTF-16LE with #TYPE, ; delimiter, German dates in --tz, System.String[] said once', async () => {
  const { events, stream } = await collect([fixture('exchange-tracking', 'get-messagetrackinglog.csv')], { tz: 'Europe/Berlin' });
  assertGolden(events, fixture('exchange-tracking', 'get-messagetrackinglog.events.ndjson'));
  assert.deepEqual(events.map((e) => [e.time, e.recipient, e.outcome]), [
    ['2024-11-27T09:15:03.000Z', 'ivan@example.com', 'bounced'],
    ['2024-11-27T09:16:40.000Z', 'judy@example.com', 'delivered'],
  ]);
  const s = stream.inputs[0]!;
  assert.equal(s.format, 'exchange-tracking');
  assert.equal(s.notices.filter((n) => n.includes('System.String[]')).length, 1);
  assert.equal(s.unrecognised, 0);
});

test('Exchange Online trace + detail: failures joined to their reply in either file order', async () => {
  const trace = fixture('exchange-trace', 'messagetrace.csv');
  const detail = fixture('exchange-trace', 'messagetrace-detail.csv');
  const a = await collect([trace, detail]);
  const b = await collect([detail, trace]);
  assertGolden(a.events, fixture('exchange-trace', 'messagetrace.events.ndjson'));
  const failures = (events: typeof a.events) => events.filter((e) => e.outcome === 'bounced').map((e) => [e.recipient, e.status, e.class, e.origin.line]).sort();
  assert.deepEqual(failures(a.events), [['kim@example.com', '5.1.10', 'user-unknown', 2], ['lou@example.com', '5.4.1', 'user-unknown', 3]]);
  assert.deepEqual(failures(b.events), failures(a.events));
  assert.equal(a.events.find((e) => e.recipient === 'lou@example.com')!.remoteIp, '198.51.100.25');
  assert.deepEqual(a.events.filter((e) => e.outcome === 'rejected').map((e) => [e.recipient, e.class]), [['max@example.com', 'policy']], 'FilteredAsSpam is a policy refusal');
  assert.equal(a.events.filter((e) => e.recipient === 'staff@example.com').length, 0, 'Expanded is not an outcome');
});

test('a Failed trace row with no detail file is still one event, without a reply', async () => {
  const { events } = await collect([fixture('exchange-trace', 'messagetrace.csv')]);
  assert.deepEqual(events.filter((e) => e.outcome === 'bounced').map((e) => [e.recipient, e.class]), [['kim@example.com', 'other'], ['lou@example.com', 'other']]);
});

test('EAC summary report in UTF-16LE without BOM: recipient_status chains', async () => {
  const { events, stream } = await collect([fixture('exchange-trace', 'eac-summary-report.csv')]);
  assert.equal(stream.inputs[0]!.format, 'exchange-trace');
  assert.deepEqual(events.map((e) => [e.recipient, e.outcome, e.answeredBy.host]), [
    ['nora@example.com', 'bounced', 'exchange-online'],
    ['olaf@example.com', 'delivered', 'exchange-online'],
  ]);
});

test('every real Exchange sample is read without error', async (t) => {
  if (NO_SHARED) return t.skip(NO_SHARED);
  const { events, stream } = await collect([corpus('logs', 'exchange-tracking'), corpus('logs', 'exchange-online')]);
  assert.deepEqual(stream.errors.map((e) => e.message), []);
  assert.deepEqual(stream.inputs.map((s) => [s.file.split('/').pop(), s.format, s.unrecognised]), [
    ['elastic-beats-filebeat-bom8.log', 'exchange-tracking', 0],
    ['elastic-integrations-test-messagetracking.log', 'exchange-tracking', 0],
    ['qazeer-artefacts-help-MSGTRKMS-sample.log', 'exchange-tracking', 0],
    ['elastic-integrations-mock-reportingwebservice-response.json', 'exchange-trace', 0],
    ['elastic-integrations-sample_logs.ndjson', 'exchange-trace', 0],
    ['elastic-integrations-test-log.ndjson', 'exchange-trace', 0],
    ['msgraph-docs-getdetailsbyrecipient-response.json', 'exchange-trace', 0],
    ['msgraph-docs-list-messagetraces-response.json', 'exchange-trace', 0],
    ['sumologic-docs-messagetrace-odata.json', 'exchange-trace', 0],
  ]);
  const sendExternal = events.find((e) => e.source === 'exchange-tracking' && e.outcome === 'delivered')!;
  assert.equal(sendExternal.recipient, 'email@email.com');
  const exo = events.filter((e) => e.source === 'exchange-trace');
  assert.ok(exo.length >= 8 && exo.every((e) => e.outcome === 'delivered' && e.answeredBy.host === 'exchange-online'));
  assert.ok(exo.some((e) => e.time === '2022-09-05T18:10:13.490Z'), 'seven fractional digits and no Z');
});

test('splitStatuses / parseStatus: ; inside one status, LED structures', () => {
  assert.deepEqual(splitStatuses('550 5.1.1 RESOLVER.ADR.RecipNotFound; not found;250 2.1.5 Recipient OK', 2),
    ['550 5.1.1 RESOLVER.ADR.RecipNotFound; not found', '250 2.1.5 Recipient OK']);
  assert.deepEqual(splitStatuses('[{LED=550 5.1.1 x};{MSG=};{FQDN=h.example};{IP=192.0.2.1}];[{LED=451 4.4.0 y};{MSG=}]', 2),
    ['[{LED=550 5.1.1 x};{MSG=};{FQDN=h.example};{IP=192.0.2.1}]', '[{LED=451 4.4.0 y};{MSG=}]']);
  assert.deepEqual(splitStatuses('To', 3), ['To', 'To', 'To']);
  assert.deepEqual(parseStatus('[{LED=550 5.1.1 User unknown};{MSG=};{FQDN=mx.example.com};{IP=192.0.2.1};{LRT=}]'), { text: '550 5.1.1 User unknown', host: 'mx.example.com', ip: '192.0.2.1' });
});

test('culture dates: day/month order from the text, --date-order where it cannot be told', () => {
  assert.equal(parseCultureTime('27.11.2024 10:00:01', 'UTC')!.ms, Date.parse('2024-11-27T10:00:01Z'));
  assert.equal(parseCultureTime('11/27/2024 10:00:01 AM', 'UTC')!.ms, Date.parse('2024-11-27T10:00:01Z'));
  assert.equal(parseCultureTime('11/27/2024 12:30:00 PM', 'UTC')!.ms, Date.parse('2024-11-27T12:30:00Z'));
  const ambiguous = parseCultureTime('05/06/2024 10:00', 'UTC')!;
  assert.equal(ambiguous.guessed, true);
  assert.equal(parseCultureTime('05/06/2024 10:00', 'UTC', 'mdy')!.ms, Date.parse('2024-05-06T10:00:00Z'));
  assert.equal(parseCultureTime('31/02/2024 10:00', 'UTC'), undefined);
});

test('nothing lost: every row of each Exchange fixture is accounted for', async () => {
  const { stream } = await collect(['MSGTRK2024112709-1.LOG', 'get-messagetrackinglog.csv'].map((f) => fixture('exchange-tracking', f))
    .concat(['messagetrace.csv', 'messagetrace-detail.csv', 'eac-summary-report.csv'].map((f) => fixture('exchange-trace', f))));
  for (const s of stream.inputs) assert.equal(s.eventRecords + s.nonEvents + s.unrecognised + s.blank, s.records, s.file);
});
