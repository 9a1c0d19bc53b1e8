import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UsageError } from '../../src/errors.js';
import { parseCutovers } from '../../src/correlate/context.js';
import { parseDirectory } from '../../src/correlate/directory.js';
import { parseHostList, roleOf } from '../../src/correlate/hosts.js';
import { editDistance, nearestKnownGood } from '../../src/correlate/suggest.js';

test('--cutover: global, per domain, no offset read as UTC (and said), invalid rejected', () => {
  const c = parseCutovers(['2024-11-27T09:00', 'example.org=2024-11-27T10:00+01:00']);
  assert.equal(c.all, Date.parse('2024-11-27T09:00:00Z'));
  assert.equal(c.perDomain.get('example.org'), Date.parse('2024-11-27T09:00:00Z'));
  assert.equal(c.assumedUtc, true);
  assert.throws(() => parseCutovers(['tomorrow']), UsageError);
  assert.throws(() => parseCutovers(['2024-13-01T00:00Z']), UsageError);
  assert.throws(() => parseCutovers(['not a domain=2024-11-27T09:00Z']), UsageError);
});

test('host lists: names (case, trailing dot, *.suffix, short syslog names), IPs, exchange-online; bad entries rejected', () => {
  const lists = { old: parseHostList('--old-mx', ['MX1.Old.Example.', '192.0.2.10', '*.legacy.example']), new: parseHostList('--new-mx', ['example-com.mail.protection.outlook.com', '2001:db8::25']) };
  assert.equal(roleOf(lists, { host: 'mx1.old.example' }), 'old');
  assert.equal(roleOf(lists, { host: 'mx1' }), 'old', 'a syslog short name matches the first label of a listed FQDN');
  assert.equal(roleOf(lists, { host: 'a.b.legacy.example' }), 'old');
  assert.equal(roleOf(lists, { ip: '192.0.2.10' }), 'old');
  assert.equal(roleOf(lists, { host: 'exchange-online' }), 'new');
  assert.equal(roleOf(lists, { ip: '2001:DB8::25' }), 'new');
  assert.equal(roleOf(lists, { host: 'example-com.mail.protection.outlook.com', ip: '192.0.2.10' }), 'stale-a');
  assert.equal(roleOf(lists, { host: 'mx.shop.example', ip: '192.0.2.77' }), 'other');
  assert.throws(() => parseHostList('--old-mx', ['mx one']), /neither a host name nor an IP/);
  assert.throws(() => parseHostList('--old-mx', ['http://mx.example']), UsageError);
});

test('directory exports: plain list, Exchange CSV with EmailAddresses, Postfix map', () => {
  assert.deepEqual([...parseDirectory('alice@example.com\n# comment\nBob@Example.com\n', 'x')], ['alice@example.com', 'bob@example.com']);
  const csv = '#TYPE Selected.Microsoft.Exchange.Data.Directory.Management.Mailbox\n"DisplayName","PrimarySmtpAddress","EmailAddresses"\n"Leo","leo@example.com","SMTP:leo@example.com;smtp:l.smith@example.com;X500:/o=ExampleOrg/cn=Recipients/cn=leo"\n';
  assert.deepEqual([...parseDirectory(csv, 'x')].sort(), ['l.smith@example.com', 'leo@example.com', 'x500:/o=exampleorg/cn=recipients/cn=leo']);
  assert.deepEqual([...parseDirectory('info@example.org    info@example.org\nsales@example.org   bob@example.org\n', 'x')], ['info@example.org', 'sales@example.org']);
});

test('nearest known-good address: edit distance at most 2 on the local part, a swap counting once', () => {
  assert.equal(editDistance('jonh', 'john', 2), 1);
  assert.equal(editDistance('jonh', 'jane', 2), 2);
  assert.equal(editDistance('kitten', 'sitting', 2), 3);
  assert.equal(nearestKnownGood('jonh@example.com', ['john@example.com', 'jane@example.com', 'jonathan@example.com']), 'john@example.com');
  assert.equal(nearestKnownGood('xyz@example.com', ['john@example.com']), undefined);
});
